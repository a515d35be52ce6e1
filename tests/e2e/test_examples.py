"""The example project and CI files as a user meets them.

Train the example model, draw its plots and report a branch against main in a real git
repository; run the example workflow's own steps as CI would; and hold every example workflow
and template to the security rules. The GitLab jobs run in test_gitlab_template.py.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shlex
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
import pytest
import yaml
from click.testing import CliRunner

from cmlreport.cli import main as cli
from tests import gitlab_ci
from tests.e2e.conftest import Run
from tests.e2e.example_project import EXAMPLES, PNG_MAGIC, ROOT, path_env, train
from tests.gitrepo import GitRepo

pytest_plugins = ["tests.e2e.example_project"]

WORKFLOWS = sorted((EXAMPLES / "github").glob("*.yml"))
REPORT_WORKFLOW = EXAMPLES / "github/report.yml"
GITLAB_FILES = [EXAMPLES / "gitlab" / ".gitlab-ci.yml", *sorted((ROOT / "templates").glob("*.yml"))]
DOCS = [*sorted(EXAMPLES.glob("*.md")), ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
OUTPUTS = [
    "metrics.json",
    "per_class.csv",
    "train_log.csv",
    "predictions.csv",
    "confidence_test.csv",
    "confidence_new.csv",
]
COMMITTED = ("metrics.json", "per_class.csv", "train_log.csv")  # examples/results: main's run
PLOTS = ("training_curves", "confusion_matrix", "confidence_drift")
PLACEHOLDER_ACTION = "cmlreport/cmlreport@v1"  # the action of this repository, by its tag
GITLAB_KEYWORDS = {"include", "workflow", "stages", "variables", "default"}


def rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


def metrics(folder: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((folder / "metrics.json").read_text(encoding="utf-8"))
    return loaded


# --- the example project ---------------------------------------------------------------------


def test_training_writes_consistent_files_that_tell_a_drift_story(runs: dict[int, Path]) -> None:
    out = runs[1]
    assert sorted(p.name for p in out.iterdir()) == sorted(OUTPUTS)
    m = metrics(out)
    per_class = rows(out / "per_class.csv")
    predictions = rows(out / "predictions.csv")
    assert len(per_class) == 20
    assert list(per_class[0]) == ["label", "precision", "recall", "f1", "support"]
    assert sum(int(r["support"]) for r in per_class) == len(predictions)
    hits = sum(r["actual"] == r["predicted"] for r in predictions)
    assert m["eval"]["accuracy"] == round(hits / len(predictions), 4)
    recalls = [float(r["recall"]) for r in per_class]
    assert m["eval"]["recall_macro"] == pytest.approx(sum(recalls) / len(recalls), abs=1e-3)
    for name, key in (
        ("confidence_test", "confidence_mean_test"),
        ("confidence_new", "confidence_mean_new"),
    ):
        scores = [float(r["confidence"]) for r in rows(out / f"{name}.csv")]
        assert all(0.0 < s <= 1.0 for s in scores)
        assert m["drift"][key] == pytest.approx(sum(scores) / len(scores), abs=1e-3)
    log = rows(out / "train_log.csv")
    steps = [int(r["step"]) for r in log]
    assert steps == sorted(set(steps)) and len(steps) > 10
    assert float(log[-1]["val_loss"]) < float(log[0]["val_loss"]) / 2
    # The story the report must make visible: fresh data is harder and the model less sure.
    assert m["fresh"]["recall"] < m["eval"]["recall_macro"] - 0.05
    assert m["drift"]["confidence_mean_new"] < m["drift"]["confidence_mean_test"] - 0.05


def test_the_same_seed_writes_the_same_files_in_seconds(
    runs: dict[int, Path], tmp_path: Path
) -> None:
    started = time.monotonic()
    result = train(tmp_path / "again", 1)
    assert result.returncode == 0, result.stderr
    assert time.monotonic() - started < 30
    for name in OUTPUTS:
        assert (tmp_path / "again" / name).read_bytes() == (runs[1] / name).read_bytes(), name
    assert metrics(runs[1])["eval"] != metrics(runs[2])["eval"]  # another seed, another run


def test_a_bad_flag_is_one_clear_line(tmp_path: Path) -> None:
    result = train(tmp_path / "out", 0, "--epochs", "0")
    assert result.returncode == 2
    assert "--epochs" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()


def steps_named(workflow: Path, *names: str) -> list[dict[str, Any]]:
    doc = yaml.safe_load(workflow.read_text(encoding="utf-8"))
    steps = [s for job in doc["jobs"].values() for s in job.get("steps", [])]
    return [next(s for s in steps if s.get("name") == n) for n in names]


def run_step(step: dict[str, Any], repo: GitRepo, env: dict[str, str]) -> None:
    """A workflow's `run:` step as GitHub runs it: bash -eo pipefail in its working directory."""
    proc = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
        cwd=repo.path / step.get("working-directory", "."),
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, f"step {step['name']}: {proc.stderr}"


