"""Attacks on secrecy: a token, a JIT runner config or a runner token in anything cmlreport writes.

Each test runs the real CLI with a recognisable secret (its shape matches no token pattern, so
only cmlreport's own registration of it can hide it), captures stdout the ways jobs do
(``url=$(...)``, ``> preview.md``, ``| tee log``, a terminal) and looks for the secret, clear
or encoded, in every byte of stdout, stderr and every file under the job's folder (the report,
GITHUB_STEP_SUMMARY, GITHUB_OUTPUT, cmlreport-runner.env, cmlreport-comment/), with --debug
and on error paths: the forge refusing the token, answering 500, EC2 failing.
"""

from __future__ import annotations

import base64
import gzip
import json
import pickle
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import boto3
import pytest

from cmlreport.redact import Secret, encodings, mask, register
from tests.e2e.conftest import clean_env
from tests.fakes.github import ACTIONS_PERMISSIONS, ADMIN_PERMISSIONS, FakeGitHub
from tests.fakes.gitlab.server import FakeGitLab
from tests.gitrepo import GitRepo
from tests.security.leakcheck import CORPUS, MODES, assert_inert, assert_no_leak, cli, leaks

if TYPE_CHECKING:
    from tests.fakes.moto_server import MotoServer

pytest_plugins = [
    "tests.fakes.github.pytest_plugin",
    "tests.fakes.gitlab.pytest_plugin",
    "tests.fakes.moto_server",
]

REPO = "octo/model"
TOKEN = "canaryToken-7f3a9b2c4d5e6f708192a3b4"
GITLAB_TOKEN = "canaryGitLab-0c1d2e3f4a5b6c7d8e9f"
JIT = base64.b64encode(b'{"runner_id": 1, "marker": "jit-canary-0123456789abcdef"}').decode()
REGION = "us-east-1"
SECRETS_DIR = CORPUS / "secrets"


def basic(secret: str) -> str:
    return base64.b64encode(f"x-access-token:{secret}".encode()).decode()


def from_corpus(name: str, secret: str) -> str:
    text = (SECRETS_DIR / name).read_text()
    return (
        text.replace("{token}", secret)
        .replace("{basic}", basic(secret))
        .replace("{urlencoded}", quote(secret, safe=""))
    )


