"""The GitLab template's jobs run as GitLab runs them, against the fake GitLab and moto's EC2.

The example pipeline (examples/gitlab/.gitlab-ci.yml, which includes the template) is read as
GitLab reads it: include, extends, variables expanded, `CI_*` variables of a merge request
pipeline, dotenv reports handed to later jobs. Its report job posts a real note over HTTP; its
GPU jobs register a runner at the fake GitLab and start and end an instance in moto's EC2,
with AWS credentials from the job's OIDC token (AWS_ROLE_ARN), as the template documents.

The one line not run is the template's `pip install` from the package index: the job's
`cmlreport` is this checkout (a shim on PATH).
"""

from __future__ import annotations

import io
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3
import pytest

from tests import gitlab_ci
from tests.e2e.example_project import EXAMPLES, path_env
from tests.fakes.gitlab.server import FakeGitLab
from tests.gitrepo import GitRepo

if TYPE_CHECKING:
    from tests.fakes.moto_server import MotoServer

pytest_plugins = [
    "tests.e2e.example_project",
    "tests.fakes.gitlab.pytest_plugin",
    "tests.fakes.moto_server",
]

PROJECT = "ml/topics"
PROJECT_ID = 42
MR = 5
PIPELINE_ID = "7001"
TOKEN = "glpat-projectReporter0123456789"
RUNNER_TOKEN = "glpat-projectMaintainer0123456789"
REGION = "eu-west-1"
PIPELINE = EXAMPLES / "gitlab/.gitlab-ci.yml"


def not_an_install(line: str) -> bool:
    return "pip install" in line


class Pipeline:
    """One merge request pipeline of the example project: its predefined variables, its jobs."""

    def __init__(self, repo: GitRepo, server: FakeGitLab, shims: Path) -> None:
        self.repo, self.server, self.shims = repo, server, shims
        self.doc = gitlab_ci.load(PIPELINE)
        self.job_ids = iter(range(900, 1000))
        self.last_job_id = ""
        # The runner's builds folder: the template keeps each job's own files there.
        self.builds = repo.path.parent / "builds"
        self.builds.mkdir(exist_ok=True)

    def predefined(self, job: str, **extra: str) -> dict[str, str]:
        # No AWS settings of the machine running the tests: each test says how the job gets in.
        env = {k: v for k, v in path_env(self.shims).items() if not k.startswith("AWS_")}
        self.last_job_id = str(next(self.job_ids))
        env.update(
            GITLAB_CI="true",
            CI="true",
            CI_SERVER_URL=self.server.url,
            CI_API_V4_URL=self.server.api_url,
            CI_PROJECT_ID=str(PROJECT_ID),
            CI_PROJECT_PATH=PROJECT,
            CI_PROJECT_DIR=str(self.repo.path),
            CI_BUILDS_DIR=str(self.builds),
            CI_DEFAULT_BRANCH="main",
            CI_COMMIT_SHA=self.repo.sha("HEAD"),
            CI_COMMIT_REF_NAME="feature",
            CI_PIPELINE_ID=PIPELINE_ID,
            CI_PIPELINE_SOURCE="merge_request_event",
            CI_PIPELINE_URL=f"{self.server.url}/{PROJECT}/-/pipelines/{PIPELINE_ID}",
            CI_MERGE_REQUEST_IID=str(MR),
            CI_MERGE_REQUEST_TARGET_BRANCH_NAME="main",
            CI_MERGE_REQUEST_SOURCE_BRANCH_NAME="feature",
            CI_MERGE_REQUEST_LABELS="gpu",
            CI_JOB_NAME=job,
            CI_JOB_ID=self.last_job_id,
            CI_JOB_URL=f"{self.server.url}/{PROJECT}/-/jobs/1",
        )
        env.update(extra)
        return env

    def run(self, job: str, dotenv: dict[str, str] | None = None, **extra: str) -> gitlab_ci.Ran:
        return gitlab_ci.run_job(
            self.doc,
            job,
            cwd=self.repo.path,
            predefined=self.predefined(job, **extra),
            dotenv=dotenv,
            skip=not_an_install,
        )


