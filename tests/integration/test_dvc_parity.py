"""`cmlreport diff` agrees with `dvc metrics diff --json` on the keys, old, new and delta.

Runs the real dvc (a test dependency) on a small git repository. One deliberate difference:
dvc subtracts booleans (true - false = 1); cmlreport shows them but does not diff them.
"""

from __future__ import annotations

import atexit
import functools
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import clean_env
from tests.gitrepo import GitRepo
from tests.launch import run_cmlreport

BASE = {
    "m.json": json.dumps(
        {
            "eval": {
                "acc": 0.8,
                "loss": 0.5,
                "name": "a",
                "n": 3,
                "flag": True,
                "nested": {"deep": 1.5, "deeper": {"x": -2}},
            },
            "x.y": 2,
            "gone": 7,
        }
    ),
    "m.yaml": "a:\n  b: 1\n  c: 0.25\n  lr: 1e-3\n",
    "m.toml": "[t]\nv = 1.0\nw = 3\n",
}
HEAD = {
    "m.json": json.dumps(
        {
            "eval": {
                "acc": 0.85,
                "loss": 0.45,
                "name": "b",
                "n": 3,
                "flag": False,
                "nested": {"deep": 2.5, "deeper": {"x": -2.5}},
                "new": 1,
            },
            "x.y": 3,
        }
    ),
    "m.yaml": "a:\n  b: 2\n  c: 0.25\n  lr: 3e-4\n",
    "m.toml": "[t]\nv = 1.5\n",
}


def dvc_executable() -> str:
    local = Path(sys.executable).with_name("dvc")
    found = str(local) if local.exists() else shutil.which("dvc")
    assert found, "dvc is a test dependency: pip install -e '.[test]'"
    return found


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    repo = GitRepo.init(tmp_path / "repo")
    dvc_init(repo.path)
    for name, text in BASE.items():
        repo.write(name, text)
    repo.commit("base metrics")
    for name, text in HEAD.items():
        repo.write(name, text)
    return repo


def run_json(args: list[str], cwd: Path) -> Any:
    """dvc's answer (its JSON on stdout)."""
    env = clean_env(DVC_NO_ANALYTICS="1", DVC_NO_UPDATER="1")
    proc = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def ours_json(*args: str, cwd: Path) -> Any:
    """``cmlreport diff ARGS --format json`` in its own process."""
    done = run_cmlreport("diff", *args, "--format", "json", cwd=cwd, env=clean_env())
    assert done.code == 0, done.stderr
    return json.loads(done.stdout)


def same(a: Any, b: Any) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        return a is not None and b is not None and math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-15)
    return a == b and type(a) is type(b)


@pytest.mark.parametrize("show_all", [True, False], ids=["--all", "changed-only"])
def test_diff_matches_dvc(repo: GitRepo, show_all: bool) -> None:
    files = list(HEAD)
    all_flag = ["--all"] if show_all else []
    dvc = run_json(
        [dvc_executable(), "metrics", "diff", "main", "--json", *all_flag, "--targets", *files],
        repo.path,
    )
    ours = ours_json(*files, "--base", "main", *all_flag, cwd=repo.path)
    dvc_flat = {key: entry for per_file in dvc.values() for key, entry in per_file.items()}
    assert len(dvc_flat) >= 10  # the fixture really exercises nesting, removal and addition
    assert set(ours) == set(dvc_flat)
    for key, theirs in dvc_flat.items():
        mine = ours[key]
        assert same(mine.get("old"), theirs["old"]), (key, mine, theirs)
        assert same(mine.get("new"), theirs["new"]), (key, mine, theirs)
        if isinstance(theirs["new"], bool) or isinstance(theirs["old"], bool):
            assert "diff" not in mine  # the documented difference
        elif "diff" in theirs:
            assert same(mine["diff"], theirs["diff"]), (key, mine, theirs)
        else:
            assert "diff" not in mine, (key, mine, theirs)


def test_dvc_is_really_installed() -> None:
    out = subprocess.run(
        [dvc_executable(), "--version"],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "DVC_NO_ANALYTICS": "1"},
    )
    assert out.stdout.strip()[0].isdigit()


