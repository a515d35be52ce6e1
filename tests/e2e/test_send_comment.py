"""`cmlreport send-comment` and `cmlreport check` in a GitHub Actions job, against the fake GitHub.

Each test is a user story: a workflow step runs the CLI with the variables Actions sets and a
real `pull_request` event payload; afterwards the test reads what the fake GitHub holds.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import pytest

from cmlreport.forges.sticky import with_marker
from tests.e2e.conftest import Result, Run, clean_env
from tests.fakes.github import ACTIONS_BOT, ACTIONS_PERMISSIONS, READ_ONLY_PERMISSIONS, FakeGitHub

pytest_plugins = ["tests.fakes.github.pytest_plugin"]

DATA = Path(__file__).resolve().parent.parent / "data" / "github"
REPO = "octo/model"
TOKEN = "ghs_fakeActionsToken1234567890"
HEAD_SHA = "ec26c3e57ca3a959ca5aad62de7213c562f8c821"


def _png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (4, 3), (200, 30, 30)).save(out, "PNG")  # published images must decode
    return out.getvalue()


PNG = _png()


def event_payload(fork: bool = False) -> dict[str, Any]:
    """A real `pull_request` payload (@octokit/webhooks-examples), retargeted at octo/model#7."""
    name = "pull_request.opened.fork.json" if fork else "pull_request.opened.json"
    payload: dict[str, Any] = json.loads((DATA / name).read_text())
    original = payload["repository"]["full_name"]
    payload["number"] = 7
    payload["pull_request"]["number"] = 7
    payload["repository"]["full_name"] = REPO
    payload["pull_request"]["base"]["repo"]["full_name"] = REPO
    payload["pull_request"]["head"]["sha"] = HEAD_SHA
    if payload["pull_request"]["head"]["repo"]["full_name"] == original:
        payload["pull_request"]["head"]["repo"]["full_name"] = REPO
    return payload


class Job:
    """One Actions job: its workspace, event file, summary and output files."""

    def __init__(self, root: Path, server: FakeGitHub, fork: bool = False) -> None:
        self.root = root
        self.root.mkdir(parents=True, exist_ok=True)
        self.event = root / "event.json"
        self.event.write_text(json.dumps(event_payload(fork)))
        self.summary = root / "summary.md"
        self.output = root / "output.txt"
        self.server = server

    def env(self, **extra: str) -> dict[str, str]:
        values = {
            "GITHUB_ACTIONS": "true",
            "GITHUB_REPOSITORY": REPO,
            "GITHUB_EVENT_NAME": "pull_request",
            "GITHUB_EVENT_PATH": str(self.event),
            "GITHUB_SHA": "1" * 40,
            "GITHUB_API_URL": self.server.url,
            "GITHUB_SERVER_URL": self.server.web_url,
            "GITHUB_RUN_ID": "99",
            "GITHUB_WORKFLOW": "train",
            "GITHUB_JOB": "report",
            "GITHUB_STEP_SUMMARY": str(self.summary),
            "GITHUB_OUTPUT": str(self.output),
            "GITHUB_TOKEN": TOKEN,
        }
        values.update(extra)
        return clean_env(**values)


@pytest.fixture
def job(github_server: FakeGitHub, tmp_path: Path) -> Job:
    github_server.add_repo(REPO)
    github_server.add_pull(REPO, number=7, head_sha=HEAD_SHA)
    github_server.add_token(TOKEN, permissions=ACTIONS_PERMISSIONS, user_endpoint_forbidden=True)
    return Job(tmp_path / "job", github_server)


def comments_on_7(server: FakeGitHub) -> list[Any]:
    return [c for c in server.issue_comments.values() if c.issue_number == 7]


def send(run: Run, job: Job, report: str, *args: str, **env: str) -> Result:
    (job.root / "report.md").write_text(report)
    result = run("send-comment", "report.md", *args, cwd=job.root, env=job.env(**env))
    # Not even as `::add-mask::TOKEN`: that line is the token in clear wherever stdout is kept.
    assert TOKEN not in result.stdout + result.stderr
    return result


