"""GitHub Actions expressions evaluated by GitHub's own evaluator, for scripts/run_action.py.

The npm package ``@actions/expressions`` (installed by ``npm ci``) runs in one node process for a
whole action run (``evaluate_expressions.mjs``), fed one JSON request a line: the contexts, and
the texts to evaluate. A lookup the contexts do not hold is an error, not a guess (except in an
unset variable or an output a step did not set, null as on GitHub).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
EVALUATOR = ROOT / "scripts" / "evaluate_expressions.mjs"
# Objects where a missing key is null, as on GitHub: an unset variable, an output not set.
LENIENT = ["env", "steps.*.outputs"]


class ActionError(Exception):
    """The action uses something this simulation does not implement, or is malformed."""


Result = str | bool | ActionError  # a template's text, a condition's truth, or what went wrong


class Expressions:
    """GitHub's own evaluator (``@actions/expressions``), one node process for a whole run."""

    def __init__(self) -> None:
        node = shutil.which("node")
        if node is None or not (ROOT / "node_modules" / "@actions" / "expressions").is_dir():
            what = "node is not on PATH" if node is None else "@actions/expressions is missing"
            raise ActionError(f"{what}: install Node.js 20+ and run npm ci")
        self.proc = subprocess.Popen(
            [node, str(EVALUATOR)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            encoding="utf-8",
        )

    def evaluate(
        self, contexts: Mapping[str, Any], items: Mapping[str, str], condition: str, failed: bool
    ) -> dict[str, Result]:
        """Each template in ``items`` with its ``${{ }}`` evaluated (or the error it raised),
        and under ``"if"`` whether a step with this ``condition`` runs."""
        assert self.proc.stdin is not None and self.proc.stdout is not None
        names = list(items)
        request = {
            "contexts": contexts,
            "lenient": LENIENT,
            "failed": failed,
            "items": [{"condition": condition}] + [{"template": items[n]} for n in names],
        }
        self.proc.stdin.write(json.dumps(request) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise ActionError(f"{EVALUATOR.name} ended (exit {self.proc.wait()})")
        answers: list[dict[str, Any]] = json.loads(line)
        results: dict[str, Result] = {}
        for name, answer in zip(["if", *names], answers, strict=True):
            results[name] = ActionError(answer["error"]) if "error" in answer else answer["value"]
        return results

    def __enter__(self) -> Expressions:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        self.proc.wait()


def value(results: Mapping[str, Result], name: str) -> str:
    result = results[name]
    if isinstance(result, ActionError):
        raise result
    return str(result)


def runs(results: Mapping[str, Result]) -> bool:
    """Whether the step's ``if:`` (``evaluate``'s ``condition``) lets it run."""
    result = results["if"]
    if isinstance(result, ActionError):
        raise result
    return result is True
