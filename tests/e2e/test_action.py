"""The GitHub Action (`action.yml`) in a pull request job, against the fake GitHub.

`scripts/run_action.py` runs the action's composite steps as the Actions runner does (bash with
`-eo pipefail`, GITHUB_OUTPUT/GITHUB_ENV files, `${{ }}` in run/env/if/with, evaluated by
GitHub's own @actions/expressions); the test's own Python stands in for actions/setup-python.
Each test is a user story: a workflow step `uses:` the action with some inputs; afterwards the
test reads the action's outputs and what GitHub holds.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3
import pytest

from tests.e2e.conftest import Run, clean_env
from tests.fakes.github import ACTIONS_PERMISSIONS, ADMIN_PERMISSIONS, FakeGitHub
from tests.gitrepo import GitRepo

if TYPE_CHECKING:
    from tests.fakes.moto_server import MotoServer

pytest_plugins = ["tests.fakes.github.pytest_plugin", "tests.fakes.moto_server"]

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data" / "github"
REPO = "octo/model"
RUN_ACTION = str(ROOT / "scripts" / "run_action.py")
TOKEN = "ghs_fakeActionsToken1234567890"


@dataclass
class ActionResult:
    code: int
    log: str
    outputs: dict[str, str]
    steps: list[dict[str, Any]]
    summary: str

    def outcome(self, step_id: str) -> str:
        return str(next(s["outcome"] for s in self.steps if s["id"] == step_id))


class PullRequestJob:
    """A `pull_request` job on octo/model#7 whose workspace is the checked-out project."""

    def __init__(self, project: GitRepo, runner: Path, server: FakeGitHub) -> None:
        self.project = project
        self.runner = runner
        self.server = server
        runner.mkdir(parents=True, exist_ok=True)
        self.event = runner / "event.json"
        self.event.write_text(json.dumps(self.payload()))

    def payload(self) -> dict[str, Any]:
        """A real `pull_request` payload (@octokit/webhooks-examples) retargeted at this PR."""
        payload: dict[str, Any] = json.loads((DATA / "pull_request.opened.json").read_text())
        pull = payload["pull_request"]
        payload["number"] = pull["number"] = 7
        payload["repository"]["full_name"] = REPO
        pull["base"]["repo"]["full_name"] = pull["head"]["repo"]["full_name"] = REPO
        pull["base"].update(ref="main", sha=self.project.sha("main"))
        pull["head"].update(ref="feature", sha=self.project.sha())
        return payload

    def uses(self, env: dict[str, str] | None = None, **inputs: str) -> ActionResult:
        """`- uses: ./` with these inputs (names as in action.yml), run like the Actions runner;
        ``env`` adds variables of the job (cloud credentials, say)."""
        temp = self.runner / "temp"
        temp.mkdir(exist_ok=True)
        result_file = self.runner / "result.json"
        args = [sys.executable, RUN_ACTION, str(ROOT)]
        args += ["--workspace", str(self.project.path), "--runner-temp", str(temp)]
        args += ["--github-token", TOKEN, "--result", str(result_file)]
        for name, value in inputs.items():
            args += ["--with", f"{name.replace('_', '-')}={value}"]
        # No GITHUB_TOKEN here: the job token reaches cmlreport only through the `token` input.
        job_env = clean_env(
            GITHUB_ACTIONS="true",
            GITHUB_REPOSITORY=REPO,
            GITHUB_EVENT_NAME="pull_request",
            GITHUB_EVENT_PATH=str(self.event),
            GITHUB_SHA=self.project.sha(),
            GITHUB_BASE_REF="main",
            GITHUB_HEAD_REF="feature",
            GITHUB_API_URL=self.server.url,
            GITHUB_SERVER_URL=self.server.web_url,
            GITHUB_RUN_ID="99",
            GITHUB_WORKFLOW="train",
            GITHUB_JOB="report",
            PATH=os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]]),
            **(env or {}),
        )
        proc = subprocess.run(
            args,
            env=job_env,
            capture_output=True,
            text=True,
            timeout=300,
            stdin=subprocess.DEVNULL,
            check=False,
        )
        log = proc.stdout + proc.stderr
        assert proc.returncode != 99, log  # the simulation itself refused the action
        assert TOKEN not in log
        data = json.loads(result_file.read_text())
        return ActionResult(proc.returncode, log, data["outputs"], data["steps"], data["summary"])