def test_first_run_posts_and_the_next_updates_in_place(run: Run, job: Job) -> None:
    first = send(run, job, "## Report\n\naccuracy 0.91\n")
    assert first.code == 0, first.stderr
    (comment,) = comments_on_7(job.server)
    assert comment.body.startswith("<!-- cmlreport:train/report -->\n")
    assert "accuracy 0.91" in comment.body and comment.author == "github-actions[bot]"
    assert f"comment-url={job.server.web_url}" in job.output.read_text()
    second = send(run, job, "## Report\n\naccuracy 0.93\n")
    assert second.code == 0, second.stderr
    (updated,) = comments_on_7(job.server)
    assert updated.id == comment.id and "accuracy 0.93" in updated.body
    assert "updated:" in second.stdout


def test_unchanged_report_makes_no_write(run: Run, job: Job) -> None:
    send(run, job, "## Report\n")
    job.server.reset_log()
    again = send(run, job, "## Report\n")
    assert again.code == 0 and "unchanged" in again.stdout
    writes = [r for r in job.server.requests if r.method in ("POST", "PATCH", "DELETE")]
    assert [r.path for r in writes] == ["/graphql"]  # the viewer query, a read


def test_two_keys_make_two_comments(run: Run, job: Job) -> None:
    send(run, job, "train report", "--key", "train")
    send(run, job, "eval report", "--key", "eval")
    send(run, job, "train report v2", "--key", "train")
    bodies = sorted(c.body for c in comments_on_7(job.server))
    assert len(bodies) == 2
    assert bodies[0].startswith("<!-- cmlreport:eval -->") and "train report v2" in bodies[1]


def test_update_on_a_pull_request_with_5000_comments_takes_two_requests(run: Run, job: Job) -> None:
    # The bot posted when the pull request opened; 4,999 comments came after.
    job.server.add_issue_comments(REPO, 7, [with_marker("v1", "train/report")], author=ACTIONS_BOT)
    job.server.add_issue_comments(REPO, 7, [f"lgtm {i}" for i in range(4_999)])
    job.server.reset_log()
    result = send(run, job, "v2")
    assert result.code == 0, result.stderr
    # One GraphQL query (both ends of the thread, and who the token is), then the PATCH.
    assert [r.method for r in job.server.requests] == ["POST", "PATCH"], job.server.requests
    assert len(comments_on_7(job.server)) == 5_000
    job.server.reset_log()
    assert "unchanged" in send(run, job, "v2").stdout
    assert [r.method for r in job.server.requests] == ["POST"]


def test_a_report_buried_in_a_busy_pull_request_is_kept_and_found_in_three_requests(
    run: Run, job: Job
) -> None:
    # The bot comments after 300 others; 300 more and a push follow before the next run.
    job.server.add_issue_comments(REPO, 7, [f"review {i}" for i in range(300)])
    assert send(run, job, "v1").code == 0
    (status,) = job.server.statuses
    assert status.sha == HEAD_SHA and status.context == "cmlreport comment #7: train/report"
    job.server.add_issue_comments(REPO, 7, [f"lgtm {i}" for i in range(300)])
    job.server.push(REPO, 7)
    job.server.reset_log()

    result = send(run, job, "v2")

    assert result.code == 0, result.stderr
    # The first query finds the status, the second reads the comment by node id.
    assert [r.method for r in job.server.requests] == ["POST", "POST", "PATCH"]
    assert "updated:" in result.stdout


def test_without_statuses_write_a_busy_report_is_posted_with_a_warning(run: Run, job: Job) -> None:
    job.server.add_token(
        TOKEN, permissions=ACTIONS_PERMISSIONS - {"statuses:write"}, user_endpoint_forbidden=True
    )
    job.server.add_issue_comments(REPO, 7, [f"review {i}" for i in range(300)])

    result = send(run, job, "v1")

    assert result.code == 0, result.stderr
    assert "posted:" in result.stdout
    (warning,) = [line for line in result.stderr.splitlines() if "warning" in line]
    assert "statuses: write" in warning and "could not record where the comment is" in warning
    assert not job.server.statuses


