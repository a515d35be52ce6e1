"""Attacks on the terminal and on the Actions runner through what cmlreport prints.

Metric names, report lines and file names from the corpus carry workflow commands
(``::set-output``, ``::add-mask::``, ``::stop-commands::``, ``##[...]`` anywhere in a line,
after a carriage return or Unicode spaces the runner trims), ANSI/OSC escape sequences, bidi
overrides and zero-width characters. Whatever the command and wherever its stdout goes (pipe,
file, terminal), no printed line is a workflow command and no control character comes out raw.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cmlreport.textsafe import escape_controls, neutralise
from tests.e2e.conftest import clean_env
from tests.gitrepo import GitRepo
from tests.security.leakcheck import (
    CORPUS,
    MODES,
    assert_inert,
    cli,
    terminal_controls,
    workflow_commands,
)

NAMES: list[str] = json.loads((CORPUS / "terminal" / "hostile_names.json").read_text())["names"]
REPORT = CORPUS / "terminal" / "report.md"


@pytest.fixture
def hostile_metrics(tmp_path: Path) -> Path:
    root = tmp_path / "work"
    root.mkdir()
    metrics = {name: float(i) for i, name in enumerate(NAMES)}
    (root / "metrics.json").write_text(json.dumps(metrics))
    return root


def test_the_corpus_would_drive_the_runner_and_the_terminal() -> None:
    # The attack is real: printed as they are, these names are commands and escapes.
    assert len(workflow_commands("\n".join(NAMES))) >= 8
    assert terminal_controls("".join(NAMES))


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("fmt", ["table", "md", "json"])
def test_diff_of_hostile_metric_names_prints_nothing_live(
    hostile_metrics: Path, fmt: str, mode: str
) -> None:
    result = cli(
        "diff",
        "metrics.json",
        "--no-base",
        "--format",
        fmt,
        cwd=hostile_metrics,
        env=clean_env(),
        mode=mode,
    )
    assert result.code == 0, result.text
    assert_inert(result)
    if fmt == "json" and mode != "tty":
        # Neutralised, and still the same JSON: every name reads back exactly.
        assert set(json.loads(result.out)) == set(NAMES)
    if fmt == "table":
        assert "\\x1b]8;;http://evil.example/\\x07click me" in result.out  # shown, escaped
        assert "admin\\u202egnp.exe" in result.out


@pytest.mark.parametrize("mode", MODES)
def test_report_command_and_its_gate_lines_print_nothing_live(
    hostile_metrics: Path, mode: str
) -> None:
    # A failing gate prints the metric's name: "FAILED ok##[set-output ...] < 100: ...".
    gates = [f"{name} < 100" for name in ("ok##[set-output name=y;]z", "###[add-mask]hidden")]
    result = cli(
        "report",
        "metrics.json",
        "--no-base",
        "-o",
        "report.md",
        *(arg for gate in gates for arg in ("--fail-if", gate)),
        cwd=hostile_metrics,
        env=clean_env(),
        mode=mode,
    )
    assert result.code == 1, result.text
    assert "FAILED ok#\\#[set-output name=y;]z < 100" in result.text
    assert_inert(result)


@pytest.mark.parametrize("mode", MODES)
def test_dry_run_of_a_hostile_report_prints_it_inert(tmp_path: Path, mode: str) -> None:
    repo = GitRepo.init(tmp_path / "clone")
    repo.write("README.md", "x\n")
    repo.commit("init")
    (repo.path / "report.md").write_bytes(REPORT.read_bytes())
    env = clean_env(GITHUB_TOKEN="ghp_" + "t" * 36)
    result = cli(
        "send-comment",
        "report.md",
        "--dry-run",
        "--repo",
        "octo/model",
        "--forge",
        "github",
        "--target",
        "issue/1",
        cwd=repo.path,
        env=env,
        mode=mode,
    )
    assert result.code == 0, result.text
    assert_inert(result)
    # The reader still sees what the report says, with the commands defused.
    assert "\\::set-output name=deploy::true" in result.out
    assert "#\\#[error]forged annotation" in result.out
    assert "bidi \\u202e reversed" in result.out


@pytest.mark.parametrize("name", NAMES[:12])
def test_error_lines_quoting_a_hostile_file_name_are_one_inert_line(
    tmp_path: Path, name: str
) -> None:
    if "\x00" in name:
        pytest.fail("argv cannot carry NUL: keep such names out of this test's slice")
    result = cli("diff", f"{name}.json", "--no-base", cwd=tmp_path, env=clean_env())
    assert result.code == 2, result.text
    assert "Traceback" not in result.err
    assert_inert(result)
    assert len(result.err.strip().splitlines()) == 1, result.err


def test_usage_errors_from_click_quote_input_inert(tmp_path: Path) -> None:
    result = cli(
        "diff", "--format", "\x1b]0;owned\x07::set-output name=a::b", cwd=tmp_path, env=clean_env()
    )
    assert result.code == 2
    assert_inert(result)
    assert "\\x1b]0;owned\\x07" in result.err


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("::set-output name=x::y", "\\::set-output name=x::y"),
        ("   ::add-mask::v", "   \\::add-mask::v"),
        ("\u3000\u00a0::warning::w", "\u3000\u00a0\\::warning::w"),  # .NET TrimStart trims these
        ("\t::error::e", "\t\\::error::e"),
        ("text ##[set-output name=a;]b", "text #\\#[set-output name=a;]b"),
        ("###[x]", "##\\#[x]"),
        ("a::b", "a::b"),
        ("plain", "plain"),
        ("\r::stop-commands::t", "\\x0d::stop-commands::t"),
        ("\x1b[31mred", "\\x1b[31mred"),
        ("rtl\u202eoverride", "rtl\\u202eoverride"),
        ("zw\u200bsp", "zw\\u200bsp"),
        ("\x85next", "\\u0085next"),
        ("tag\U000e0041", "tag\\udb40\\udc41"),
    ],
)
def test_one_line_is_neutralised(line: str, expected: str) -> None:
    assert neutralise(line) == expected
    assert not workflow_commands(neutralise(line))


def test_ordinary_text_passes_unchanged() -> None:
    text = "accuracy 0.91 → 0.93 (+2.2 %) ✅ naïve 日本語 emoji 🙂 tab\tkept"
    assert escape_controls(text) == text


def test_a_step_output_value_cannot_start_another_output(tmp_path: Path) -> None:
    from cmlreport.cli.common import write_output
    from cmlreport.errors import InputError

    out = tmp_path / "github_output"
    write_output({"GITHUB_OUTPUT": str(out)}, "comment-url", "https://example.test/c/1")
    for hostile in ("https://x\nrunner-name=evil", "https://x\rcheck-url=evil"):
        with pytest.raises(InputError, match="one line"):
            write_output({"GITHUB_OUTPUT": str(out)}, "comment-url", hostile)
    assert out.read_text() == "comment-url=https://example.test/c/1\n"
