"""The watchdog that ends a runner machine, run by bash as on the machine.

The script is taken from a rendered user data. Around it: a clock that is a file the test
advances, a job that is a file whose presence means "a job is running", a runner that is a
real background process, a shutdown that writes a line instead of powering off, and an EC2
metadata service on 127.0.0.1 that speaks IMDSv2 (token PUT, then GET with the token).
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from cmlreport.runner import spec as runner_spec
from cmlreport.runner.bootstrap import RUNNER_STATE_MARKER, WATCHDOG_MARKER, render_user_data

POLL = 0.05
DEADLINE = 5.0  # seconds any single wait may take before the test fails
IMDS_TOKEN = "AQAEAFakeImdsSessionToken=="
SPOT_NOTICE = {"action": "terminate", "time": "2024-08-15T10:22:00Z"}

# A runner that serves until told to stop (SIGTERM, as systemd would) or until its one job is
# done (the file `exit` appears, as an ephemeral runner exits by itself).
FAKE_RUNNER = """
echo $$ > runner.pid
trap 'echo "runner stopped cleanly" >> events; exit 0' TERM
while [ ! -e exit ]; do sleep 0.05; done
echo "runner exited after its job" >> events
"""
# Like `systemctl stop`: signal the runner if it is up, wait until it is gone, succeed.
STOP_RUNNER = (
    'pid=$(cat runner.pid); if kill -0 "$pid" 2>/dev/null; then kill -TERM "$pid"; '
    'while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done; fi'
)


def installed(tmp_path_factory: pytest.TempPathFactory, marker: str, name: str) -> Path:
    """A file the rendered user data installs on the machine, as it would be there."""
    spec = runner_spec.RunnerSpec(
        machine=runner_spec.Machine(region="us-east-1", instance_types=("g4dn.xlarge",)),
        runner=runner_spec.RunnerSetup(
            name="cml-gpu-1", labels=("cml-gpu",), idle_timeout=600, max_lifetime=3600
        ),
        repo=runner_spec.ForgeRepo(
            "github", "acme/classifier", "https://github.com/acme/classifier"
        ),
    )
    script = render_user_data(spec, "eyJmYWtlIjoiaml0In0=")
    match = re.search(rf"<<'{marker}'\n(.*?\n){marker}\n", script, re.DOTALL)
    assert match
    path = tmp_path_factory.mktemp("installed") / name
    path.write_text(match.group(1))
    return path


@pytest.fixture(scope="module")
def runner_state(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return installed(tmp_path_factory, RUNNER_STATE_MARKER, "cmlreport-runner-state")


@pytest.fixture(scope="module")
def watchdog(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return installed(tmp_path_factory, WATCHDOG_MARKER, "cmlreport-watchdog")


class FakeMetadata(ThreadingHTTPServer):
    """IMDSv2: no session token, no answer; the spot notice 404s until the test sets it."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _MetadataHandler)
        self.notice: dict[str, str] | None = None
        # Other metadata paths (under /latest/meta-data/): instance-id, tags/instance/KEY...
        self.values: dict[str, str] = {}
        self.requests: list[tuple[str, str, str | None]] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _MetadataHandler(BaseHTTPRequestHandler):
    server: FakeMetadata

    def do_PUT(self) -> None:
        self.server.requests.append(("PUT", self.path, None))
        ttl = self.headers.get("X-aws-ec2-metadata-token-ttl-seconds", "")
        if self.path == "/latest/api/token" and ttl.isdigit() and 1 <= int(ttl) <= 21600:
            self._answer(200, IMDS_TOKEN)
        else:
            self._answer(400, "")

    def do_GET(self) -> None:
        token = self.headers.get("X-aws-ec2-metadata-token")
        self.server.requests.append(("GET", self.path, token))
        if token != IMDS_TOKEN:
            self._answer(401, "")
        elif self.path == "/latest/meta-data/spot/instance-action" and self.server.notice:
            self._answer(200, json.dumps(self.server.notice))
        elif self.path.removeprefix("/latest/meta-data/") in self.server.values:
            self._answer(200, self.server.values[self.path.removeprefix("/latest/meta-data/")])
        else:
            self._answer(404, "Not Found")

    def _answer(self, status: int, body: str) -> None:
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def metadata() -> Iterator[FakeMetadata]:
    server = FakeMetadata()
    # A short poll interval: shutdown() waits for the loop to notice.
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@dataclass
class Machine:
    """The watchdog's world: its clock, its job, its runner, and what it did."""

    dir: Path
    watchdog: Path
    metadata_url: str
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def set_clock(self, seconds: int) -> None:
        (self.dir / "now.tmp").write_text(f"{seconds}\n")
        (self.dir / "now.tmp").replace(self.dir / "now")  # never a half-written time

    def start_job(self) -> None:
        (self.dir / "job").touch()

    def finish_job(self) -> None:
        (self.dir / "job").unlink()

    def start_runner(self) -> None:
        runner = subprocess.Popen(["bash", "-c", FAKE_RUNNER], cwd=self.dir)
        self.processes.append(runner)
        # Reap it as soon as it exits, as init would: a zombie still answers `kill -0`.
        threading.Thread(target=runner.wait, daemon=True).start()
        self._until(lambda: (self.dir / "runner.pid").exists(), "the runner to start")

    def runner_finishes_its_job(self) -> None:
        (self.dir / "exit").touch()

    def start_watchdog(self, **settings: str | int | float) -> None:
        env = {
            "PATH": os.environ["PATH"],
            "CMLREPORT_IDLE_TIMEOUT": 600,
            "CMLREPORT_MAX_LIFETIME": 3600,
            "CMLREPORT_POLL": POLL,
            "CMLREPORT_STOP_TIMEOUT": 3,
            "CMLREPORT_NOW_CMD": "cat now; echo >> clock-reads",
            "CMLREPORT_JOB_CHECK": "test -e job",
            "CMLREPORT_RUNNER_CHECK": 'kill -0 "$(cat runner.pid)"',
            "CMLREPORT_STOP_RUNNER": STOP_RUNNER,
            "CMLREPORT_SHUTDOWN": "echo shutdown >> events",
            "CMLREPORT_METADATA_URL": self.metadata_url,
            **settings,
        }
        self.proc = subprocess.Popen(
            ["bash", str(self.watchdog)],
            cwd=self.dir,
            env={key: str(value) for key, value in env.items()},
            stderr=(self.dir / "watchdog.log").open("wb"),
            start_new_session=True,
        )
        self.processes.append(self.proc)
        self.wait_rounds()

    def wait_rounds(self, rounds: int = 3) -> None:
        """Until the watchdog has finished a whole round that began after this call."""
        # It reads the clock once a round; the first read after this call may have started
        # just before it, so the round of the second one is complete at the third.
        start = self._clock_reads()
        self._until(
            lambda: self._clock_reads() >= start + rounds or self.proc.poll() is not None,
            f"{rounds} watchdog rounds",
        )

    def wait_for_exit(self) -> int:
        return self.proc.wait(timeout=DEADLINE)

    @property
    def running(self) -> bool:
        return self.proc.poll() is None

    @property
    def events(self) -> list[str]:
        path = self.dir / "events"
        return path.read_text().splitlines() if path.exists() else []

    @property
    def log(self) -> str:
        return (self.dir / "watchdog.log").read_text()

    def stop_everything(self) -> None:
        for process in self.processes:
            if process.poll() is not None:
                continue
            if process is getattr(self, "proc", None):
                os.killpg(process.pid, signal.SIGKILL)  # the watchdog and whatever it started
            else:
                process.kill()
            process.wait(timeout=DEADLINE)

    def _clock_reads(self) -> int:
        path = self.dir / "clock-reads"
        return len(path.read_text()) if path.exists() else 0

    def _until(self, condition: Callable[[], bool], what: str) -> None:
        deadline = time.monotonic() + DEADLINE
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}")
            time.sleep(POLL / 4)