def test_no_place_status_writes_no_status(run: Run, job: Job) -> None:
    job.server.add_issue_comments(REPO, 7, [f"review {i}" for i in range(300)])

    result = send(run, job, "v1", "--no-place-status")

    assert result.code == 0, result.stderr
    assert "posted:" in result.stdout and "warning" not in result.stderr
    assert not job.server.statuses


def test_mode_new_with_hide_old_folds_the_previous_report(run: Run, job: Job) -> None:
    first = send(run, job, "epoch 1", "--mode", "new", "--hide-old")
    second = send(run, job, "epoch 2", "--mode", "new", "--hide-old")
    assert first.code == second.code == 0, second.stderr
    assert "hid 1 earlier comment(s) of ours as outdated" in second.stdout
    old, new = sorted(comments_on_7(job.server), key=lambda c: c.id)
    assert (old.minimized_reason, new.minimized_reason) == ("outdated", None)
    assert new.body.endswith("epoch 2")


def test_mode_recreate_then_delete(run: Run, job: Job) -> None:
    send(run, job, "v1")
    job.server.add_issue_comments(REPO, 7, ["a question from review"])
    moved = send(run, job, "v2", "--mode", "recreate")
    assert moved.code == 0 and "posted anew:" in moved.stdout
    assert [c.body.splitlines()[-1] for c in comments_on_7(job.server)] == [
        "a question from review",
        "v2",
    ]
    result = run("send-comment", "--delete", cwd=job.root, env=job.env())
    assert result.code == 0, result.stderr
    assert "deleted 1 comment(s) of ours with key 'train/report'" in result.stdout
    assert [c.body for c in comments_on_7(job.server)] == ["a question from review"]


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("report.md", "--delete"), "--delete removes our comment: name no REPORT file"),
        (("--delete", "--mode", "new"), "--delete goes alone"),
        ((), "name the REPORT file"),
        (("report.md", "--hide-old"), "--hide-old goes with --mode new or recreate"),
        (("report.md", "--mode", "once", "--hide-old"), "--mode once keeps one comment"),
        (("report.md", "--no-sticky", "--mode", "recreate"), "--no-sticky is --mode new"),
    ],
    ids=[
        "delete-with-report",
        "delete-with-mode",
        "no-report",
        "hide-old-alone",
        "once-hide",
        "no-sticky-recreate",
    ],
)
def test_clashing_flags_are_one_line_and_exit_2_before_any_request(
    run: Run, job: Job, args: tuple[str, ...], says: str
) -> None:
    (job.root / "report.md").write_text("## Report\n")
    job.server.reset_log()
    result = run("send-comment", *args, cwd=job.root, env=job.env())
    assert result.code == 2
    assert len(result.stderr.splitlines()) == 1 and says in result.stderr, result.stderr
    assert job.server.requests == []


def test_hide_old_on_a_commit_is_refused_before_any_write(run: Run, job: Job) -> None:
    result = send(run, job, "v1", "--target", f"commit/{HEAD_SHA}", "--mode", "new", "--hide-old")
    assert result.code == 2 and "comments on a commit cannot be hidden" in result.stderr
    assert not [r for r in job.server.requests if r.method in ("POST", "PATCH", "DELETE")]


def test_502_then_success_posts_one_comment(run: Run, job: Job) -> None:
    job.server.inject("GET", r"/issues/7/comments$", 502, times=1)
    result = send(run, job, "body")
    assert result.code == 0, result.stderr
    assert len(comments_on_7(job.server)) == 1


def test_timeout_after_the_post_landed_never_duplicates(run: Run, job: Job) -> None:
    job.server.inject_delay_after("POST", r"/issues/7/comments$", 40)
    result = send(run, job, "body", CMLREPORT_HTTP_TIMEOUT="2")
    assert result.code == 0, result.stderr
    assert len(comments_on_7(job.server)) == 1


