"""The rules docs/ARCHITECTURE.md states, checked on the source: which layer may import which,
who may read the environment, and the sizes a newcomer can read in one sitting.

The map below is the one in the document; a change to either must change both.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "cmlreport"

# Each part of cmlreport and the parts it may import (itself always). Lower layers first.
FOUNDATION = {"errors", "redact", "textsafe", "output", "files", "ci"}
MAY_IMPORT: dict[str, set[str]] = {
    "errors": set(),
    "redact": {"errors"},
    "textsafe": set(),
    "output": {"errors", "redact", "textsafe"},
    "files": {"errors"},
    "ci": {"errors"},
    "git": FOUNDATION,
    "baseline": FOUNDATION | {"git"},
    "stats": set(),  # pure statistics on arrays: no cmlreport import at all
    "metrics": {"errors", "files", "stats"},
    "settings": FOUNDATION | {"metrics"},
    "plots": {"errors", "textsafe", "metrics"},  # pure: bytes and text from data, no I/O
    "publishable": FOUNDATION | {"git", "baseline"},
    "report": FOUNDATION | {"git", "baseline", "settings", "metrics", "plots", "publishable"},
    "forges": FOUNDATION | {"git", "baseline", "settings", "metrics", "report", "publishable"},
    "runner": FOUNDATION | {"git", "forges"},
    "action": FOUNDATION | {"metrics"},
    "cli": set(),  # the top: it may import everything (checked below: nothing imports it)
    "__main__": {"cli"},
    "__init__": set(),
}
ENVIRONMENT_READERS = {"cmlreport/ci.py"}
MAX_FILE_LINES = 300
MAX_FUNCTION_LINES = 60


def modules() -> Iterator[Path]:
    yield from sorted(PACKAGE.rglob("*.py"))


def part_of(dotted: str) -> str:
    """`cmlreport.forges.github.client` -> `forges`; `cmlreport` itself -> `__init__`."""
    parts = dotted.split(".")[1:]
    return parts[0] if parts else "__init__"


def imported(path: Path) -> Iterator[tuple[int, str]]:
    """Every cmlreport module this file imports, lazy and TYPE_CHECKING imports included."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("cmlreport"):
                    yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "cmlreport":
                for alias in node.names:
                    is_module = (PACKAGE / alias.name).is_dir() or (
                        PACKAGE / f"{alias.name}.py"
                    ).exists()
                    yield node.lineno, f"cmlreport.{alias.name}" if is_module else "cmlreport"
            elif node.module.startswith("cmlreport."):
                yield node.lineno, node.module


def rel(path: Path) -> str:
    return path.relative_to(PACKAGE.parent).as_posix()


def dotted_name(path: Path) -> str:
    return ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts).removesuffix(
        ".__init__"
    )


def allowed(source: str, target: str) -> bool:
    here, there = part_of(source), part_of(target)
    if here == there or here == "cli" or there == "__init__":  # __version__ is for everyone
        return True
    rules = MAY_IMPORT[here]
    target_path = target.removeprefix("cmlreport.")
    return there in rules or any(target_path == r or target_path.startswith(r + ".") for r in rules)


def test_every_part_of_the_package_is_on_the_map() -> None:
    unknown = {part_of(dotted_name(p)) for p in modules()} - set(MAY_IMPORT)
    assert not unknown, f"add these to MAY_IMPORT and to docs/ARCHITECTURE.md: {sorted(unknown)}"


def test_layers_import_only_downwards() -> None:
    wrong = [
        f"{rel(path)}:{line} imports {target}"
        for path in modules()
        for line, target in imported(path)
        if not allowed(dotted_name(path), target)
    ]
    assert not wrong, "\n".join(wrong)


def test_nothing_below_the_cli_imports_it() -> None:
    wrong = [
        f"{rel(path)}:{line} imports {target}"
        for path in modules()
        if part_of(dotted_name(path)) not in {"cli", "__main__"}
        for line, target in imported(path)
        if part_of(target) == "cli"
    ]
    assert not wrong, "\n".join(wrong)


def reads_environment(tree: ast.AST) -> Iterator[int]:
    names = {"environ", "environb", "getenv", "getenvb", "putenv", "unsetenv"}
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in names:
            if isinstance(node.value, ast.Name) and node.value.id == "os":
                yield node.lineno
        elif (
            isinstance(node, ast.ImportFrom)
            and node.module == "os"
            and any(alias.name in names for alias in node.names)
        ):
            yield node.lineno


def test_only_ci_reads_the_environment() -> None:
    wrong = [
        f"{rel(path)}:{line}"
        for path in modules()
        if rel(path) not in ENVIRONMENT_READERS
        for line in reads_environment(ast.parse(path.read_text(encoding="utf-8")))
    ]
    assert not wrong, "read it through cmlreport.ci.environment(): " + ", ".join(wrong)


def test_the_checks_catch_what_they_are_for() -> None:
    # The checks above pass vacuously if the walkers see nothing: prove they see.
    tree = ast.parse("import os\nos.environ.get('X')\nfrom os import getenv\n")
    assert sorted(reads_environment(tree)) == [2, 3]
    assert not allowed("cmlreport.metrics.diff", "cmlreport.report.markdown")
    assert not allowed("cmlreport.plots.charts", "cmlreport.report.markdown")
    assert allowed("cmlreport.report.build", "cmlreport.plots.charts")
    assert not allowed("cmlreport.runner.lifecycle", "cmlreport.report.build")
    assert not allowed("cmlreport.publishable", "cmlreport.report.build")
    assert allowed("cmlreport.report.preview", "cmlreport.publishable.references")
    assert any(imported(PACKAGE / "cli" / "__init__.py"))


@pytest.mark.parametrize("path", list(modules()), ids=rel)
def test_every_module_says_what_it_is(path: Path) -> None:
    docstring = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))
    if path.name == "__main__.py":
        return
    assert docstring, f"{rel(path)}: add a one-line docstring saying what this module is"


def test_modules_are_short_enough_to_read_in_one_sitting() -> None:
    long = [
        f"{rel(p)}: {n} lines"
        for p in modules()
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_FILE_LINES
    ]
    assert not long, f"over {MAX_FILE_LINES} lines: " + ", ".join(long)


def test_functions_fit_on_a_screen() -> None:
    long = []
    for path in modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.end_lineno:
                n = node.end_lineno - node.lineno + 1
                if n > MAX_FUNCTION_LINES:
                    long.append(f"{rel(path)}:{node.lineno} {node.name}: {n} lines")
    assert not long, f"over {MAX_FUNCTION_LINES} lines: " + ", ".join(long)
