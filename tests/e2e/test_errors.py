"""Every bad input gets one line naming the file, key, flag or revision, and exit code 2."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import Run
from tests.gitrepo import GitRepo

CASES = [
    # (files to write, extra args, words the one-line error must contain)
    ({}, ["-m", "nope.json"], ["nope.json"]),
    ({"bad.json": '{"acc": 0.9,,}'}, ["-m", "bad.json"], ["bad.json", "line 1"]),
    ({"bad.yaml": "eval:\n  acc: [0.9\n"}, ["-m", "bad.yaml"], ["bad.yaml", "line"]),
    ({"bad.toml": "acc = \n"}, ["-m", "bad.toml"], ["bad.toml"]),
    ({"bad.csv": "label,f1\na,0.5\nb,0.6,7\n"}, ["-m", "bad.csv"], ["bad.csv", "line 3"]),
    ({"empty.json": ""}, ["-m", "empty.json"], ["empty.json", "empty"]),
    ({"latin1.json": b'{"caf\xe9": 1}'}, ["-m", "latin1.json"], ["latin1.json", "UTF-8"]),
    ({"m.txt": "acc 0.9\n"}, ["-m", "m.txt"], ["m.txt", ".json"]),
    ({}, ["-m", "metrics.json", "--fail-if", "eval.f1 < high"], ["--fail-if", "'high'"]),
    ({}, ["-m", "metrics.json", "--fail-if", "eval.f1 about 0.9"], ["--fail-if", "KEY OP NUMBER"]),
    ({}, ["-m", "metrics.json", "--fail-on-regression", "eval.f1:x%"], ["--fail-on-regression"]),
    ({}, ["-m", "metrics.json", "--fail-if", "eval.f2 < 0.9"], ["eval.f2", "eval.f1"]),
    ({}, ["-m", "metrics.json", "--base", "no-such-rev"], ["no-such-rev"]),
    ({}, ["-m", "metrics.json", "--plot", "missing-plots"], ["--plot", "missing-plots"]),
    ({"cfg/x": ""}, ["-m", "cfg"], ["cfg"]),
]


@pytest.mark.parametrize(("files", "args", "words"), CASES, ids=[" ".join(c[1]) for c in CASES])
def test_bad_input_is_one_line_and_exit_2(
    project: GitRepo, run: Run, files: dict[str, str | bytes], args: list[str], words: list[str]
) -> None:
    for name, content in files.items():
        path = project.path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
    result = run("report", *args, cwd=project.path)
    assert result.code == 2, (result.stdout, result.stderr)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("cmlreport: error: ")
    for word in words:
        assert word in lines[0], (word, lines[0])
    assert "Traceback" not in result.stderr
    assert not (project.path / "report.md").exists()  # never a half-written report


def test_debug_shows_the_traceback(project: GitRepo, run: Run) -> None:
    result = run("--debug", "report", "-m", "nope.json", cwd=project.path)
    assert result.code != 0 and "Traceback" in result.stderr and "nope.json" in result.stderr


def test_malformed_base_file_is_a_note_not_an_error(project: GitRepo, run: Run) -> None:
    project.write("metrics.json", "{not json")
    project.commit("broken metrics on purpose")
    project.write("metrics.json", '{"eval": {"accuracy": 0.9}}')
    result = run("report", "-m", "metrics.json", "--base", "HEAD", cwd=project.path)
    assert result.code == 0, result.stderr
    assert "cannot be read" in (project.path / "report.md").read_text()


def test_usage_error_without_metrics(project: GitRepo, run: Run) -> None:
    result = run("report", cwd=project.path)
    assert result.code == 2 and "--metrics" in result.stderr