def test_429_with_retry_after_is_honoured(run: Run, job: Job) -> None:
    job.server.inject("GET", r"/issues/7/comments$", 429, headers={"Retry-After": "1"})
    result = send(run, job, "body")
    assert result.code == 0, result.stderr
    assert len(comments_on_7(job.server)) == 1


def test_fork_pull_request_writes_summary_and_artifact(
    run: Run, github_server: FakeGitHub, tmp_path: Path
) -> None:
    github_server.add_repo(REPO)
    github_server.add_token(TOKEN, permissions=READ_ONLY_PERMISSIONS, user_endpoint_forbidden=True)
    job = Job(tmp_path / "fork", github_server, fork=True)
    result = send(run, job, "## Report from a fork\n")
    assert result.code == 0, result.stderr
    assert "fork" in result.stdout and "--target pr/7" in result.stdout
    assert "Report from a fork" in job.summary.read_text()
    assert "Report from a fork" in (job.root / "cmlreport-comment" / "report.md").read_text()
    target = json.loads((job.root / "cmlreport-comment" / "target.json").read_text())
    assert target == {"repository": REPO, "pr": 7, "key": "train/report"}
    assert not github_server.issue_comments


def test_missing_token_is_one_line_exit_2(run: Run, job: Job) -> None:
    result = send(run, job, "body", GITHUB_TOKEN="")
    assert result.code == 2
    assert result.stderr.count("\n") == 1 and "GITHUB_TOKEN" in result.stderr


def test_images_are_published_once_and_reused(run: Run, job: Job) -> None:
    (job.root / "plots").mkdir()
    (job.root / "plots" / "loss.png").write_bytes(PNG)
    report = "## Report\n\n![loss](plots/loss.png)\n"
    assert send(run, job, report).code == 0
    (comment,) = comments_on_7(job.server)
    links = re.findall(r"\]\(([^)]+)\)", comment.body)
    assert len(links) == 1 and "/blob/" in links[0] and links[0].endswith("?raw=true")
    job.server.reset_log()
    assert send(run, job, report + "\nmore text\n").code == 0
    assert not job.server.calls("POST", r"/git/(blobs|trees|commits|refs)")
    (again,) = comments_on_7(job.server)
    assert re.findall(r"\]\(([^)]+)\)", again.body) == links


def test_a_missing_image_fails_before_anything_is_posted(run: Run, job: Job) -> None:
    result = send(run, job, "![loss](plots/nope.png)\n")
    assert result.code == 2 and "plots/nope.png" in result.stderr
    assert not job.server.requests


def test_a_70000_character_report_is_cut_with_a_notice(run: Run, job: Job) -> None:
    sections = "".join(f"### Section {i}\n\n{'x' * 990}\n\n" for i in range(70))
    result = send(run, job, "## Report\n\n" + sections)
    assert result.code == 0, result.stderr
    (comment,) = comments_on_7(job.server)
    assert len(comment.body) <= 65_536
    assert "✂️ Cut to fit" in comment.body and "job summary" in comment.body


def test_dry_run_writes_nothing(run: Run, job: Job) -> None:
    result = send(run, job, "## Report\n", "--dry-run", GITHUB_TOKEN="")
    assert result.code == 0 and "## Report" in result.stdout and "dry run" in result.stdout
    assert not job.server.requests


def test_check_run_follows_the_gates(run: Run, job: Job) -> None:
    report = "<!-- cmlreport-gates: passed=2 failed=1 -->\n## Report\n"
    (job.root / "report.md").write_text(report)
    result = run("check", "report.md", cwd=job.root, env=job.env())
    assert result.code == 0, result.stderr
    (check,) = job.server.check_runs.values()
    assert check.conclusion == "failure" and check.head_sha == HEAD_SHA
    assert "1 of 3 gates failed" in result.stdout or "failure" in result.stdout