@pytest.fixture
def machine(tmp_path: Path, watchdog: Path, metadata: FakeMetadata) -> Iterator[Machine]:
    world = Machine(dir=tmp_path, watchdog=watchdog, metadata_url=metadata.url)
    world.set_clock(1000)
    world.start_runner()
    yield world
    world.stop_everything()


@pytest.mark.parametrize("imds", ["answers 404", "unreachable"])
def test_an_idle_machine_shuts_down_when_the_idle_timeout_is_reached(machine, imds):
    if imds == "unreachable":
        # On-demand machines never get a notice; a metadata service that is down is not one.
        machine.metadata_url = "http://127.0.0.1:9"
    machine.start_watchdog()
    machine.set_clock(1599)
    machine.wait_rounds()
    assert machine.running and machine.events == []

    machine.set_clock(1600)
    assert machine.wait_for_exit() == 0
    assert machine.events == ["runner stopped cleanly", "shutdown"]
    assert "shutting down: idle for 600s" in machine.log


def test_a_running_job_postpones_the_idle_shutdown(machine):
    machine.start_job()
    machine.start_watchdog(CMLREPORT_MAX_LIFETIME=86400)
    machine.set_clock(2000)  # well past the idle timeout, but busy all along
    machine.wait_rounds()
    assert machine.running and machine.events == []

    machine.finish_job()  # the idle timer starts now, at 2000
    machine.wait_rounds()
    machine.set_clock(2599)
    machine.wait_rounds()
    assert machine.running and machine.events == []

    machine.set_clock(2600)
    assert machine.wait_for_exit() == 0
    assert machine.events == ["runner stopped cleanly", "shutdown"]
    log = machine.log
    assert log.index("a job is running") < log.index("the job has finished")
    assert "idle for 600s" in log


