"""Attacks on what `cmlreport send-comment` publishes: files from outside the project, and files
that are not the pictures they claim to be.

Each attack writes a report into a CI job whose workspace is a git work tree, runs the real CLI
against the fake GitHub (assets branch) or the fake GitLab (project uploads), and then checks
three things: exit 2, exactly one stderr line naming the report and the image as written, and
a fake forge that holds nothing new (no git object, ref, upload, comment, and no write request).
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import Result, Run
from tests.e2e.test_send_comment import HEAD_SHA, REPO, TOKEN, Job
from tests.e2e.test_send_comment_gitlab import PROJECT, Pipeline, start
from tests.fakes.github import ACTIONS_PERMISSIONS, FakeGitHub
from tests.fakes.gitlab.server import FakeGitLab
from tests.gitrepo import GitRepo
from tests.security.hostile_images import DECODING_ATTACKS, PAGE, seed

pytest_plugins = [
    "tests.fakes.github.pytest_plugin",
    "tests.fakes.gitlab.pytest_plugin",
    "tests.security.cli_plugin",
]

GOOD = seed("seed.png")


@dataclass
class Workspace:
    """A CI job's workspace (a git work tree) and the forge it posts to."""

    forge: str
    root: Path  # the work tree; the report is written at its top
    outside: Path  # a folder next to the work tree, holding a perfectly good image
    env: dict[str, str]
    holds: Callable[[], dict[str, Any]]  # everything on the fake that cmlreport could write

    def send(self, run: Run, report: str, *args: str) -> Result:
        (self.root / "report.md").write_text(report, encoding="utf-8")
        return run("send-comment", "report.md", *args, cwd=self.root, env=self.env)

    def put(self, relpath: str, data: bytes = GOOD) -> Path:
        path = self.root / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return path


def github_holds(server: FakeGitHub) -> Callable[[], dict[str, Any]]:
    def holds() -> dict[str, Any]:
        repo = server.repos[REPO]
        return {
            "objects": set(repo.objects.objects),
            "refs": dict(repo.refs),
            "comments": len(server.issue_comments) + len(server.commit_comments),
            "writes": [r.path for r in server.requests if r.method != "GET"],
        }

    return holds


def gitlab_holds(server: FakeGitLab) -> Callable[[], dict[str, Any]]:
    def holds() -> dict[str, Any]:
        return {
            "uploads": len(server.uploads),
            "notes": [n.body for n in server.user_notes(PROJECT, 3)],
            "writes": [r.path for r in server.requests if r.method != "GET"],
        }

    return holds


@pytest.fixture(params=["github", "gitlab"])
def ws(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Workspace]:
    root = GitRepo.init(tmp_path / "work" / "project").path
    outside = tmp_path / "work" / "outside"
    outside.mkdir()
    (outside / "secret.png").write_bytes(GOOD)
    if request.param == "github":
        server: FakeGitHub = request.getfixturevalue("github_server")
        server.add_repo(REPO)
        server.add_pull(REPO, number=7, head_sha=HEAD_SHA)
        server.add_token(TOKEN, permissions=ACTIONS_PERMISSIONS, user_endpoint_forbidden=True)
        job = Job(root / ".job", server)
        yield Workspace("github", root, outside, job.env(), github_holds(server))
    else:
        lab: FakeGitLab = request.getfixturevalue("gitlab_server")
        pipeline: Pipeline = start(lab, root)
        yield Workspace("gitlab", root, outside, pipeline.env(), gitlab_holds(lab))


def refused(ws: Workspace, result: Result, ref: str, before: dict[str, Any], says: str) -> None:
    assert result.code == 2, result.stdout + result.stderr
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"cmlreport: error: report.md: image {ref!r} "), lines[0]
    assert says in lines[0], lines[0]
    assert "Traceback" not in result.stderr
    after = ws.holds()
    assert after == before and not after["writes"], after


# -- images from outside the project ---------------------------------------------------------