def _png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (4, 3), (10, 120, 10)).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def pipeline(mr_project: GitRepo, gitlab_server: FakeGitLab, shims: Path) -> Pipeline:
    gitlab_server.add_project(PROJECT, id=PROJECT_ID)
    gitlab_server.add_merge_request(PROJECT, iid=MR, sha=mr_project.sha("HEAD"))
    gitlab_server.add_project_bot_token(TOKEN, project=PROJECT, role="reporter")
    gitlab_server.add_project_bot_token(
        RUNNER_TOKEN, project=PROJECT, role="maintainer", scopes=("api", "create_runner")
    )
    # The train job's artifacts: its plots (one stands in for all).
    plots = mr_project.path / "examples/results/plots"
    plots.mkdir()
    (plots / "confusion_matrix.png").write_bytes(_png())  # published images must decode
    return Pipeline(mr_project, gitlab_server, shims)


def notes(server: FakeGitLab) -> list[str]:
    return [note.body for note in server.user_notes(PROJECT, MR)]


def test_report_job_posts_one_sticky_note_with_its_image(pipeline: Pipeline) -> None:
    main, after = pipeline.run("report", GITLAB_TOKEN=TOKEN)
    assert main.returncode == 0, main.stderr
    assert after is not None and after.returncode == 0, after  # the template's clean-up
    assert list(pipeline.builds.iterdir()) == []  # the job's virtualenv is gone
    assert "gates: 3 passed, 0 failed" in main.stdout
    (body,) = notes(pipeline.server)
    assert body.startswith("<!-- cmlreport:training-report -->")
    assert "### Slices" in body
    uploads = list(pipeline.server.uploads.values())
    # The plot the train job made, and the report's own charts; each linked from the note.
    assert any(u.filename.startswith("confusion_matrix") for u in uploads)
    for upload in uploads:
        assert upload.url in body, upload.url
    assert "plots/confusion_matrix.png" not in body  # no link to a file only the job had
    assert TOKEN not in main.stdout + main.stderr
    report = pipeline.repo.path / "examples/results/report.md"  # the job's artifact
    assert report.is_file()
    # The metrics report the job declares for the merge request's metrics widget.
    declared = gitlab_ci.resolve_job(pipeline.doc, "report")["artifacts"]["reports"]["metrics"]
    assert declared == "$CMLREPORT_DIR/$CMLREPORT_METRICS_REPORT"
    widget = (pipeline.repo.path / "examples/results/metrics.txt").read_text().splitlines()
    assert "cmlreport_gates_failed 0" in widget
    assert any(line.startswith("eval_accuracy 0.") for line in widget)

    # A rerun of the pipeline (another push) edits the same note.
    again, _ = pipeline.run("report", GITLAB_TOKEN=TOKEN)
    assert again.returncode == 0, again.stderr
    assert len(notes(pipeline.server)) == 1


def test_report_job_posts_then_fails_when_a_gate_fails(pipeline: Pipeline) -> None:
    # An earlier run's note, and CMLREPORT_MODE recreate: the new report goes to the bottom.
    bot = pipeline.server.tokens[TOKEN].username
    (old,) = pipeline.server.add_notes(
        PROJECT, MR, ["<!-- cmlreport:training-report -->\nold"], author=bot
    )
    job = pipeline.doc["report"]
    job["variables"]["CMLREPORT_GATES"] = "  eval.accuracy < 0.99\n\nfresh.recall:0.5\n"
    job["variables"]["CMLREPORT_MODE"] = "recreate"
    main, _ = pipeline.run("report", GITLAB_TOKEN=TOKEN)
    assert main.returncode == 1
    assert "gates: 1 passed, 1 failed" in main.stdout
    assert "FAILED eval.accuracy < 0.99" in main.stderr
    assert "posted anew:" in main.stdout
    (note,) = pipeline.server.user_notes(PROJECT, MR)
    assert note.id != old.id
    assert "**1 of 2 gates failed**" in note.body  # posted before the job failed, says so


def test_report_job_with_only_the_job_token_says_what_to_set(pipeline: Pipeline) -> None:
    pipeline.server.add_job_token("glcbt-jobToken0123456789", project=PROJECT)
    main, _ = pipeline.run("report", CI_JOB_TOKEN="glcbt-jobToken0123456789")
    assert main.returncode == 3
    assert "GITLAB_TOKEN" in main.stderr and "glcbt-jobToken0123456789" not in main.stderr
    assert notes(pipeline.server) == []
    assert (pipeline.repo.path / "examples/results/report.md").is_file()