def test_the_max_lifetime_ends_the_machine_even_with_a_job_running(machine):
    machine.start_job()
    # Booted at 500, the watchdog came up at 1000: lifetime counts from boot.
    machine.start_watchdog(CMLREPORT_STARTED_AT=500, CMLREPORT_MAX_LIFETIME=3600)
    machine.set_clock(4099)
    machine.wait_rounds()
    assert machine.running and machine.events == []

    machine.set_clock(4100)
    assert machine.wait_for_exit() == 0
    assert machine.events == ["runner stopped cleanly", "shutdown"]
    assert "max lifetime of 3600s reached" in machine.log
    assert (machine.dir / "job").exists()  # ended mid-job: the cap is a cap


def test_a_spot_interruption_notice_stops_the_runner_cleanly_then_shuts_down(machine, metadata):
    machine.start_job()
    machine.start_watchdog()
    machine.wait_rounds()
    assert machine.running and machine.events == []

    metadata.notice = SPOT_NOTICE
    assert machine.wait_for_exit() == 0
    assert machine.events == ["runner stopped cleanly", "shutdown"]
    assert "spot interruption notice" in machine.log and '"terminate"' in machine.log
    # IMDSv2 all the way: every GET carried the session token from a PUT.
    gets = [r for r in metadata.requests if r[0] == "GET"]
    assert gets and all(token == IMDS_TOKEN for _, _, token in gets)
    assert any(r[:2] == ("PUT", "/latest/api/token") for r in metadata.requests)


# The AWS CLI as the machine has it, recording what it was asked.
FAKE_AWS = '#!/bin/sh\necho "aws $*" >> "$CMLREPORT_TEST_DIR/events"\n'


def with_fake_aws(machine: Machine) -> dict[str, str]:
    bin_dir = machine.dir / "bin"
    bin_dir.mkdir()
    aws = bin_dir / "aws"
    aws.write_text(FAKE_AWS)
    aws.chmod(0o755)
    return {"PATH": f"{bin_dir}:{os.environ['PATH']}", "CMLREPORT_TEST_DIR": str(machine.dir)}


def test_a_spot_notice_tags_the_instance_interrupted_before_the_machine_goes(
    machine: Machine, metadata: FakeMetadata
) -> None:
    metadata.values.update({"instance-id": "i-0123456789abcdef0", "placement/region": "eu-west-1"})
    machine.start_job()
    machine.start_watchdog(**with_fake_aws(machine))

    metadata.notice = SPOT_NOTICE
    assert machine.wait_for_exit() == 0
    tag = (
        "aws --cli-connect-timeout 5 --cli-read-timeout 10 ec2 create-tags --region eu-west-1 "
        "--resources i-0123456789abcdef0 --tags Key=cmlreport:interrupted,Value=spot"
    )
    # Recorded first, then the runner stops and the machine shuts down.
    assert machine.events == [tag, "runner stopped cleanly", "shutdown"]
    assert "recorded the interruption: tag cmlreport:interrupted=spot" in machine.log


def test_without_the_aws_cli_the_notice_still_ends_the_machine_and_says_why_untagged(
    machine: Machine, metadata: FakeMetadata, tmp_path: Path
) -> None:
    machine.start_watchdog(PATH="/usr/bin:/bin", CMLREPORT_MARK_INTERRUPTED="false")

    metadata.notice = SPOT_NOTICE
    assert machine.wait_for_exit() == 0
    assert machine.events == ["runner stopped cleanly", "shutdown"]
    assert "could not tag the instance" in machine.log
    assert "state reason" in machine.log