@pytest.fixture
def job(project: GitRepo, github_server: FakeGitHub, tmp_path: Path) -> PullRequestJob:
    github_server.add_repo(REPO)
    github_server.add_pull(REPO, number=7, head_ref="feature", head_sha=project.sha())
    github_server.add_token(TOKEN, permissions=ACTIONS_PERMISSIONS, user_endpoint_forbidden=True)
    return PullRequestJob(project, tmp_path / "runner", github_server)


def comments_on_7(server: FakeGitHub) -> list[Any]:
    return [c for c in server.issue_comments.values() if c.issue_number == 7]


def test_a_failed_gate_fails_the_step_after_the_comment_is_posted(job: PullRequestJob) -> None:
    # f1 fell from 0.80 to 0.78 on this branch; accuracy rose from 0.91 to 0.93.
    result = job.uses(
        metrics="metrics.json\nper_class.csv",
        gates="eval.f1:0.01\n  eval.accuracy < 0.5  \n",
        images="none",
    )
    assert result.code == 1, result.log
    assert [s["outcome"] for s in result.steps][-2:] == ["success", "failure"]
    (comment,) = comments_on_7(job.server)
    assert comment.body.startswith("<!-- cmlreport:train/report -->")
    assert "eval.f1" in comment.body and "per\\_class" in comment.body
    assert result.outputs["gates"] == "failed"
    assert result.outputs["report-path"] == "report.md"
    assert result.outputs["comment-url"].endswith(f"/{REPO}/issues/7#issuecomment-{comment.id}")
    assert "eval.f1" in (job.project.path / "report.md").read_text()
    assert "eval.f1" in result.summary  # the job summary got the report too
    assert "::error title=cmlreport::a quality gate failed" in result.log


def test_a_rerun_with_passing_gates_updates_the_same_comment(job: PullRequestJob) -> None:
    first = job.uses(metrics="metrics.json", gates="eval.f1:5%", images="none")
    assert first.code == 0, first.log
    assert first.outputs["gates"] == "passed" and first.outcome("run") == "success"
    job.project.write("metrics.json", '{"eval": {"accuracy": 0.95, "f1": 0.81, "loss": 0.3}}\n')
    second = job.uses(metrics="metrics.json", gates="eval.f1:5%", images="none")
    assert second.code == 0, second.log
    (comment,) = comments_on_7(job.server)
    assert "0.95" in comment.body and second.outputs["comment-url"] == first.outputs["comment-url"]


def test_comment_false_writes_the_report_in_the_working_directory(job: PullRequestJob) -> None:
    job.project.write("results/metrics.json", '{"eval": {"accuracy": 0.93}}\n')
    result = job.uses(
        metrics="metrics.json", comment="false", report="out/ci.md", working_directory="results"
    )
    assert result.code == 0, result.log
    assert result.outputs["report-path"] == "out/ci.md"
    assert "eval.accuracy" in (job.project.path / "results" / "out" / "ci.md").read_text()
    assert result.outputs["comment-url"] == "" and not comments_on_7(job.server)


def test_a_check_after_the_report_annotates_each_failed_gate_at_its_line(
    job: PullRequestJob,
) -> None:
    # Two steps of one job, no extra input: command=report, then command=check.
    built = job.uses(metrics="metrics.json", gates="eval.accuracy < 0.99", images="none")
    assert built.code == 1, built.log  # the gate failed
    checked = job.uses(command="check")

    assert checked.code == 0, checked.log
    (check,) = job.server.check_runs.values()
    assert check.conclusion == "failure"
    (annotation,) = check.annotations
    assert annotation["path"] == "metrics.json"
    assert annotation["title"] == "gate failed: eval.accuracy < 0.99"
    lines = (job.project.path / "metrics.json").read_text().splitlines()
    assert '"accuracy"' in lines[annotation["start_line"] - 1]
    assert (job.project.path / "report.json").is_file()  # beside report.md, as check reads it