@dataclass
class Job:
    """One Actions job: its folder (every file in it is checked), event, summary and outputs."""

    root: Path
    server: FakeGitHub
    extra: dict[str, str] = field(default_factory=dict)
    fork: bool = False

    def __post_init__(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        head_repo = "someone/model" if self.fork else REPO
        pull = {
            "number": 7,
            "head": {"sha": "e" * 40, "repo": {"full_name": head_repo, "fork": self.fork}},
            "base": {"repo": {"full_name": REPO}},
        }
        event = {"number": 7, "pull_request": pull, "repository": {"full_name": REPO}}
        (self.root / "event.json").write_text(json.dumps(event))

    def env(self, **extra: str) -> dict[str, str]:
        values = {
            "GITHUB_ACTIONS": "true",
            "GITHUB_REPOSITORY": REPO,
            "GITHUB_EVENT_NAME": "pull_request",
            "GITHUB_EVENT_PATH": str(self.root / "event.json"),
            "GITHUB_SHA": "1" * 40,
            "GITHUB_API_URL": self.server.url,
            "GITHUB_SERVER_URL": self.server.web_url,
            "GITHUB_RUN_ID": "4242",
            "GITHUB_WORKFLOW": "train",
            "GITHUB_JOB": "report",
            "GITHUB_STEP_SUMMARY": str(self.root / "summary.md"),
            "GITHUB_OUTPUT": str(self.root / "output.txt"),
            "GITHUB_TOKEN": TOKEN,
            "CMLREPORT_HTTP_TIMEOUT": "5",
        }
        values.update(self.extra)
        values.update(extra)
        return clean_env(**values)


@pytest.fixture
def job(github_server: FakeGitHub, tmp_path: Path) -> Job:
    github_server.add_repo(REPO)
    github_server.add_pull(REPO, number=7, head_sha="e" * 40)
    github_server.add_token(TOKEN, permissions=ACTIONS_PERMISSIONS, user_endpoint_forbidden=True)
    return Job(tmp_path / "job", github_server)


# -- send-comment, report, check -------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_dry_run_preview_holds_no_token_however_stdout_is_captured(job: Job, mode: str) -> None:
    (job.root / "report.md").write_text("## Report\n\naccuracy 0.91\n")
    result = cli("send-comment", "report.md", "--dry-run", cwd=job.root, env=job.env(), mode=mode)
    assert result.code == 0, result.text
    assert "::add-mask::" not in result.text  # the token's own add-mask line is the leak
    assert_no_leak(result, [TOKEN], job.root)


@pytest.mark.parametrize("mode", MODES)
def test_a_report_quoting_the_token_is_posted_and_previewed_masked(job: Job, mode: str) -> None:
    (job.root / "report.md").write_text(from_corpus("report_with_token.md", TOKEN))
    preview = cli("send-comment", "report.md", "--dry-run", cwd=job.root, env=job.env(), mode=mode)
    assert preview.code == 0, preview.text
    assert "accuracy 0.91" in preview.out
    assert_no_leak(preview, [TOKEN])
    posted = cli("send-comment", "report.md", cwd=job.root, env=job.env(), mode=mode)
    assert posted.code == 0, posted.text
    (comment,) = job.server.issue_comments.values()
    assert not leaks(comment.body, [TOKEN]) and "accuracy 0.91" in comment.body
    assert_no_leak(posted, [TOKEN], job.root, inputs=[job.root / "report.md"])


def test_the_fork_fallback_folder_and_summary_hold_no_token(job: Job) -> None:
    fork = Job(job.root.parent / "fork-job", job.server, fork=True)
    (fork.root / "report.md").write_text(from_corpus("report_with_token.md", TOKEN))
    result = cli("send-comment", "report.md", cwd=fork.root, env=fork.env())
    assert result.code == 0, result.text
    kept = (fork.root / "cmlreport-comment" / "report.md").read_text()
    assert "accuracy 0.91" in kept and "accuracy 0.91" in (fork.root / "summary.md").read_text()
    assert not job.server.issue_comments
    assert_no_leak(result, [TOKEN], fork.root, inputs=[fork.root / "report.md"])


@pytest.mark.parametrize(
    "failure", ["bad-credentials", "server-error", "read-only-fork"], ids=lambda f: f
)
def test_forge_errors_with_debug_tracebacks_hold_no_token(job: Job, failure: str) -> None:
    (job.root / "report.md").write_text("## Report\n")
    env = job.env()
    if failure == "bad-credentials":
        job.server.tokens.pop(TOKEN)
    elif failure == "server-error":
        # Retry-After 0: every retry is made, none waits (the backoff would be 15 s here).
        again = {"Retry-After": "0"}
        job.server.inject("POST", r"/issues/7/comments$", 500, headers=again, times=20)
        job.server.inject("GET", r"/issues/7/comments", 500, headers=again, times=20)
    else:
        job.server.tokens.pop(TOKEN)
        job.server.add_token(TOKEN, permissions=("pull_requests:read", "contents:read"))
    result = cli("--debug", "send-comment", "report.md", cwd=job.root, env=env)
    assert result.code in (0, 3), result.text  # a fork's token falls back to the summary
    if failure != "read-only-fork":
        assert result.code == 3 and "Traceback" in result.err  # --debug did print one
    assert_no_leak(result, [TOKEN], job.root)
    assert_inert(result)


def test_check_run_and_its_outputs_hold_no_token(job: Job) -> None:
    (job.root / "report.md").write_text(from_corpus("report_with_token.md", TOKEN))
    result = cli("--debug", "check", "report.md", cwd=job.root, env=job.env())
    assert result.code == 0, result.text
    (check,) = job.server.check_runs.values()
    assert not leaks(repr(check), [TOKEN])
    assert_no_leak(result, [TOKEN], job.root, inputs=[job.root / "report.md"])


@pytest.mark.parametrize("mode", MODES)
def test_report_files_and_job_summary_hold_no_token(job: Job, mode: str) -> None:
    (job.root / "metrics.json").write_text(from_corpus("metrics_with_token.json", TOKEN))
    result = cli(
        "report",
        "metrics.json",
        "--no-base",
        "-o",
        "report.md",
        cwd=job.root,
        env=job.env(),
        mode=mode,
    )
    assert result.code == 0, result.text
    assert "accuracy" in (job.root / "report.md").read_text()
    assert (job.root / "summary.md").exists()
    assert_no_leak(result, [TOKEN], job.root, inputs=[job.root / "metrics.json"])


def test_gitlab_note_and_its_errors_hold_no_token(
    gitlab_server: FakeGitLab, tmp_path: Path
) -> None:
    gitlab_server.add_project("ml/model", id=42)
    gitlab_server.add_merge_request("ml/model", iid=3, sha="a" * 40)
    gitlab_server.add_project_bot_token(GITLAB_TOKEN, project="ml/model")
    root = tmp_path / "pipeline"
    root.mkdir()
    (root / "report.md").write_text(from_corpus("report_with_token.md", GITLAB_TOKEN))
    env = clean_env(
        GITLAB_CI="true",
        CI_SERVER_URL=gitlab_server.url,
        CI_API_V4_URL=gitlab_server.api_url,
        CI_PROJECT_ID="42",
        CI_PROJECT_PATH="ml/model",
        CI_COMMIT_SHA="a" * 40,
        CI_MERGE_REQUEST_IID="3",
        CI_PIPELINE_SOURCE="merge_request_event",
        CI_JOB_NAME="report",
        GITLAB_TOKEN=GITLAB_TOKEN,
        CMLREPORT_HTTP_TIMEOUT="5",
    )
    posted = cli("--debug", "send-comment", "report.md", cwd=root, env=env)
    assert posted.code == 0, posted.text
    (note,) = [n for n in gitlab_server.notes.values() if "accuracy 0.91" in n.body]
    assert not leaks(note.body, [GITLAB_TOKEN])
    assert_no_leak(posted, [GITLAB_TOKEN], root, inputs=[root / "report.md"])
    # Retry-After 0: every retry is made, none waits (the backoff would be 15 s here).
    gitlab_server.inject("POST", r"^/graphql$", 500, headers={"Retry-After": "0"}, times=50)
    failed = cli("--debug", "send-comment", "report.md", cwd=root, env=env)
    assert failed.code == 3, failed.text
    assert_no_leak(failed, [GITLAB_TOKEN], root, inputs=[root / "report.md"])


@pytest.mark.parametrize(
    "template",
    [
        line
        for line in (SECRETS_DIR / "remotes.txt").read_text().splitlines()
        if line and not line.startswith("#")
    ],
)
def test_credentials_in_the_git_remote_never_show(tmp_path: Path, template: str) -> None:
    # A laptop clone whose origin carries a token; the fetch of the base fails and git's
    # reason is quoted. The token is nowhere in the environment: only .git/config has it.
    repo = GitRepo.init(tmp_path / "clone")
    repo.write("metrics.json", '{"acc": 0.9}\n')
    repo.commit("init")
    url = template.replace("{token}", TOKEN).replace("{host}", "127.0.0.1:9")
    repo.git("remote", "add", "origin", url)
    result = cli(
        "--debug", "diff", "metrics.json", "--base", "origin/main", cwd=repo.path, env=clean_env()
    )
    assert result.code == 2, result.text
    assert_no_leak(result, [TOKEN], repo.path)
    dry = cli(
        "send-comment",
        "metrics.json",
        "--dry-run",
        "--forge",
        "github",
        cwd=repo.path,
        env=clean_env(GITHUB_TOKEN="ghp_" + "x" * 36),
    )
    assert_no_leak(dry, [TOKEN], repo.path)


# -- runners: JIT configs, registration tokens, GitLab runner tokens ---------------------------


@pytest.fixture
def image(moto: MotoServer) -> str:
    client = boto3.client("ec2", region_name=REGION, endpoint_url=moto.url)
    return str(client.describe_images(Owners=["amazon"])["Images"][0]["ImageId"])


def aws_env(moto: MotoServer) -> dict[str, str]:
    return {
        "AWS_ENDPOINT_URL": moto.url,
        "AWS_REGION": REGION,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "awsSecretCanary0123456789",
        "AWS_SESSION_TOKEN": "awsSessionCanary0123456789",
        "AWS_EC2_METADATA_DISABLED": "true",
    }


AWS_SECRETS = ["awsSecretCanary0123456789", "awsSessionCanary0123456789"]


@pytest.fixture
def runner_job(github_server: FakeGitHub, moto: MotoServer, tmp_path: Path) -> Job:
    github_server.add_repo(REPO)
    github_server.add_token(TOKEN, login="alice", permissions=ADMIN_PERMISSIONS)

    def recognisable(body: Any) -> Any:
        body["encoded_jit_config"] = JIT
        return body

    github_server.tamper("POST", r"generate-jitconfig", recognisable, times=10)
    return Job(tmp_path / "job", github_server, extra=aws_env(moto))


def launch_args(image: str, *more: str) -> tuple[str, ...]:
    return ("runner", "launch", "--gpu", "t4", "--image", image, "--no-wait", *more)


@pytest.mark.parametrize("mode", MODES)
def test_runner_launch_list_stop_never_print_the_jit_config(
    runner_job: Job, moto: MotoServer, image: str, mode: str
) -> None:
    env = runner_job.env()
    launched = cli(
        "--debug",
        *launch_args(image, "--name", "cmlreport-leak"),
        cwd=runner_job.root,
        env=env,
        mode=mode,
    )
    assert launched.code == 0, launched.text
    # The machine did get the JIT config: the secret travelled, to EC2 only.
    (call,) = moto.calls_to("RunInstances")
    assert JIT in gzip.decompress(base64.b64decode(call["UserData"])).decode()
    listed = cli("runner", "list", "--region", REGION, cwd=runner_job.root, env=env, mode=mode)
    assert listed.code == 0 and "cmlreport-leak" in listed.text
    stopped = cli(
        "runner", "stop", "--name", "cmlreport-leak", cwd=runner_job.root, env=env, mode=mode
    )
    assert stopped.code == 0, stopped.text
    for result in (launched, listed, stopped):
        assert "::add-mask::" not in result.text
        assert_no_leak(result, [TOKEN, JIT, *AWS_SECRETS], runner_job.root)


def test_an_ec2_error_echoing_the_user_data_is_masked(
    runner_job: Job, moto: MotoServer, image: str
) -> None:
    # As if EC2 quoted the (base64) user data back: the JIT config sits in it at some offset.
    echoed = base64.b64encode(b"ACTIONS_RUNNER_INPUT_JITCONFIG=" + JIT.encode()).decode()
    moto.fail("RunInstances", "InvalidParameterValue", message=f"Invalid UserData {echoed}")
    result = cli("--debug", *launch_args(image), cwd=runner_job.root, env=runner_job.env())
    assert result.code in (2, 3), result.text
    assert "Traceback" in result.err and "InvalidParameterValue" in result.err
    assert not runner_job.server.runners  # the registration was removed again
    assert_no_leak(result, [TOKEN, JIT, *AWS_SECRETS], runner_job.root)


def test_a_persistent_runner_registration_token_is_never_printed(
    runner_job: Job, moto: MotoServer, image: str
) -> None:
    result = cli(
        "--debug", *launch_args(image, "--no-single"), cwd=runner_job.root, env=runner_job.env()
    )
    assert result.code == 0, result.text
    (call,) = moto.calls_to("RunInstances")
    user_data = gzip.decompress(base64.b64decode(call["UserData"])).decode()
    (line,) = [x for x in user_data.splitlines() if x.startswith("ACTIONS_RUNNER_INPUT_TOKEN=")]
    registration_token = line.split("=", 1)[1]
    assert_no_leak(result, [TOKEN, registration_token], runner_job.root)


@pytest.mark.parametrize("fail", [False, True], ids=["launch", "ec2-error"])
def test_gitlab_runner_token_stays_out_of_output_and_dotenv(
    gitlab_server: FakeGitLab, moto: MotoServer, tmp_path: Path, image: str, fail: bool
) -> None:
    gitlab_server.add_project("ml/model", id=42)
    gitlab_server.add_token(GITLAB_TOKEN, username="maya", role="maintainer")
    root = tmp_path / "gl"
    root.mkdir()
    env = clean_env(
        GITLAB_CI="true",
        CI_SERVER_URL=gitlab_server.url,
        CI_API_V4_URL=gitlab_server.api_url,
        CI_PROJECT_PATH="ml/model",
        CI_JOB_ID="77",
        GITLAB_TOKEN=GITLAB_TOKEN,
        **aws_env(moto),
    )
    issued: list[str] = []
    if fail:
        moto.fail("RunInstances", "UnauthorizedOperation", status=403)
    result = cli(
        "--debug",
        "runner",
        "launch",
        "--gpu",
        "a10g",
        "--image",
        image,
        "--no-wait",
        cwd=root,
        env=env,
        mode="tty",
    )
    calls = moto.calls_to("RunInstances")
    for call in calls:
        user_data = gzip.decompress(base64.b64decode(call["UserData"])).decode()
        issued += [
            x.split("=", 1)[1] for x in user_data.splitlines() if x.startswith("CI_SERVER_TOKEN=")
        ]
    assert issued and all(t.startswith("glrt-") for t in issued)
    assert result.code == (3 if fail else 0), result.text
    assert_no_leak(result, [GITLAB_TOKEN, *issued, *AWS_SECRETS], root)


# -- the pieces: the Secret wrapper, encodings, tracebacks -----------------------------------


def test_a_secret_prints_as_stars_everywhere_but_reveal() -> None:
    secret = Secret("wrapped-canary-0123456789")

    @dataclass
    class Holder:
        value: Secret

    shown = [str(secret), repr(secret), f"{secret}", f"{secret!r}", f"{secret:>40}", str([secret])]
    shown.append(repr(Holder(secret)))
    assert all("wrapped-canary" not in s for s in shown), shown
    assert secret.reveal() == "wrapped-canary-0123456789"
    with pytest.raises(TypeError):
        pickle.dumps(secret)
    assert mask("x wrapped-canary-0123456789 y") == "x *** y"


def test_every_encoding_of_a_registered_secret_is_masked() -> None:
    secret = "encodedCanary-0123456789/+="
    register(secret)
    for prefix in ("", "a", "ab", "x-access-token:"):
        blob = base64.b64encode(f"{prefix}{secret}trailing".encode()).decode()
        assert not leaks(mask(f"header: {blob}"), [secret]), prefix
        urlsafe = base64.urlsafe_b64encode(f"{prefix}{secret}".encode()).decode()
        assert not leaks(mask(urlsafe), [secret]), prefix
    assert mask(quote(secret, safe="")) == "***"
    assert mask(json.dumps({"t": secret})) == '{"t": "***"}'
    assert all(len(form) >= 6 for form in encodings(secret))


def test_tracebacks_warnings_and_logging_are_masked_chained_exceptions_too(tmp_path: Path) -> None:
    # Everything Python itself prints goes through the guarded streams: run it for real.
    script = f"""
import logging, traceback, warnings, base64
from cmlreport.output import guarded_streams
from cmlreport.redact import register
secret = {TOKEN!r}
register(secret)
with guarded_streams():
    try:
        try:
            raise ValueError("inner " + base64.b64encode(b"u:" + secret.encode()).decode())
        except ValueError as exc:
            raise RuntimeError("outer https://x-access-token:" + secret + "@github.com") from exc
    except RuntimeError:
        traceback.print_exc()
    warnings.warn("warned " + secret)
    logging.warning("logged %s", secret)
    print("::add-mask::" + secret, end="")
"""
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, timeout=60, cwd=tmp_path
    )
    out = (proc.stdout + proc.stderr).decode()
    assert "RuntimeError" in out and "ValueError" in out and "logged ***" in out
    assert not leaks(out, [TOKEN]), out
    assert "\\::add-mask::***" in out


