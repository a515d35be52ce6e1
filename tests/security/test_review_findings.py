"""Attacks found by a hostile review of the first security round, kept as regressions.

Each runs the real CLI against the fake GitHub (or a pure function where the attack is a race
that a test cannot schedule): a mermaid sidecar breaking out of its fence with a token, header
values that crash a number parser, integers written in hexadecimal, octal or binary, marker
remnants, and a folder swapped for a symlink between the check and the open.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import cmarkgfm
import pytest

from cmlreport.errors import InputError
from cmlreport.forges.sticky import with_marker
from cmlreport.publishable.confine import open_beneath, read_confined
from tests.e2e.conftest import Run
from tests.fakes.github import FakeGitHub
from tests.security.test_concurrent_posting import (
    GITHUB_TOKEN,
    MARKER,
    github_env,
    job_folders,
)
from tests.security.test_concurrent_posting import github as github  # the fixture

pytest_plugins = ["tests.fakes.github.pytest_plugin"]


def test_a_mermaid_sidecar_cannot_close_its_fence_nor_post_a_token(
    run: Run, github: FakeGitHub, tmp_path: Path
) -> None:
    (root,) = job_folders(tmp_path, ["## Report\n\n![loss](plots/loss.png)\n"])
    (root / "plots").mkdir()
    (root / "plots" / "loss.mmd").write_text(
        "```mermaid\nxychart-beta\n```\n"
        f"leaked: {GITHUB_TOKEN}\n"
        "cc @octo/everyone #1 <img src=https://evil.example/x.png>\n"
        "```mermaid\nxychart-beta\n```\n",
        encoding="utf-8",
    )
    result = run(
        "send-comment", "report.md", "--images", "mermaid", cwd=root, env=github_env(root, github)
    )
    assert result.code == 0, result.stderr
    (body,) = [c.body for c in github.issue_comments.values() if c.body.startswith(MARKER)]
    assert GITHUB_TOKEN not in body
    html = cmarkgfm.github_flavored_markdown_to_html(body)
    # Everything the sidecar held stays inside one code block: no image, no link, no mention.
    assert "<img" not in html
    assert html.count("<pre") == 1
    outside = html.split("<pre", 1)[0] + html.split("</pre>", 1)[1]
    assert "octo" not in outside


def test_a_sidecar_whose_fence_does_not_close_at_its_end_is_refused(
    run: Run, github: FakeGitHub, tmp_path: Path
) -> None:
    (root,) = job_folders(tmp_path, ["## Report\n\n![loss](plots/loss.png)\n"])
    (root / "plots").mkdir()
    (root / "plots" / "loss.mmd").write_text("```mermaid\npie\n```\n@team look\n")
    result = run(
        "send-comment", "report.md", "--images", "mermaid", cwd=root, env=github_env(root, github)
    )
    assert result.code == 2
    assert result.stderr.splitlines() == [result.stderr.strip()]
    assert "loss.mmd" in result.stderr
    assert not [c for c in github.issue_comments.values() if c.body.startswith(MARKER)]


@pytest.mark.parametrize(
    "retry_after", ["9" * 5000, "99999999999999999999", "²", "-5", "abc", "1e3"]
)
def test_a_hostile_retry_after_on_a_post_never_crashes(
    run: Run, github: FakeGitHub, tmp_path: Path, retry_after: str
) -> None:
    (root,) = job_folders(tmp_path, ["## Report\n"])
    github.inject(
        "POST",
        r"/issues/7/comments$",
        429,
        headers={"Retry-After": retry_after},
        body={"message": "API rate limit exceeded"},
        times=1,
    )
    started = time.monotonic()
    result = run("send-comment", "report.md", cwd=root, env=github_env(root, github))
    assert result.code in (0, 3), result.stderr
    assert "internal error" not in result.stderr
    assert len(result.stderr.strip().splitlines()) <= 1
    assert time.monotonic() - started < 60


@pytest.mark.parametrize("reset", ["9" * 30, "9" * 5000])
def test_a_rate_limit_reset_far_in_the_future_fails_in_one_line(
    run: Run, github: FakeGitHub, tmp_path: Path, reset: str
) -> None:
    (root,) = job_folders(tmp_path, ["## Report\n"])
    github.inject(
        "POST",
        r"/issues/7/comments$",
        403,
        headers={"x-ratelimit-remaining": "0", "x-ratelimit-reset": reset},
        body={"message": "API rate limit exceeded for installation"},
        times=5,
    )
    result = run("send-comment", "report.md", cwd=root, env=github_env(root, github))
    assert result.code == 3, result.stderr
    (line,) = result.stderr.splitlines()
    assert "rate limit" in line and "internal error" not in line


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("hex.toml", "a = 0x" + "f" * 4000 + "\n"),
        ("bin.toml", "a = 0b" + "1" * 20000 + "\n"),
        ("hex.yaml", "a: 0x" + "f" * 4000 + "\n"),
        ("oct.yaml", "a: 0o" + "7" * 5000 + "\n"),
    ],
)
def test_integers_too_long_in_any_base_are_one_line(
    run: Run, tmp_path: Path, name: str, text: str
) -> None:
    (tmp_path / name).write_text(text, encoding="utf-8")
    result = run("diff", "-m", name, "--no-base", cwd=tmp_path)
    assert result.code == 2, result.stderr
    (line,) = result.stderr.splitlines()
    assert name in line and "digits" in line


def test_a_settings_number_too_long_in_hexadecimal_is_one_line(run: Run, tmp_path: Path) -> None:
    (tmp_path / "m.json").write_text('{"acc": 0.9}\n', encoding="utf-8")
    (tmp_path / ".cmlreport.yaml").write_text("precision: 0x" + "f" * 4000 + "\n")
    result = run("diff", "-m", "m.json", "--no-base", cwd=tmp_path)
    assert result.code == 2, result.stderr
    (line,) = result.stderr.splitlines()
    assert ".cmlreport.yaml" in line and "precision" in line


@pytest.mark.parametrize(
    "remnant",
    [
        "<!-- cmlreport:x --!> hi",
        "<!-- cmlreport:x > -->",
        "a <!-- CMLREPORT:k --> b",
        "<!--cmlreport-post:abc",
        "<!-- cmlrep<!-- cmlreport:x -->ort:k -->",
    ],
)
def test_no_marker_prefix_survives_in_a_posted_body(remnant: str) -> None:
    body = with_marker(f"## Report\n\n{remnant}\n", "k")
    first, rest = body.split("\n", 1)
    assert first == "<!-- cmlreport:k -->"
    assert "<!-- cmlreport" not in rest.lower().replace("<!--cmlreport", "<!-- cmlreport")


def test_a_folder_swapped_for_a_symlink_after_the_check_is_not_followed(tmp_path: Path) -> None:
    """The race (a process of the job swapping ``plots/`` for a link out between the realpath
    check and the open) cannot be scheduled from a test; its end state can: the path the check
    approved now leads out through a link, and the open, one folder at a time, refuses it."""
    root = tmp_path / "repo"
    (root / "plots").mkdir(parents=True)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "img.png").write_bytes(b"\x89PNG secret")
    (root / "plots" / "img.png").write_bytes(b"\x89PNG fine")
    fd = open_beneath(root, ("plots", "img.png"))
    with os.fdopen(fd, "rb") as f:
        assert f.read() == b"\x89PNG fine"
    (root / "plots" / "img.png").unlink()
    (root / "plots").rmdir()
    (root / "plots").symlink_to(outside)  # the swap
    with pytest.raises(OSError):
        os.close(open_beneath(root, ("plots", "img.png")))
    with pytest.raises(InputError):  # and the whole read says so in one line
        read_confined(root / "plots" / "img.png", root, "image", "")