def test_check_command_creates_a_check_run(job: PullRequestJob) -> None:
    report = "<!-- cmlreport-gates: passed=1 failed=1 -->\n## Report\n"
    job.project.write("report.md", report)
    result = job.uses(command="check")
    assert result.code == 0, result.log
    (check,) = job.server.check_runs.values()
    assert check.conclusion == "failure" and check.head_sha == job.project.sha()
    assert result.outputs["check-url"]
    assert not comments_on_7(job.server)


def test_a_gpu_runner_is_launched_then_stopped(job: PullRequestJob, moto: MotoServer) -> None:
    aws = boto3.client("ec2", region_name="us-east-1", endpoint_url=moto.url)
    public = aws.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    image = aws.copy_image(SourceImageId=public, SourceRegion="us-east-1", Name="gpu-base")
    job.server.add_token("ghp_runnerAdmin", permissions=ADMIN_PERMISSIONS)
    cloud = {"AWS_ENDPOINT_URL_EC2": moto.url}
    launched = job.uses(
        env=cloud,
        command="runner-launch",
        gpu="t4",
        region="us-east-1",
        image=image["ImageId"],
        labels="gpu, big",
        wait="false",
        token="ghp_runnerAdmin",
    )
    assert launched.code == 0, launched.log
    instance_id = launched.outputs["instance-id"]
    (instance,) = aws.describe_instances(InstanceIds=[instance_id])["Reservations"][0]["Instances"]
    assert instance["InstanceType"] == "g4dn.xlarge" and instance["ImageId"] == image["ImageId"]
    tags = {t["Key"]: t["Value"] for t in instance["Tags"]}
    assert tags["cmlreport:repo"] == REPO and launched.outputs["runner-label"] in tags.values()
    (runner,) = job.server.runners.values()
    assert runner.name == launched.outputs["runner-name"]
    assert {"gpu", "big", launched.outputs["runner-label"]} <= set(runner.labels)

    stopped = job.uses(
        env=cloud,
        command="runner-stop",
        instance_id=instance_id,
        region="us-east-1",
        token="ghp_runnerAdmin",
    )
    assert stopped.code == 0, stopped.log
    state = aws.describe_instances(InstanceIds=[instance_id])["Reservations"][0]["Instances"][0]
    assert state["State"]["Name"] in ("shutting-down", "terminated")
    assert not job.server.runners


# Were an input pasted into a script as ${{ inputs.x }}, one of these would print INJECTED.
INJECTIONS = {
    "substitution": "$(echo INJECTED >&2) `echo INJECTED >&2` x.json",
    "quote": 'x.json"; echo INJECTED; "',
}


@pytest.mark.parametrize("payload", INJECTIONS.values(), ids=INJECTIONS.keys())
def test_inputs_are_data_never_code(job: PullRequestJob, payload: str) -> None:
    # Every input that reaches a script at once: one pasted into a `run:` would print INJECTED.
    inputs = {name: payload for name in ("metrics", "plots", "base", "gates", "key")}
    result = job.uses(images="none", **inputs)
    assert "INJECTED" not in [line.strip() for line in result.log.splitlines()], result.log
    assert result.code == 2, result.log  # cmlreport's own input error, naming the bad value
    assert "cmlreport: error:" in result.log


def test_an_unknown_command_fails_before_anything_is_installed(job: PullRequestJob) -> None:
    result = job.uses(command="deploy")
    assert result.code == 2
    assert "input 'command' is 'deploy'" in result.log
    assert [s["outcome"] for s in result.steps][1:] == ["skipped"] * 4