def outside_refs(ws: Workspace) -> dict[str, str]:
    """Report text -> the image ref it names; each one resolves to outside/secret.png."""
    secret = ws.outside / "secret.png"
    (ws.root / "plots").mkdir(exist_ok=True)
    (ws.root / "plots" / "link.png").symlink_to(secret)
    (ws.root / "linked-folder").symlink_to(ws.outside, target_is_directory=True)
    return {
        "![x](../outside/secret.png)": "../outside/secret.png",
        f"![x]({secret})": str(secret),
        "![x](..%2Foutside%2Fsecret.png)": "..%2Foutside%2Fsecret.png",
        "![x](plots/%2E%2E/%2E%2E/outside/secret.png)": "plots/%2E%2E/%2E%2E/outside/secret.png",
        "![x](plots/link.png)": "plots/link.png",
        "![x](linked-folder/secret.png)": "linked-folder/secret.png",
        '<img src="../outside/secret.png" alt="x">': "../outside/secret.png",
        "<img alt=x src=&#46;&#46;/outside/secret.png>": "&#46;&#46;/outside/secret.png",
        "![x](<../outside/secret.png> 'title')": "../outside/secret.png",
    }


def test_no_path_out_of_the_work_tree_is_published(run: Run, ws: Workspace) -> None:
    for text, ref in outside_refs(ws).items():
        before = ws.holds()
        result = ws.send(run, f"## Report\n\nintro\n\n{text}\n")
        refused(ws, result, ref, before, "is outside ")
        assert str(ws.root) in result.stderr  # names the root it must stay in


def test_nothing_in_the_git_folder_is_published(run: Run, ws: Workspace) -> None:
    ws.put(".git/hooks/logo.png")
    ws.put("plots/loss.png")
    (ws.root / "plots" / "config.png").symlink_to(ws.root / ".git" / "config")
    for ref in (".git/hooks/logo.png", "plots/config.png", "plots/../.git/config"):
        before = ws.holds()
        result = ws.send(run, f"![x]({ref})\n")
        refused(ws, result, ref, before, "is inside a .git folder")


def test_a_file_url_is_refused_not_skipped_as_remote(run: Run, ws: Workspace) -> None:
    ref = f"file://{ws.outside / 'secret.png'}"
    before = ws.holds()
    result = ws.send(run, f"## Report\n\n![x]({ref})\n")
    refused(ws, result, ref, before, "is a file: URL, which is never published")


def test_system_files_are_refused_without_being_read(run: Run, ws: Workspace) -> None:
    for ref in ("/etc/passwd", "../../../../../../../../etc/passwd", "/dev/zero"):
        before = ws.holds()
        started = time.monotonic()
        result = ws.send(run, f"![x]({ref})\n")
        refused(ws, result, ref, before, "is outside ")
        assert time.monotonic() - started < 30


def test_a_fifo_or_socket_in_the_work_tree_is_refused_without_blocking(
    run: Run, ws: Workspace
) -> None:
    os.mkfifo(ws.root / "plots.png")
    sock = socket.socket(socket.AF_UNIX)
    try:
        sock.bind(str(ws.root / "socket.png"))
        for ref in ("plots.png", "socket.png"):
            before = ws.holds()
            started = time.monotonic()
            result = ws.send(run, f"![x]({ref})\n")
            refused(ws, result, ref, before, "is not a regular file")
            assert time.monotonic() - started < 30  # no open() that waits for a writer
    finally:
        sock.close()


def test_a_nul_byte_in_a_path_is_one_line_not_a_crash(run: Run, ws: Workspace) -> None:
    before = ws.holds()
    result = ws.send(run, "![x](plots/a%00.png)\n")
    refused(ws, result, "plots/a%00.png", before, "holds a NUL byte")


def test_one_bad_image_among_good_ones_publishes_nothing(run: Run, ws: Workspace) -> None:
    ws.put("plots/loss.png")
    before = ws.holds()
    result = ws.send(run, "![loss](plots/loss.png)\n\n![x](../outside/secret.png)\n")
    refused(ws, result, "../outside/secret.png", before, "is outside ")


def test_a_good_image_inside_the_work_tree_is_still_published(run: Run, ws: Workspace) -> None:
    ws.put("plots/loss.png")
    (ws.root / "plots" / "same.png").symlink_to("loss.png")  # a link that stays inside is fine
    result = ws.send(run, "![loss](plots/loss.png) ![same](plots/same.png)\n")
    assert result.code == 0, result.stderr
    held = ws.holds()
    assert held["writes"]
    assert held.get("uploads", 1) == 1  # GitLab: one upload for the two refs (same bytes)