@functools.cache
def _initialised() -> Path:
    """A git repository where the real ``dvc init`` ran: once per test process."""
    folder = Path(tempfile.mkdtemp(prefix="dvc-init-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    GitRepo.init(folder)
    env = clean_env(DVC_NO_ANALYTICS="1", DVC_NO_UPDATER="1")
    subprocess.run([dvc_executable(), "init", "-q"], cwd=folder, env=env, check=True)
    return folder


def dvc_init(path: Path) -> None:
    """What ``dvc init`` writes (``.dvc/``, ``.dvcignore``), copied from its one real run."""
    done = _initialised()
    shutil.copytree(done / ".dvc", path / ".dvc")
    shutil.copy2(done / ".dvcignore", path / ".dvcignore")


def flat_names(dvc: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """dvc's per-file entries under cmlreport's names: the key alone, or ``path:key`` where
    two files hold it."""
    counts: dict[str, int] = {}
    for per_file in dvc.values():
        for key in per_file:
            counts[key] = counts.get(key, 0) + 1
    return {
        (f"{path}:{key}" if counts[key] > 1 else key): entry
        for path, per_file in dvc.items()
        for key, entry in per_file.items()
    }


@pytest.fixture(scope="module")
def histories(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Path]:
    """Each real project's history as a dvc-initialised git repository, built once for the
    module: the diffs below only read it."""
    from tests.dvchistory import build_history

    built: dict[str, Path] = {}

    def history(project: str) -> Path:
        if project not in built:
            repo = GitRepo.init(tmp_path_factory.mktemp("history") / project)
            dvc_init(repo.path)
            build_history(project, repo.path)
            built[project] = repo.path
        return built[project]

    return history


@pytest.mark.parametrize(
    ("project", "base"),
    [
        ("example-get-started", "HEAD~1"),
        ("example-get-started", "main~2"),
        ("example-dvc-experiments", "HEAD~1"),
        ("gauteng-qol", "HEAD~1"),  # a metrics file's keys change: dvc's nulls, both ways
        ("gauteng-qol", "main~2"),  # the dvc.yaml changes too
        # The fold files stay committed, but dvc.yaml stops declaring them, then again does.
        ("gauteng-qol-folds", "HEAD~1"),  # declared at head only: new, even though in git
        ("gauteng-qol-folds", "HEAD~2"),
        ("gauteng-qol-folds", "main~3"),  # declared at both
    ],
)
def test_diff_in_a_dvc_project_takes_what_dvc_yaml_declares(
    histories: Callable[[str], Path], project: str, base: str
) -> None:
    """No -m: both tools read the metrics dvc.yaml declares, on a real project's history."""
    path = histories(project)
    dvc = run_json([dvc_executable(), "metrics", "diff", base, "--json", "--all"], path)
    ours = ours_json("--base", base, "--all", cwd=path)
    expected = flat_names(dvc)
    assert len(expected) >= 2
    if project == "gauteng-qol" and base == "HEAD~1":
        sides = [(e["old"], e["new"]) for e in expected.values()]
        assert any(new is None for _, new in sides) and any(old is None for old, _ in sides)
    assert set(ours) == set(expected)
    for key, theirs in expected.items():
        mine = ours[key]
        for field in ("old", "new", "diff"):
            if field in theirs:
                assert same(mine.get(field), theirs[field]), (key, field, mine, theirs)
            else:
                assert field not in mine, (key, field, mine, theirs)


# Written for this test in the forms dvc's documentation gives for templated stages
# (dvc.org, user-guide/project-structure/dvcyaml-files.md: foreach over a list, over a
# mapping with ${key}, over a params.yaml value, and matrix); the metrics inside are the real
# example-get-started files from tests/data/dvc.
TEMPLATED = """\
vars:
  - out: results
stages:
  cleanups:
    foreach:
      - raw1
      - labels1
    do:
      cmd: echo "${item}"
      metrics:
        - ${out}/${item}.json:
            cache: false
  build:
    foreach:
      uk:
        epochs: 3
      us:
        epochs: 10
    do:
      cmd: echo '${key}' ${item.epochs}
      metrics:
        - ${out}/model-${key}-${item.epochs}.json
  mystages:
    foreach: ${myobject}
    do:
      cmd: echo ${key}
      metrics:
        - ${item.prop2}
  train:
    matrix:
      model: [cnn, xgb]
      feature: [a, b]
    cmd: echo ${item.model} ${item.feature}
    metrics:
      - ${out}/${item.model}-${item.feature}.json
"""
TEMPLATED_PARAMS = "myobject:\n  first:\n    prop2: eval/first.json\n"
TEMPLATED_FILES = [
    "results/raw1.json",
    "results/labels1.json",
    "results/model-uk-3.json",
    "results/model-us-10.json",
    "eval/first.json",
    "results/cnn-a.json",
    "results/cnn-b.json",
    "results/xgb-a.json",
    "results/xgb-b.json",
]


def test_templated_stages_expand_as_dvc_expands_them(tmp_path: Path) -> None:
    from tests.dvchistory import HISTORIES

    repo = GitRepo.init(tmp_path / "templated")
    dvc_init(repo.path)
    repo.write("dvc.yaml", TEMPLATED)
    repo.write("params.yaml", TEMPLATED_PARAMS)
    real = [HISTORIES / "example-get-started" / n / "eval/live/metrics.json" for n in "12"]
    for path in TEMPLATED_FILES:
        repo.write(path, real[0].read_text())
    repo.commit("base")
    for path in TEMPLATED_FILES[::2]:
        repo.write(path, real[1].read_text())
    dvc = run_json([dvc_executable(), "metrics", "diff", "HEAD", "--json", "--all"], repo.path)
    assert set(dvc) == set(TEMPLATED_FILES)
    ours = ours_json("--base", "HEAD", "--all", cwd=repo.path)
    expected = flat_names(dvc)
    assert set(ours) == set(expected)
    for key, theirs in expected.items():
        assert same(ours[key].get("new"), theirs["new"]), key
        assert same(ours[key].get("diff", 0), theirs.get("diff", 0)), key


def test_every_dvc_yaml_git_tracks_is_read_as_dvc_reads_them(tmp_path: Path) -> None:
    """A monorepo: example-get-started at the root, gauteng-qol's real files under qol/."""
    from tests.dvchistory import commits_of

    repo = GitRepo.init(tmp_path / "mono")
    dvc_init(repo.path)
    pairs = zip(commits_of("example-get-started"), commits_of("gauteng-qol"), strict=True)
    for root_files, sub_files in pairs:
        shutil.copytree(root_files, repo.path, dirs_exist_ok=True)
        shutil.copytree(sub_files, repo.path / "qol", dirs_exist_ok=True)
        repo.commit("both pipelines")
    dvc = run_json([dvc_executable(), "metrics", "diff", "HEAD~2", "--json", "--all"], repo.path)
    assert {"eval/live/metrics.json", "qol/outputs/eval/metrics.json"} <= set(dvc)
    ours = ours_json("--base", "HEAD~2", "--all", cwd=repo.path)
    expected = flat_names(dvc)
    assert set(ours) == set(expected)
    for key, theirs in expected.items():
        assert same(ours[key].get("old"), theirs["old"]), key
        assert same(ours[key].get("new"), theirs["new"]), key


def test_files_dvc_yaml_declared_at_base_only_are_shown_removed(tmp_path: Path) -> None:
    """gauteng-qol's second version no longer declares the fold files its first one did."""
    from tests.dvchistory import build_history

    repo = GitRepo.init(tmp_path / "folds")
    dvc_init(repo.path)
    build_history("gauteng-qol-folds", repo.path, upto=2)
    dvc = run_json([dvc_executable(), "metrics", "diff", "HEAD~1", "--json", "--all"], repo.path)
    assert "dvclive/fold_0/metrics.json" in dvc
    ours = ours_json("--base", "HEAD~1", "--all", cwd=repo.path)
    expected = flat_names(dvc)
    assert set(ours) == set(expected)
    for key, theirs in expected.items():
        assert same(ours[key].get("old"), theirs["old"]), key
        assert same(ours[key].get("new"), theirs["new"]), key