def test_gate_lines_keep_their_inner_spaces(job: PullRequestJob) -> None:
    result = job.uses(
        metrics="metrics.json",
        gates="\n   eval.accuracy   <   0.5   \n\teval.f1:5%  \n",
        images="none",
    )
    assert result.code == 0, result.log
    assert result.outputs["gates"] == "passed"
    assert "gates: 2 passed, 0 failed" in result.log


def test_an_invalid_boolean_fails_the_run_step_naming_the_input(job: PullRequestJob) -> None:
    result = job.uses(metrics="metrics.json", comment="yes")
    assert result.code == 2, result.log
    assert "::error title=cmlreport::input 'comment' is 'yes': use true or false" in result.log
    assert result.outcome("run") == "failure" and result.steps[-1]["outcome"] == "skipped"
    assert not (job.project.path / "report.md").exists() and not comments_on_7(job.server)


def test_cmlreport_action_says_a_bad_input_in_one_annotation(run: Run, tmp_path: Path) -> None:
    env = clean_env(INPUT_METRICS="m.json", INPUT_WAIT="no\n::add-mask::x\n%0A")
    result = run("action", cwd=tmp_path, env=env)
    assert result.code == 2 and result.stderr == ""
    # Escaped as the runner reads an annotation's data: still one line, no second command.
    assert result.stdout == (
        "::error title=cmlreport::input 'wait' is 'no\\x0a::add-mask::x\\x0a%250A': "
        "use true or false\n"
    )


def test_the_annotation_masks_a_token_quoted_in_an_input(run: Run, tmp_path: Path) -> None:
    env = clean_env(GITHUB_TOKEN=TOKEN, INPUT_METRICS="m.json", INPUT_SPOT=TOKEN)
    result = run("action", cwd=tmp_path, env=env)
    assert result.code == 2 and result.stdout.startswith("::error title=cmlreport::input 'spot'")
    assert TOKEN not in result.stdout + result.stderr


def test_the_simulation_needs_node_and_npm_ci(tmp_path: Path) -> None:
    where = ["--workspace", str(tmp_path), "--runner-temp", str(tmp_path)]
    empty = tmp_path / "bin"  # not the venv's bin: the test extra puts a node there
    empty.mkdir()
    proc = subprocess.run(
        [sys.executable, RUN_ACTION, str(ROOT), *where],
        capture_output=True,
        text=True,
        env=clean_env(PATH=str(empty)),
        check=False,
    )
    assert proc.returncode == 99
    assert proc.stderr == "run_action: node is not on PATH: install Node.js 20+ and run npm ci\n"


def test_an_unknown_command_is_quoted_back_without_its_line_breaks(job: PullRequestJob) -> None:
    result = job.uses(command="deploy\n::warning::forged $(id)")
    assert result.code == 2
    (error,) = [line for line in result.log.splitlines() if line.startswith("::error")]
    assert error == (
        "::error title=cmlreport::input 'command' is 'deploy???warning??forged???id?': "
        "use report, send-comment, check, runner-launch or runner-stop"
    )


def test_the_simulation_refuses_what_it_does_not_implement(tmp_path: Path) -> None:
    action = tmp_path / "action"
    action.mkdir()
    (action / "action.yml").write_text(
        "name: x\ndescription: y\nruns:\n  using: composite\n  steps:\n"
        "    - shell: bash\n      env:\n        T: ${{ github.event.pull_request.title }}\n"
        '      run: echo "$T"\n'
    )
    where = ["--workspace", str(tmp_path), "--runner-temp", str(tmp_path)]
    proc = subprocess.run(
        [sys.executable, RUN_ACTION, str(action), *where],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 99
    assert "github.event is not simulated" in proc.stderr


def test_no_metrics_input_outside_a_dvc_project_is_one_error_and_no_comment(
    job: PullRequestJob,
) -> None:
    result = job.uses()  # metrics left empty: only a dvc.yaml could say which files
    assert result.code == 2, result.log
    errors = [line for line in result.log.splitlines() if "give at least one metrics file" in line]
    assert len(errors) == 1, result.log
    assert "Traceback" not in result.log
    assert not (job.project.path / "report.md").exists() and not comments_on_7(job.server)