def test_report_compares_the_branch_run_with_main(
    mr_project: GitRepo, runs: dict[int, Path], shims: Path, run: Run
) -> None:
    """The plots as the report workflow's Plot step draws them, then the report."""
    (plot,) = steps_named(REPORT_WORKFLOW, "Plot")
    run_step(plot, mr_project, path_env(shims))
    results = mr_project.path / "examples/results"
    result = run("report", "-m", "metrics.json", "per_class.csv", "--plot", "plots/", cwd=results)
    assert result.code == 0, result.stderr

    md = (results / "report.md").read_text(encoding="utf-8")
    base, head = metrics(runs[1]), metrics(runs[2])
    for section, key in (("eval", "accuracy"), ("eval", "f1_macro"), ("fresh", "recall")):
        shown = f"{section}.{key}".replace("_", "\\_")  # markdown-escaped, as in the table
        row = next(line for line in md.splitlines() if f">{shown}<" in line)
        assert f"| {base[section][key]} | {head[section][key]} |" in row
    assert f"<code>{mr_project.sha('main')[:7]}</code>" in md
    assert "### Slices: per\\_class · f1" in md and "20 labels · 20 compared" in md
    f1 = {
        seed: {r["label"]: (float(r["f1"]), r["support"]) for r in rows(out / "per_class.csv")}
        for seed, out in runs.items()
    }
    worst = min(f1[2], key=lambda label: f1[2][label][0] - f1[1][label][0])
    regressions = md.split("regressions**")[1].split("**Top")[0]
    assert f"| {worst} | {f1[2][worst][1]} |" in regressions
    for name in PLOTS:
        assert f"(plots/{name}.png)" in md
        assert (results / "plots" / f"{name}.png").read_bytes().startswith(PNG_MAGIC)


# --- the CI files, run as CI runs them ---------------------------------------------------------


def test_report_workflow_retrains_exactly_the_committed_base_run(
    tmp_path: Path, shims: Path
) -> None:
    """A pull request that changes nothing trains the very run committed on main."""
    repo = GitRepo.init(tmp_path / "project")
    shutil.copytree(EXAMPLES, repo.path / "examples", ignore=shutil.ignore_patterns("__pycache__"))
    repo.commit("example project with its base run")
    results = repo.path / "examples/results"
    base = {name: (results / name).read_text() for name in COMMITTED}
    (train_step,) = steps_named(REPORT_WORKFLOW, "Train")
    run_step(train_step, repo, path_env(shims))
    for name, committed in base.items():
        fresh = (results / name).read_text(encoding="utf-8")
        assert same_numbers(fresh, committed, name), (
            f"examples/results/{name} is stale: python examples/train.py --seed 0 "
            "--out examples/results"
        )


def same_numbers(a: str, b: str, name: str) -> bool:
    """Equal text, allowing numbers to differ in the last digit (another BLAS may round so)."""

    def cells(text: str) -> list[str]:
        if name.endswith(".json"):
            text = re.sub(r"[{}\[\]:,\n]", " ", text)
        return text.replace(",", " ").split()

    def close(x: str, y: str) -> bool:
        try:
            return abs(float(x) - float(y)) <= 1e-3
        except ValueError:
            return x == y

    left, right = cells(a), cells(b)
    return len(left) == len(right) and all(close(x, y) for x, y in zip(left, right, strict=True))


# --- security rules for every example workflow and template -----------------------------------