@pytest.fixture
def aws(moto: MotoServer, tmp_path: Path) -> dict[str, str]:
    """AWS as a GitLab job meets it with AWS_ROLE_ARN set: no keys, only the job's ID token."""
    return {
        "AWS_ENDPOINT_URL": moto.url,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_ROLE_ARN": "arn:aws:iam::123456789012:role/gitlab-gpu-runner",
        "AWS_ROLE_SESSION_NAME": "gitlab-ci",
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_CONFIG_FILE": str(tmp_path / "no-aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-aws-credentials"),
        # What GitLab puts in the id_tokens variable: a JWT (moto does not verify it).
        "CMLREPORT_AWS_ID_TOKEN": (
            "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJwcm9qZWN0X3BhdGg6bWwvdG9waWNzIn0.c2ln"
        ),
    }


def ec2(moto: MotoServer) -> Any:
    return boto3.client(
        "ec2",
        region_name=REGION,
        endpoint_url=moto.url,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def come_online(server: FakeGitLab) -> threading.Thread:
    """What the machine's runner process does once it boots: contact GitLab."""

    def flip() -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            for runner in list(server.runners.values()):
                runner.status = "online"
                return
            time.sleep(0.02)

    thread = threading.Thread(target=flip, daemon=True)
    thread.start()
    return thread


def test_gpu_jobs_launch_a_tagged_runner_and_always_stop_it(
    pipeline: Pipeline, aws: dict[str, str], moto: MotoServer
) -> None:
    image = ec2(moto).describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    pipeline.doc["gpu-launch"]["variables"]["CMLREPORT_IMAGE"] = image
    waiter = come_online(pipeline.server)
    launch, cleanup = pipeline.run("gpu-launch", GITLAB_TOKEN=RUNNER_TOKEN, **aws)
    waiter.join(timeout=60)
    assert launch.returncode == 0, launch.stderr
    assert cleanup is not None  # the template's after_script ran
    assert cleanup.returncode == 0, cleanup.stderr
    assert RUNNER_TOKEN not in launch.stdout + launch.stderr

    # The runner GitLab knows: this project's, tagged for this pipeline, online.
    (runner,) = pipeline.server.runners.values()
    tag = f"cmlreport-{PIPELINE_ID}"
    assert runner.project_id == PROJECT_ID and tag in runner.tag_list
    assert not runner.run_untagged
    # The train-gpu job's tags select it.
    train_tags = gitlab_ci.resolve_job(pipeline.doc, "train-gpu")["tags"]
    assert [gitlab_ci.expand(t, {"CI_PIPELINE_ID": PIPELINE_ID}) for t in train_tags] == [tag]

    # The machine: a g4dn.xlarge (t4), with credentials that came from the job's ID token.
    (reservation,) = ec2(moto).describe_instances()["Reservations"]
    (instance,) = reservation["Instances"]
    assert instance["InstanceType"] == "g4dn.xlarge" and instance["State"]["Name"] == "running"
    # after_script removed the job's folder: its token file and its virtualenv.
    assert list(pipeline.builds.iterdir()) == []
    dotenv = gitlab_ci.read_dotenv(pipeline.repo.path / "cmlreport-runner.env")
    assert dotenv["CMLREPORT_INSTANCE_ID"] == instance["InstanceId"]
    assert dotenv["CMLREPORT_RUNNER_TAG"] in runner.tag_list

    # The stop job of stage .post, with the launch job's dotenv report, as GitLab hands it on.
    stop, _ = pipeline.run("gpu-stop", dotenv=dotenv, GITLAB_TOKEN=RUNNER_TOKEN, **aws)
    assert stop.returncode == 0, stop.stderr
    assert pipeline.server.runners == {}
    state = ec2(moto).describe_instances(InstanceIds=[instance["InstanceId"]])
    assert state["Reservations"][0]["Instances"][0]["State"]["Name"] in (
        "shutting-down",
        "terminated",
    )
    # Stopping again (a retried job) is fine.
    again, _ = pipeline.run("gpu-stop", dotenv=dotenv, GITLAB_TOKEN=RUNNER_TOKEN, **aws)
    assert again.returncode == 0, again.stderr