def test_a_single_use_runner_that_has_done_its_job_ends_the_machine(machine):
    machine.start_job()
    machine.start_watchdog()
    machine.finish_job()
    machine.runner_finishes_its_job()  # the ephemeral runner exits by itself
    assert machine.wait_for_exit() == 0
    assert machine.events == ["runner exited after its job", "shutdown"]
    assert "the runner has exited" in machine.log  # long before any idle timeout


def test_a_single_use_runner_is_drained_once_when_its_first_job_starts(machine):
    machine.start_watchdog(CMLREPORT_ON_JOB_START="echo drain >> events")
    machine.wait_rounds()
    assert machine.events == []

    machine.start_job()
    machine.wait_rounds()
    machine.finish_job()
    machine.wait_rounds()
    machine.start_job()  # a second job must not drain again
    machine.wait_rounds()
    assert machine.events == ["drain"]

    machine.finish_job()
    machine.runner_finishes_its_job()
    assert machine.wait_for_exit() == 0
    assert machine.events == ["drain", "runner exited after its job", "shutdown"]


def test_a_failed_shutdown_exits_non_zero_so_that_systemd_restarts_the_watchdog(machine):
    machine.start_watchdog(CMLREPORT_SHUTDOWN="echo shutdown-failed >> events; false")
    machine.set_clock(1600)
    assert machine.wait_for_exit() == 1
    assert machine.events[-1] == "shutdown-failed"
    assert "the shutdown command failed" in machine.log


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"CMLREPORT_IDLE_TIMEOUT": None}, "CMLREPORT_IDLE_TIMEOUT"),
        ({"CMLREPORT_MAX_LIFETIME": None}, "CMLREPORT_MAX_LIFETIME"),
        ({"CMLREPORT_MAX_LIFETIME": "6h"}, "CMLREPORT_MAX_LIFETIME must be a whole number"),
    ],
)
def test_the_watchdog_refuses_to_run_without_sound_limits(watchdog, tmp_path, settings, message):
    env = {"PATH": os.environ["PATH"], "CMLREPORT_IDLE_TIMEOUT": "600"}
    env["CMLREPORT_MAX_LIFETIME"] = "3600"
    env.update({key: value for key, value in settings.items() if value is not None})
    for key in [key for key, value in settings.items() if value is None]:
        env.pop(key)
    result = subprocess.run(
        ["bash", str(watchdog)], env=env, cwd=tmp_path, capture_output=True, timeout=DEADLINE
    )
    assert result.returncode != 0
    assert message in result.stderr.decode()


# -- a busy runner is never ended as idle --------------------------------------------------------
# The GitHub runner's state as the machine reads it: the state script installed by the user data
# over the runner's own output log (what actions/runner's Listener prints when it takes and
# completes a job) and its Runner.Worker processes (a real process here, by a name of its own so
# that parallel tests never see each other's).


def stamp(seconds: int) -> str:
    """The time as the Listener prints it ({DateTime.UtcNow:u})."""
    return time.strftime("%Y-%m-%d %H:%M:%SZ", time.gmtime(seconds))


@dataclass
class GitHubRunner:
    machine: Machine
    state: Path
    worker_name: str = field(default_factory=lambda: f"Runner.Worker-{uuid.uuid4().hex}")
    worker: subprocess.Popen[bytes] | None = None

    @property
    def settings(self) -> dict[str, str]:
        return {
            "CMLREPORT_JOB_CHECK": f"bash {self.state} busy",
            "CMLREPORT_LAST_JOB_CMD": f"bash {self.state} last-job",
            "CMLREPORT_RUNNER_LOG": str(self.machine.dir / "runner.log"),
            "CMLREPORT_WORKER_PATTERN": self.worker_name,
        }

    def prints(self, line: str) -> None:
        with (self.machine.dir / "runner.log").open("a") as log:
            log.write(line + "\n")

    def takes_job(self, at: int, name: str = "train") -> None:
        self.prints(f"{stamp(at)}: Running job: {name}")

    def starts_worker(self) -> None:
        self.worker = subprocess.Popen(["bash", "-c", f"exec -a {self.worker_name} sleep 60"])
        self.machine.processes.append(self.worker)

    def completes_job(self, at: int, name: str = "train") -> None:
        if self.worker is not None:
            self.worker.kill()
            self.worker.wait(timeout=DEADLINE)
            self.worker = None
        self.prints(f"{stamp(at)}: Job {name} completed with result: Succeeded")

    def is_busy(self) -> bool:
        env = {**os.environ, **self.settings}
        return subprocess.run(["bash", str(self.state), "busy"], env=env).returncode == 0