def test_mermaid_mode_swaps_pictures_for_their_sidecars(run: Run, job: Job) -> None:
    (job.root / "plots").mkdir()
    (job.root / "plots" / "headline.png").write_bytes(PNG)
    chart = '```mermaid\nxychart-beta\n    title "change"\n    bar [1, -2]\n```\n'
    (job.root / "plots" / "headline.mmd").write_text(chart)
    (job.root / "plots" / "other.png").write_bytes(PNG)
    report = "## Report\n\n![headline](plots/headline.png)\n\n![other](plots/other.png)\n"
    result = send(run, job, report, "--images", "mermaid")
    assert result.code == 0, result.stderr
    (comment,) = comments_on_7(job.server)
    assert "```mermaid\nxychart-beta" in comment.body and "plots/headline.png" not in comment.body
    assert "](plots/other.png)" in comment.body and "no mermaid sidecar" in result.stderr
    assert not job.server.calls("POST", r"/git/")


def laptop_send(run: Run, server: FakeGitHub, root: Path, origin: str, *args: str) -> Result:
    """`send-comment` from a laptop clone on branch `retrain`, its token in GITHUB_TOKEN."""
    from tests.gitrepo import GitRepo

    repo = GitRepo.init(root)
    repo.git("remote", "add", "origin", origin)
    repo.write("report.md", "## Laptop report\n")
    repo.commit("report")
    repo.git("checkout", "-q", "-b", "retrain")
    env = clean_env(GITHUB_TOKEN=TOKEN, GITHUB_API_URL=server.url)
    return run("send-comment", "report.md", *args, cwd=repo.path, env=env)


def test_laptop_finds_the_pull_request_of_the_current_branch(
    run: Run, github_server: FakeGitHub, tmp_path: Path
) -> None:
    github_server.add_repo(REPO)
    github_server.add_pull(REPO, number=12, head_ref="retrain")
    github_server.add_token(TOKEN, login="alice", permissions=ACTIONS_PERMISSIONS)
    result = laptop_send(run, github_server, tmp_path / "clone", "git@github.com:octo/model.git")
    assert result.code == 0, result.stderr
    (comment,) = github_server.issue_comments.values()
    assert comment.issue_number == 12 and comment.author == "alice"
    assert comment.body.startswith("<!-- cmlreport:report -->")
    assert "::add-mask::" not in result.stdout


def test_laptop_in_a_clone_of_a_fork_finds_the_upstream_pull_request(
    run: Run, github_server: FakeGitHub, tmp_path: Path
) -> None:
    github_server.add_repo(REPO)
    github_server.add_repo("alice/model")
    github_server.add_pull(REPO, number=3, head_ref="retrain")  # same branch name, upstream's
    github_server.add_pull(REPO, number=12, head_ref="retrain", head_repo="alice/model")
    github_server.add_token(TOKEN, login="alice", permissions=ACTIONS_PERMISSIONS)
    fork = "https://github.com/alice/model.git"
    result = laptop_send(run, github_server, tmp_path / "clone", fork, "--repo", REPO)
    assert result.code == 0, result.stderr
    (comment,) = github_server.issue_comments.values()
    assert comment.issue_number == 12


def test_a_token_that_cannot_write_falls_back_and_names_the_permission(
    run: Run, github_server: FakeGitHub, tmp_path: Path
) -> None:
    github_server.add_repo(REPO)
    github_server.add_pull(REPO, number=7, head_sha=HEAD_SHA)
    github_server.add_token(TOKEN, permissions=READ_ONLY_PERMISSIONS, user_endpoint_forbidden=True)
    job = Job(tmp_path / "ro", github_server)
    result = send(run, job, "## Report\n")
    assert result.code == 0, result.stderr
    assert "pull-requests: write" in result.stdout and "cmlreport-comment/" in result.stdout
    assert (job.root / "cmlreport-comment" / "report.md").exists()
    assert not github_server.issue_comments
