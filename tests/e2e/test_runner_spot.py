"""A spot machine reclaimed mid-training: `runner stop` says so and re-runs the failed jobs
once, and the re-run's launch goes on demand; on GitHub and on GitLab.

moto cannot reclaim a spot machine: the interruption is what the machine leaves behind, a
terminated instance carrying the watchdog's tag (GitHub story) or EC2's state reason
``Server.SpotInstanceTermination`` (GitLab story, written into moto's DescribeInstances answer).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from tests.e2e.conftest import Result, Run, clean_env
from tests.e2e.example_project import EXAMPLES
from tests.e2e.test_runner_cli import (
    REGION,
    TOKEN,
    Step,
    aws,
    image,
    launch,
    live_instances,
    step,
    tags,
)
from tests.fakes.github.records import WorkflowRun
from tests.fakes.gitlab.records import Job
from tests.fakes.gitlab.server import FakeGitLab

if TYPE_CHECKING:
    from tests.fakes.moto_server import MotoServer

pytest_plugins = [
    "tests.fakes.github.pytest_plugin",
    "tests.fakes.gitlab.pytest_plugin",
    "tests.fakes.moto_server",
]
__all__ = ["image", "step"]  # fixtures


def spot_launch(run: Run, step: Step, image: str, attempt: str) -> Result:
    return step.run(
        run,
        "launch",
        "--gpu",
        "t4",
        "--image",
        image,
        "--no-wait",
        "--spot",
        "--labels",
        "gpu-4242",
        GITHUB_RUN_ATTEMPT=attempt,
    )


def reclaim(moto: MotoServer, instance_id: str, *, tag: bool) -> None:
    """EC2 ends a spot machine: with the watchdog's tag, or only with EC2's state reason."""
    client = aws(moto)
    if tag:
        client.create_tags(
            Resources=[instance_id], Tags=[{"Key": "cmlreport:interrupted", "Value": "spot"}]
        )
    client.terminate_instances(InstanceIds=[instance_id])
    if not tag:
        moto.rewrite(
            "DescribeInstances",
            lambda xml: re.sub(
                r"<stateReason>\s*<code>[^<]*</code>",
                "<stateReason><code>Server.SpotInstanceTermination</code>",
                xml,
            ),
        )


def test_github_spot_interruption_reruns_once_and_the_rerun_launches_on_demand(
    run: Run, step: Step, image: str
) -> None:
    step.server.workflow_runs[4242] = WorkflowRun(4242, "octo/model", status="in_progress")
    first = spot_launch(run, step, image, "1")
    assert first.code == 0, first.stderr
    (machine,) = live_instances(step.moto)
    assert machine["InstanceLifecycle"] == "spot"
    assert (tags(machine)["cmlreport:run"], tags(machine)["cmlreport:attempt"]) == ("4242", "1")
    reclaim(step.moto, machine["InstanceId"], tag=True)

    # The always() job of the same run: GitHub refuses to re-run a run still in progress.
    inside = step.run(run, "stop", "--labels", "gpu-4242", GITHUB_RUN_ATTEMPT="1")
    assert inside.code == 3
    assert f"spot interruption: EC2 reclaimed {machine['InstanceId']}" in inside.stderr
    assert "This workflow is already running" in inside.stderr
    assert "workflow_run" in inside.stderr and "Traceback" not in inside.stderr
    assert not step.server.runners  # the registration is gone all the same
    assert "spot-interrupted=true" in step.output.read_text()

    # The workflow_run workflow, once the run has failed: the re-run is asked for, once.
    step.server.workflow_runs[4242].status = "completed"
    after = step.run(
        run,
        "stop",
        "--labels",
        "gpu-4242",
        "--run-id",
        "4242",
        "--run-attempt",
        "1",
        GITHUB_RUN_ID="5000",
    )
    assert after.code == 0, after.stderr
    assert "re-running the failed jobs of workflow run 4242" in after.stderr
    assert "(attempt 2 of at most 2)" in after.stderr
    assert step.server.workflow_runs[4242].reruns == ["failed-jobs"]

    # Attempt 2: the spot launch goes on demand, and says why.
    second = spot_launch(run, step, image, "2")
    assert second.code == 0, second.stderr
    assert f"the previous attempt's spot machine {machine['InstanceId']} was reclaimed" in (
        second.stderr
    )
    (replacement,) = live_instances(step.moto)
    assert "InstanceLifecycle" not in replacement
    assert tags(replacement)["cmlreport:attempt"] == "2"

    # Reclaimed again (the tag, say): attempt 2 of 2 is not re-run.
    reclaim(step.moto, replacement["InstanceId"], tag=True)
    step.server.workflow_runs[4242].status = "completed"
    last = step.run(
        run,
        "stop",
        "--labels",
        "gpu-4242",
        "--run-id",
        "4242",
        GITHUB_RUN_ID="5001",
        GITHUB_RUN_ATTEMPT="2",
    )
    assert last.code == 0, last.stderr
    assert "not re-running: this was attempt 2, and --max-attempts is 2" in last.stderr
    assert step.server.workflow_runs[4242].reruns == ["failed-jobs"]


def test_a_machine_ended_otherwise_is_no_interruption_and_reruns_nothing(
    run: Run, step: Step, image: str
) -> None:
    step.server.workflow_runs[4242] = WorkflowRun(4242, "octo/model")
    assert launch(run, step, image, "--spot", "--labels", "gpu-4242").code == 0
    (machine,) = live_instances(step.moto)
    aws(step.moto).terminate_instances(InstanceIds=[machine["InstanceId"]])  # idle, say
    stopped = step.run(run, "stop", "--labels", "gpu-4242", "--run-id", "4242")
    assert stopped.code == 0, stopped.stderr
    assert "spot interruption" not in stopped.stderr
    assert step.server.workflow_runs[4242].reruns == []
    assert "spot-interrupted=false" in step.output.read_text()


def test_gitlab_spot_interruption_retries_the_launch_and_the_failed_gpu_job(
    run: Run, moto: MotoServer, gitlab_server: FakeGitLab, tmp_path: Path, image: str
) -> None:
    gitlab_server.add_project("ml/model", id=42)
    gitlab_server.add_token("glpat-maint0123456789", username="maya", role="maintainer")
    root = tmp_path / "gl"
    root.mkdir()

    def env(job: str) -> dict[str, str]:
        return clean_env(
            GITLAB_CI="true",
            CI_SERVER_URL=gitlab_server.url,
            CI_API_V4_URL=gitlab_server.api_url,
            CI_PROJECT_PATH="ml/model",
            CI_PIPELINE_ID="77",
            CI_JOB_ID=job,
            GITLAB_TOKEN="glpat-maint0123456789",
            AWS_ENDPOINT_URL=moto.url,
            AWS_REGION=REGION,
            AWS_ACCESS_KEY_ID="testing",
            AWS_SECRET_ACCESS_KEY="testing",
            AWS_EC2_METADATA_DISABLED="true",
        )

    flags = ("--gpu", "t4", "--image", image, "--no-wait", "--spot", "--labels", "gpu-77")
    assert run("runner", "launch", *flags, cwd=root, env=env("501")).code == 0
    (machine,) = live_instances(moto)
    assert tags(machine)["cmlreport:ci-job"] == "501"
    gitlab_server.jobs.update(
        {
            501: Job(501, 42, 77, "gpu", "success", stage="gpu"),
            502: Job(502, 42, 77, "train", "failed", ["gpu-77"], stage="train"),
            503: Job(503, 42, 77, "lint", "failed", [], stage="train"),  # not the machine's
        }
    )
    reclaim(moto, machine["InstanceId"], tag=False)

    stopped = run("runner", "stop", "--labels", "gpu-77", cwd=root, env=env("510"))
    assert stopped.code == 0, stopped.stderr
    assert "spot interruption: EC2 reclaimed" in stopped.stderr
    assert (
        "re-running job 501 (the launch job), job 502 (train) (attempt 2 of at most 2)"
        in stopped.stderr
    )
    retried = {j.name for j in gitlab_server.jobs.values() if j.status == "pending"}
    assert retried == {"gpu", "train"} and not gitlab_server.runners

    relaunch = run("runner", "launch", *flags, cwd=root, env=env("511"))
    assert relaunch.code == 0, relaunch.stderr
    assert "launching on demand this time" in relaunch.stderr
    (replacement,) = live_instances(moto)
    assert "InstanceLifecycle" not in replacement
    assert tags(replacement)["cmlreport:attempt"] == "2"


def test_the_spot_rerun_example_reruns_gpu_yml_once_and_launches_on_demand(
    run: Run, step: Step, image: str
) -> None:
    gpu = yaml.safe_load((EXAMPLES / "github/gpu.yml").read_text(encoding="utf-8"))
    rerun = yaml.safe_load((EXAMPLES / "github/spot-rerun.yml").read_text(encoding="utf-8"))
    assert rerun[True]["workflow_run"]["workflows"] == [gpu["name"]]  # YAML 1.1: `on` is True
    launched_with = next(
        s["with"] for job in gpu["jobs"].values() for s in job["steps"] if s.get("id") == "launch"
    )
    stop_step, launch_step = rerun["jobs"]["rerun"]["steps"][-2:]

    # gpu.yml's run 4242 launched its spot machine, named as the action names it; EC2 took it.
    step.server.workflow_runs[4242] = WorkflowRun(4242, "octo/model", status="completed")
    first = spot_launch(run, step, image, "1")
    assert first.code == 0, first.stderr
    (machine,) = live_instances(step.moto)
    assert tags(machine)["cmlreport:runner"] == f"cmlreport-{launched_with['gpu']}-4242"
    reclaim(step.moto, machine["InstanceId"], tag=False)

    # The example's stop step, as the runner runs it: bash, with the step's env.
    env = step.env(
        GITHUB_RUN_ID="5000",
        GITHUB_TOKEN=TOKEN,
        RUN_ID="4242",
        RUN_ATTEMPT="1",
        PATH=f"{Path(sys.executable).parent}:{os.environ['PATH']}",
    )
    script = stop_step["run"]
    done = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
        cwd=step.root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert f"spot interruption: EC2 reclaimed {machine['InstanceId']}" in done.stderr
    assert step.server.workflow_runs[4242].reruns == ["failed-jobs"]
    assert "spot-interrupted=true" in step.output.read_text()

    # Then the re-run's machine: on demand, under the name the re-run's training waits for.
    assert launch_step["if"] == f"steps.{stop_step['id']}.outputs.spot-interrupted == 'true'"
    assert '--name "cmlreport-t4-$RUN_ID"' in launch_step["run"]
    assert "--spot" not in launch_step["run"]