def test_variables_named_like_secrets_are_masked_without_garbling_words(tmp_path: Path) -> None:
    (tmp_path / "metrics.json").write_text('{"accuracy": 0.9}')
    env = clean_env(
        HF_TOKEN="hfCanarySecret-0123456789",  # guessed from its name: masked
        SOME_FEATURE_TOKEN="report",  # too short to be a credential: left alone
    )
    (tmp_path / "hf.json").write_text('{"note": "hfCanarySecret-0123456789"}')
    result = cli(
        "report", "metrics.json", "hf.json", "--no-base", "-o", "report.md", cwd=tmp_path, env=env
    )
    assert result.code == 0, result.text
    assert "wrote report.md" in result.out
    assert_no_leak(result, ["hfCanarySecret-0123456789"], tmp_path, inputs=[tmp_path / "hf.json"])


def test_credentials_boto3_obtains_itself_are_masked_once_they_sign(
    moto: MotoServer, tmp_path: Path
) -> None:
    # OIDC in the GitLab template: boto3 trades the job's ID token for STS credentials that
    # no variable holds. Once they sign a request, cmlreport masks them too.
    token_file = tmp_path / "id-token"
    token_file.write_text("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJwcm9qZWN0In0.c2lnbmF0dXJl")
    env = {
        "AWS_ROLE_ARN": "arn:aws:iam::123456789012:role/cmlreport-runner",
        "AWS_WEB_IDENTITY_TOKEN_FILE": str(token_file),
        "AWS_ENDPOINT_URL": moto.url,
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    script = f"""
import json, os, boto3
from cmlreport.redact import mask
from cmlreport.runner.ec2 import Ec2
for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
    os.environ.pop(name, None)
os.environ.update({env!r})
session = boto3.session.Session(region_name={REGION!r})
Ec2({REGION!r}, session=session).list()
frozen = session.get_credentials().get_frozen_credentials()
print(json.dumps({{"method": session.get_credentials().method,
                  "masked": [mask(frozen.secret_key), mask(frozen.token or "")]}}))
"""
    proc = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=120,
        env={**clean_env(), "HOME": str(tmp_path)},
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    answer = json.loads(proc.stdout)
    assert answer["method"] == "assume-role-with-web-identity"
    assert answer["masked"] == ["***", "***"]