# -- files that are not the pictures they claim to be ----------------------------------------


@pytest.mark.parametrize("name", sorted(DECODING_ATTACKS))
def test_a_polyglot_or_broken_image_is_refused(run: Run, ws: Workspace, name: str) -> None:
    data, says = DECODING_ATTACKS[name]
    ws.put(f"plots/{name}", data)
    before = ws.holds()
    result = ws.send(run, f"## Report\n\n![chart](plots/{name})\n")
    refused(ws, result, f"plots/{name}", before, says)


def test_a_data_uri_gets_the_same_decoding_check(run: Run, ws: Workspace) -> None:
    import base64

    cases = {
        "data:image/png;base64," + base64.b64encode(GOOD + PAGE).decode(): "bytes after the end",
        "data:image/svg+xml,%3Csvg%20onload%3Dalert(1)%3E": "is SVG",
        "data:text/html;base64," + base64.b64encode(PAGE).decode(): "is not an image",
        "data:image/png;base64," + base64.b64encode(seed("seed.jpg")).decode(): "is a JPEG",
    }
    for uri, says in cases.items():
        before = ws.holds()
        result = ws.send(run, f"![x]({uri})\n")
        assert result.code == 2 and len(result.stderr.splitlines()) == 1, result.stderr
        assert result.stderr.startswith(f"cmlreport: error: report.md: data: URI '{uri[:40]}")
        assert says in result.stderr, result.stderr
        assert ws.holds() == before and not before["writes"]


def test_mermaid_sidecars_obey_the_same_root(run: Run, ws: Workspace) -> None:
    (ws.outside / "secret.mmd").write_text("xychart-beta\n  title SECRET\n")
    (ws.root / "plots").mkdir()
    (ws.root / "plots" / "loss.mmd").symlink_to(ws.outside / "secret.mmd")
    before = ws.holds()
    result = ws.send(run, "![loss](plots/loss.png)\n", "--images", "mermaid")
    assert result.code == 2 and len(result.stderr.splitlines()) == 1, result.stderr
    assert "mermaid sidecar plots/loss.mmd is outside " in result.stderr
    assert ws.holds() == before and "SECRET" not in result.stdout + result.stderr


# -- --image-root narrows ----------------------------------------------------------------------


def test_image_root_narrows_to_a_folder_of_the_work_tree(run: Run, ws: Workspace) -> None:
    ws.put("results/plots/loss.png")
    ws.put("other/cm.png")
    before = ws.holds()
    result = ws.send(run, "![cm](other/cm.png)\n", "--image-root", "results")
    refused(ws, result, "other/cm.png", before, f"is outside {ws.root / 'results'}")
    posted = ws.send(run, "![loss](results/plots/loss.png)\n", "--image-root", "results")
    assert posted.code == 0, posted.stderr


def test_image_root_cannot_widen_past_the_work_tree(run: Run, ws: Workspace) -> None:
    before = ws.holds()
    result = ws.send(run, "![x](../outside/secret.png)\n", "--image-root", "..")
    assert result.code == 2 and len(result.stderr.splitlines()) == 1, result.stderr
    assert "--image-root .. is outside" in result.stderr and "can only narrow" in result.stderr
    assert ws.holds() == before
    missing = ws.send(run, "text\n", "--image-root", "nope")
    assert missing.code == 2 and "--image-root nope: no such folder" in missing.stderr


def test_outside_git_the_root_is_the_reports_folder(run: Run, ws: Workspace) -> None:
    (ws.root / ".git").rename(ws.root / "not-git")
    reports = ws.root / "reports"
    ws.put("plots/loss.png")
    reports.mkdir()
    (reports / "report.md").write_text("![loss](../plots/loss.png)\n")
    before = ws.holds()
    result = run("send-comment", "reports/report.md", cwd=ws.root, env=ws.env)
    assert result.code == 2 and len(result.stderr.splitlines()) == 1, result.stderr
    assert f"reports/report.md: image '../plots/loss.png' is outside {reports}" in result.stderr
    assert ws.holds() == before