@pytest.fixture
def github(machine: Machine, runner_state: Path) -> GitHubRunner:
    runner = GitHubRunner(machine, runner_state)
    runner.prints("Current runner version: '2.319.1'")
    runner.prints(f"{stamp(1000)}: Listening for Jobs")
    return runner


def test_a_job_taken_in_the_last_second_of_the_idle_window_keeps_the_machine_up(machine, github):
    machine.start_watchdog(**github.settings, CMLREPORT_MAX_LIFETIME=86400)
    machine.set_clock(1599)
    # The Listener has taken a job; its Worker process is not up yet.
    github.takes_job(at=1599)
    machine.set_clock(1600)  # the idle timeout, counted from 1000
    machine.wait_rounds()
    assert machine.running and machine.events == []

    github.starts_worker()
    machine.set_clock(5000)  # the job runs far past the idle timeout
    machine.wait_rounds()
    assert machine.running and machine.events == []

    github.completes_job(at=5000)
    machine.wait_rounds()
    machine.set_clock(5599)
    machine.wait_rounds()
    assert machine.running and machine.events == []
    machine.set_clock(5600)
    assert machine.wait_for_exit() == 0
    assert machine.events == ["runner stopped cleanly", "shutdown"]
    assert "idle for 600s" in machine.log


def test_a_job_shorter_than_one_poll_still_restarts_the_idle_window(machine, github):
    machine.start_watchdog(**github.settings)
    # Taken and completed between two rounds: the watchdog never sees it run.
    github.takes_job(at=1500)
    github.completes_job(at=1590)
    machine.set_clock(1600)
    machine.wait_rounds()
    machine.set_clock(2189)
    machine.wait_rounds()
    assert machine.running and machine.events == []

    machine.set_clock(2190)  # 600 s after the job ended, by the runner's own record
    assert machine.wait_for_exit() == 0
    assert "idle for 600s" in machine.log


def test_the_last_look_before_ending_an_idle_runner_sees_a_job_just_taken(machine):
    # The first check of the round finds no job; the runner takes one at that moment, so the
    # look right before the end finds it.
    # The round that reads 1600 arms it (job-next); its first check then takes the job.
    clock = 'c=$(cat now); echo "$c"; echo >> clock-reads; '
    clock += 'if [ "$c" -ge 1600 ] && [ -e job-soon ]; then mv job-soon job-next; fi'
    check = "test -e job || { test -e job-next && mv job-next job && false; }"
    machine.start_watchdog(
        CMLREPORT_NOW_CMD=clock, CMLREPORT_JOB_CHECK=check, CMLREPORT_MAX_LIFETIME=86400
    )
    (machine.dir / "job-soon").touch()
    machine.set_clock(1600)
    machine.wait_rounds()
    assert machine.running and machine.events == []
    assert "a job started at the end of the idle window; staying up" in machine.log
    assert "a job is running" in machine.log


def test_a_drained_runner_finishes_the_job_it_took_before_the_machine_ends(machine):
    # GitLab: the idle end is a SIGQUIT; the runner had picked up a job just before it.
    machine.start_watchdog(
        CMLREPORT_DRAIN_RUNNER="echo drained >> events; touch job", CMLREPORT_MAX_LIFETIME=86400
    )
    machine.set_clock(1600)
    machine.wait_rounds()
    machine.set_clock(9000)
    machine.wait_rounds()
    assert machine.running and machine.events == ["drained"]
    assert "draining the runner" in machine.log

    machine.finish_job()
    machine.runner_finishes_its_job()  # gitlab-runner exits once its last job is done
    assert machine.wait_for_exit() == 0
    assert machine.events == ["drained", "runner exited after its job", "shutdown"]


def test_the_max_lifetime_ends_a_machine_whose_drained_runner_is_still_busy(machine):
    machine.start_watchdog(
        CMLREPORT_DRAIN_RUNNER="echo drained >> events; touch job", CMLREPORT_MAX_LIFETIME=3600
    )
    machine.set_clock(1600)
    machine.wait_rounds()
    machine.set_clock(4600)  # started at 1000: the cap
    assert machine.wait_for_exit() == 0
    assert machine.events == ["drained", "runner stopped cleanly", "shutdown"]
    assert "max lifetime of 3600s reached" in machine.log