def github_jobs(path: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    yield from doc["jobs"].items()


def triggers(path: Path) -> set[str]:
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    on = doc.get("on", doc.get(True))  # YAML 1.1 reads a bare `on` as true
    return {on} if isinstance(on, str) else set(on)


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_workflow_follows_the_security_rules(path: Path) -> None:
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert doc.get("permissions") == {}, "grant permissions per job, none at the top"
    assert "pull_request_target" not in triggers(path)
    for name, job in github_jobs(path):
        assert isinstance(job.get("permissions"), dict), f"{name}: no permissions"
        steps = job["steps"]
        scripts = " ".join(s.get("run", "") for s in steps)
        for step in steps:
            assert "${{" not in step.get("run", ""), f"{name}: expression inside run:"
            uses = step.get("uses", "")
            if uses and uses != PLACEHOLDER_ACTION:
                assert re.fullmatch(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}", uses), f"{name}: {uses}"
            if uses.startswith("actions/checkout@"):
                assert "workflow_run" not in triggers(path), "never check out a fork's code"
                if "git push" not in scripts:
                    assert step["with"]["persist-credentials"] is False, name
        builds_report = any(
            s.get("uses") == PLACEHOLDER_ACTION
            and s.get("with", {}).get("command", "report") == "report"
            for s in steps
        )
        if builds_report:
            checkout = next(s for s in steps if s.get("uses", "").startswith("actions/checkout@"))
            assert checkout["with"]["fetch-depth"] == 0, f"{name}: the base needs history"


def test_runner_workflow_always_stops_what_it_launched() -> None:
    jobs = dict(github_jobs(EXAMPLES / "github/gpu.yml"))
    assert jobs["train"]["runs-on"] == "${{ needs.launch.outputs.runner-label }}"
    stop = jobs["stop"]
    assert "always()" in stop["if"] and set(stop["needs"]) == {"launch", "train"}
    assert stop["steps"][-1]["with"]["command"] == "runner-stop"


@pytest.mark.parametrize("path", GITLAB_FILES, ids=lambda p: p.name)
def test_gitlab_file_follows_the_security_rules(path: Path) -> None:
    doc = gitlab_ci.load(path)
    jobs = {
        name: gitlab_ci.resolve_job(doc, name)
        for name, value in doc.items()
        if name not in GITLAB_KEYWORDS and isinstance(value, dict)
    }
    jobs = {name: job for name, job in jobs.items() if "script" in job}
    assert len(jobs) >= 3
    for name, job in jobs.items():
        for key, value in job.get("variables", {}).items():
            if re.search(r"TOKEN|SECRET|PASSWORD", key):
                assert str(value).startswith("$") and "CI_JOB_TOKEN" not in str(value), (
                    f"{name}: {key} must come from a masked CI/CD variable"
                )
        for line in job.get("script", []) + job.get("before_script", []):
            assert "${{" not in line
            assert "CI_JOB_TOKEN" not in line, f"{name}: CI_JOB_TOKEN cannot post MR notes"
        stops = "cmlreport runner stop" in " ".join(job.get("script", []))
        if stops:
            assert job["stage"] == ".post"
            assert job["rules"] and all(rule.get("when") == "always" for rule in job["rules"]), name
        if "cmlreport report" in " ".join(job.get("script", [])):
            assert job["rules"] and all(
                "merge_request_event" in rule["if"] for rule in job["rules"]
            )


# --- every cmlreport command line in the examples is one the CLI accepts ----------------------


def shell_texts(path: Path) -> list[str]:
    """The shell scripts of a workflow or GitLab file, or the shell blocks of a markdown file."""
    if path.suffix == ".md":
        text = path.read_text(encoding="utf-8")
        shells = re.findall(r"```(?:bash|sh|console)\n(.*?)```", text, flags=re.S)
        # In YAML snippets: `run: cmlreport ...` and GitLab `- cmlreport ...` script lines.
        yamls = re.findall(r"```ya?ml\n(.*?)```", text, flags=re.S)
        prefix = re.compile(r"^\s*(?:-\s+)?(?:run:\s*)?(?:exec\s+)?(?=cmlreport\s)")
        lines = [prefix.sub("", line) for y in yamls for line in y.splitlines()]
        return shells + [line for line in lines if line.startswith("cmlreport ")]
    if path in WORKFLOWS:
        return [s["run"] for _, job in github_jobs(path) for s in job["steps"] if "run" in s]
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [
        line
        for job in doc.values()
        if isinstance(job, dict)
        for key in ("before_script", "script")
        for line in job.get(key, [])
    ]


def invocations(script: str) -> list[list[str]]:
    found = []
    for line in script.replace("\\\n", " ").splitlines():
        words = shlex.split(line.strip().removeprefix("$ "), comments=True)
        words = words[1:] if words[:1] == ["exec"] else words  # `exec cmlreport runner launch`
        if words[:1] != ["cmlreport"]:
            continue
        stop = next((i for i, w in enumerate(words) if w in {"||", "&&", ";", "|", ">"}), None)
        found.append(words[1:stop])
    return found


@pytest.mark.parametrize(
    "path", [*WORKFLOWS, *GITLAB_FILES, *DOCS], ids=lambda p: str(p.relative_to(ROOT))
)
def test_every_cmlreport_command_line_is_valid(path: Path) -> None:
    calls = [args for text in shell_texts(path) for args in invocations(text)]
    if path.name != "fork-safe-comment.yml":  # posts through the action only
        assert calls, "expected cmlreport command lines"
    known = set(cli.list_commands(click.Context(cli)))
    for args in calls:
        if args == ["--version"]:
            assert CliRunner().invoke(cli, args).exit_code == 0
            continue
        assert args[0] in known, f"unknown command: cmlreport {shlex.join(args)}"
        # --help parses every flag before it prints: an unknown flag or command exits 2.
        result = CliRunner().invoke(cli, [*args, "--help"])
        assert result.exit_code == 0, f"cmlreport {shlex.join(args)}: {result.output}"
