"""`cmlreport send-comment` and `check` in a GitLab CI job, against the fake GitLab.

The same stories as on GitHub, through the same CLI: it never knows which forge it talks to.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from tests.e2e.conftest import Result, Run, clean_env
from tests.fakes.gitlab.server import FakeGitLab

pytest_plugins = ["tests.fakes.gitlab.pytest_plugin"]

PROJECT = "ml/vision/model"
TOKEN = "glpat-fakeProjectToken0123456789"
JOB_TOKEN = "glcbt-fakeJobToken0123456789"
SHA = "a" * 40


def _png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (4, 3), (30, 30, 200)).save(out, "PNG")  # published images must decode
    return out.getvalue()


PNG = _png()


class Pipeline:
    def __init__(self, root: Path, server: FakeGitLab) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        self.server = server

    def env(self, **extra: str) -> dict[str, str]:
        values = {
            "GITLAB_CI": "true",
            "CI_SERVER_URL": self.server.url,
            "CI_API_V4_URL": self.server.api_url,
            "CI_PROJECT_ID": "42",
            "CI_PROJECT_PATH": PROJECT,
            "CI_COMMIT_SHA": SHA,
            "CI_MERGE_REQUEST_IID": "3",
            "CI_PIPELINE_SOURCE": "merge_request_event",
            "CI_PIPELINE_URL": f"{self.server.url}/{PROJECT}/-/pipelines/9",
            "CI_JOB_NAME": "report",
            "GITLAB_TOKEN": TOKEN,
        }
        values.update(extra)
        return clean_env(**values)


def start(server: FakeGitLab, root: Path) -> Pipeline:
    server.add_project(PROJECT, id=42)
    server.add_merge_request(PROJECT, iid=3, sha=SHA)
    server.add_project_bot_token(TOKEN, project=PROJECT)
    return Pipeline(root, server)


@pytest.fixture
def pipeline(gitlab_server: FakeGitLab, tmp_path: Path) -> Pipeline:
    return start(gitlab_server, tmp_path / "job")


def send(run: Run, pipe: Pipeline, report: str, *args: str, **env: str) -> Result:
    (pipe.root / "report.md").write_text(report)
    result = run("send-comment", "report.md", *args, cwd=pipe.root, env=pipe.env(**env))
    assert TOKEN not in result.stdout + result.stderr
    assert JOB_TOKEN not in result.stdout + result.stderr
    return result


def notes(server: FakeGitLab) -> list[str]:
    return [n.body for n in server.user_notes(PROJECT, 3)]


def test_first_post_then_update_in_place_then_no_write(run: Run, pipeline: Pipeline) -> None:
    assert send(run, pipeline, "## Report\n\nf1 0.80\n").code == 0
    (body,) = notes(pipeline.server)
    assert body.startswith("<!-- cmlreport:report -->") and "f1 0.80" in body
    assert send(run, pipeline, "## Report\n\nf1 0.82\n").code == 0
    (body,) = notes(pipeline.server)
    assert "f1 0.82" in body
    pipeline.server.reset_log()
    again = send(run, pipeline, "## Report\n\nf1 0.82\n")
    assert again.code == 0 and "unchanged" in again.stdout
    writes = [r for r in pipeline.server.requests if r.method in ("POST", "PUT", "DELETE")]
    assert [r.path for r in writes] == ["/graphql"]  # the one query that reads the notes


def test_5xx_then_success_leaves_one_note(run: Run, pipeline: Pipeline) -> None:
    pipeline.server.inject("GET", r"/merge_requests/3/notes$", 502)
    result = send(run, pipeline, "body")
    assert result.code == 0, result.stderr
    assert len(notes(pipeline.server)) == 1


def test_job_token_only_is_one_clear_line(
    run: Run, gitlab_server: FakeGitLab, tmp_path: Path
) -> None:
    pipe = start(gitlab_server, tmp_path / "job")
    gitlab_server.add_job_token(JOB_TOKEN, project=PROJECT)
    result = send(run, pipe, "body", GITLAB_TOKEN="", CI_JOB_TOKEN=JOB_TOKEN)
    assert result.code != 0
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "CI_JOB_TOKEN" in lines[0] and "GITLAB_TOKEN" in lines[0]
    assert not notes(gitlab_server)


def test_image_is_uploaded_once_across_runs(run: Run, pipeline: Pipeline) -> None:
    (pipeline.root / "loss.png").write_bytes(PNG)
    assert send(run, pipeline, "## R\n\n![loss](loss.png)\n").code == 0
    assert send(run, pipeline, "## R v2\n\n![loss](loss.png)\n").code == 0
    assert len(pipeline.server.uploads) == 1
    (body,) = notes(pipeline.server)
    assert "](/uploads/" in body


def test_self_managed_instance_under_a_sub_path(
    run: Run, gitlab_server_factory: object, tmp_path: Path
) -> None:
    server = gitlab_server_factory(prefix="/gitlab")  # type: ignore[operator]
    pipe = start(server, tmp_path / "job")
    result = send(run, pipe, "## Report on a sub-path install\n")
    assert result.code == 0, result.stderr
    assert "/gitlab/" in result.stdout and len(notes(server)) == 1


def test_a_1_2_million_character_report_is_cut_with_a_notice(run: Run, pipeline: Pipeline) -> None:
    sections = "".join(f"### Section {i}\n\n{'x' * 9_990}\n\n" for i in range(120))
    result = send(run, pipeline, "## Report\n\n" + sections)
    assert result.code == 0, result.stderr
    (body,) = notes(pipeline.server)
    assert 900_000 < len(body) <= 1_000_000
    assert "✂️ Cut to fit the" in body and "pipelines/9" in body


def test_commit_status_from_the_gates(run: Run, pipeline: Pipeline) -> None:
    (pipeline.root / "report.md").write_text("<!-- cmlreport-gates: passed=3 failed=0 -->\n## R\n")
    result = run("check", "report.md", cwd=pipeline.root, env=pipeline.env())
    assert result.code == 0, result.stderr
    (status,) = pipeline.server.statuses.values()
    assert (status.sha, status.status, status.name) == (SHA, "success", "cmlreport")
    assert status.target_url and status.target_url.endswith("/pipelines/9")
    assert status.description and "all 3 gates passed" in status.description


def test_hide_old_is_refused_in_one_line_gitlab_cannot_minimise(
    run: Run, pipeline: Pipeline
) -> None:
    result = send(run, pipeline, "## Report\n", "--mode", "new", "--hide-old")
    assert result.code == 2
    assert result.stderr.splitlines() == [
        "cmlreport: error: --hide-old: GitLab cannot minimise a note (its API has no such "
        "call); --mode recreate leaves one note, at the bottom"
    ]
    assert pipeline.server.requests == [] and notes(pipeline.server) == []


def test_recreate_moves_the_note_down_and_delete_removes_it(run: Run, pipeline: Pipeline) -> None:
    assert send(run, pipeline, "v1").code == 0
    pipeline.server.add_notes(PROJECT, 3, ["could you retrain on May?"], author="bob")
    moved = send(run, pipeline, "v2", "--mode", "recreate")
    assert moved.code == 0 and "posted anew:" in moved.stdout, moved.stderr
    assert [n.splitlines()[-1] for n in notes(pipeline.server)] == [
        "could you retrain on May?",
        "v2",
    ]
    once = send(run, pipeline, "v3", "--mode", "once")
    assert "kept (ours is there already: --mode once)" in once.stdout
    gone = run("send-comment", "--delete", cwd=pipeline.root, env=pipeline.env())
    assert gone.code == 0, gone.stderr
    assert notes(pipeline.server) == ["could you retrain on May?"]