def test_the_runner_state_reads_the_listeners_lines_and_its_worker(machine, github):
    assert not github.is_busy()  # listening, no job yet
    github.takes_job(at=1500, name="Job x completed with result: Succeeded")
    assert github.is_busy()  # a name that looks like a completion is still a start
    github.starts_worker()
    github.completes_job(at=1590, name="Job x completed with result: Succeeded")
    assert not github.is_busy()
    github.starts_worker()  # a Worker alone (the log rotated away) is a job too
    assert github.is_busy()
    env = {**os.environ, **github.settings}
    last = subprocess.run(
        ["bash", str(github.state), "last-job"], env=env, capture_output=True, text=True
    )
    assert last.stdout.strip() == "1590"


# -- a multi-job runner that `runner launch --reuse-idle` reused --------------------------------
# The reuse writes two tags on the instance, read from the instance metadata:
# cmlreport:deadline moves the end later and cmlreport:claimed-at restarts the idle window.
# The deadline is still a cap.

DEADLINE_TAG = "tags/instance/cmlreport:deadline"
CLAIM_TAG = "tags/instance/cmlreport:claimed-at"
REUSABLE = {
    "CMLREPORT_READ_TAGS": 1,
    "CMLREPORT_STARTED_AT": 1000,
    "CMLREPORT_MAX_LIFETIME": 3600,  # 4600 without a reuse
    "CMLREPORT_RESCHEDULE": "echo fallback shutdown >> events; echo",
}


def test_a_reuse_extends_the_lifetime_and_moves_the_fallback_shutdown(machine, metadata):
    metadata.values[DEADLINE_TAG] = "8200"
    machine.start_job()
    machine.start_watchdog(**REUSABLE)
    # Read at 1000: 7200 s left, the fallback ten minutes after that.
    assert machine.events == ["fallback shutdown"]
    assert "lifetime extended by a reuse: the machine ends at 8200" in machine.log

    machine.set_clock(4600)  # the first launch's max lifetime: no longer the end
    machine.wait_rounds()
    assert machine.running

    machine.set_clock(8200)  # the extended one still ends the machine mid-job
    assert machine.wait_for_exit() == 0
    assert machine.events[-2:] == ["runner stopped cleanly", "shutdown"]
    assert "extended lifetime reached (deadline 8200)" in machine.log
    assert (machine.dir / "job").exists()


def test_the_fallback_shutdown_is_told_the_minutes_left_plus_ten(machine, metadata):
    metadata.values[DEADLINE_TAG] = "8200"
    machine.start_watchdog(**{**REUSABLE, "CMLREPORT_RESCHEDULE": "echo >> events"})
    # (8200 - 1000 + 59) // 60 + 10 minutes from the round that read the tag.
    assert machine.events == ["+130"]


def test_a_deadline_tag_never_shortens_the_lifetime(machine, metadata):
    metadata.values[DEADLINE_TAG] = "2000"  # earlier than the machine's own 4600
    machine.start_job()
    machine.start_watchdog(**REUSABLE)
    machine.set_clock(4599)
    machine.wait_rounds()
    assert machine.running and machine.events == []
    machine.set_clock(4600)
    assert machine.wait_for_exit() == 0
    assert "max lifetime of 3600s reached" in machine.log


def test_a_claim_restarts_the_idle_window_like_a_job(machine, metadata):
    machine.start_watchdog(**REUSABLE)
    machine.set_clock(1500)
    metadata.values[CLAIM_TAG] = "1500"  # a launch claimed this idle machine for its job
    machine.wait_rounds()
    machine.set_clock(2099)  # 1099 s idle since boot, 599 since the claim
    machine.wait_rounds()
    assert machine.running and machine.events == []
    assert "claimed for a job at 1500: idle timer restarted" in machine.log

    machine.set_clock(2100)
    assert machine.wait_for_exit() == 0
    assert "idle for 600s" in machine.log


def test_a_claim_from_the_future_does_not_keep_the_machine_up(machine, metadata):
    metadata.values[CLAIM_TAG] = "999999"
    machine.start_watchdog(**REUSABLE)
    machine.set_clock(1600)
    assert machine.wait_for_exit() == 0
    assert "idle for 600s" in machine.log


def test_a_single_use_runner_ignores_the_tags(machine: Machine, metadata):
    metadata.values[DEADLINE_TAG] = "8200"
    machine.start_job()
    machine.start_watchdog(**{**REUSABLE, "CMLREPORT_READ_TAGS": 0})
    machine.set_clock(4600)
    assert machine.wait_for_exit() == 0
    assert "max lifetime of 3600s reached" in machine.log
    assert not any("/tags/" in path for _, path, _ in metadata.requests)
