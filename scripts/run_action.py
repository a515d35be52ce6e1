"""Run a composite action's steps the way the GitHub Actions runner does, for end-to-end tests.

    python scripts/run_action.py ACTION_DIR --workspace DIR --runner-temp DIR \
        [--with NAME=VALUE]... [--github-token TOKEN] [--result FILE]

Each ``run:`` step runs as ``bash --noprofile --norc -eo pipefail FILE`` in the workspace, with
the runner's ``GITHUB_*``/``RUNNER_*`` variables and fresh ``GITHUB_OUTPUT``/``GITHUB_ENV``/
``GITHUB_PATH``/``GITHUB_STEP_SUMMARY`` files; the job's own variables (repository, event path,
API URL...) come from this process's environment.

``${{ }}`` expressions are evaluated by GitHub's own evaluator (the npm package
``@actions/expressions``, through ``scripts/github_expressions.py``: node and ``npm ci`` are
test prerequisites) in ``run:`` (pasted into the script text, as GitHub does), ``env:``,
``with:``, ``if:``, ``name:``, ``working-directory:``, input defaults and output values, over the
contexts an action's metadata may use: inputs, steps, env, github.token/action_path/workspace,
runner.temp/os. Anything else is an error, not a guess, so the simulation never passes by
silently doing less than GitHub would. ``uses:`` steps that install tools are skipped: the
interpreter on PATH stands in for them.

The result file gets the action's outputs and each step's outcome as JSON; the exit code is the
first failed step's (99: the simulation refused the action).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from github_expressions import ActionError, Expressions, Result, runs, value  # scripts/

# Tool installers the simulation stands in for (the test's own interpreter is on PATH).
SETUP_ACTIONS = ("actions/setup-python@",)
STEP_KEYS = {"name", "id", "if", "uses", "with", "run", "shell", "env", "working-directory"}


@dataclass
class StepResult:
    id: str
    name: str
    outcome: str  # success | failure | skipped
    exit_code: int = 0
    outputs: dict[str, str] = field(default_factory=dict)


@dataclass
class ActionRun:
    steps: list[StepResult]
    outputs: dict[str, str]
    summary: str

    @property
    def exit_code(self) -> int:
        return next((s.exit_code for s in self.steps if s.outcome == "failure"), 0)


def run_action(
    action_dir: Path,
    given: Mapping[str, str],
    *,
    workspace: Path,
    runner_temp: Path,
    github_token: str = "",
    environ: Mapping[str, str] | None = None,
) -> ActionRun:
    import yaml

    try:
        action = yaml.safe_load((action_dir / "action.yml").read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ActionError(f"cannot read {action_dir / 'action.yml'}: {exc}") from None
    if action.get("runs", {}).get("using") != "composite":
        raise ActionError("only composite actions are simulated")
    steps = action["runs"]["steps"]
    with Expressions() as expressions:
        job = _Job(action_dir.resolve(), workspace, runner_temp, expressions)
        job.contexts.update(
            github={
                "token": github_token,
                "action_path": str(job.action_dir),
                "workspace": str(workspace),
            },
            runner={"temp": str(runner_temp), "os": "Linux"},
            env=dict(os.environ if environ is None else environ),
            # GitHub's null for a step that has not run (yet): its outputs read as null too.
            steps={step["id"]: None for step in steps if "id" in step},
        )
        job.contexts["inputs"] = job.inputs(action.get("inputs") or {}, given)
        for index, step in enumerate(steps):
            unknown = set(step) - STEP_KEYS
            if unknown:
                raise ActionError(f"step {index}: keys not simulated: {sorted(unknown)}")
            result = job.step(index, step)
            job.results.append(result)
            if "id" in step:
                job.contexts["steps"][step["id"]] = {
                    "outputs": result.outputs,
                    "outcome": result.outcome,
                }
        declared = action.get("outputs") or {}
        values = job.evaluate({name: str(spec["value"]) for name, spec in declared.items()})
        outputs = {name: value(values, name) for name in declared}
        return ActionRun(job.results, outputs, "".join(job.summary))


@dataclass
class _Job:
    """What the runner keeps between the steps of one action run."""

    action_dir: Path
    workspace: Path
    runner_temp: Path
    expressions: Expressions
    contexts: dict[str, Any] = field(default_factory=dict)
    results: list[StepResult] = field(default_factory=list)
    summary: list[str] = field(default_factory=list)

    def evaluate(self, items: Mapping[str, str], condition: str = "") -> dict[str, Result]:
        failed = any(r.outcome == "failure" for r in self.results)
        return self.expressions.evaluate(self.contexts, items, condition, failed)

    def inputs(self, declared: Mapping[str, Any], given: Mapping[str, str]) -> dict[str, str]:
        unexpected = set(given) - set(declared)
        if unexpected:
            raise ActionError(f"inputs {sorted(unexpected)} are not declared by the action")
        defaults = {
            name: str((spec or {}).get("default", ""))
            for name, spec in declared.items()
            if name not in given
        }
        values = self.evaluate(defaults)
        return {name: given[name] if name in given else value(values, name) for name in declared}

    def step(self, index: int, step: Mapping[str, Any]) -> StepResult:
        """One step, its every expression evaluated in one call (an error counts only where
        the runner would evaluate it: a skipped step's env is never looked at)."""
        step_id = str(step.get("id", f"__step{index}"))
        items = {"name": str(step.get("name", step.get("uses", step_id)))}
        items.update({f"with.{k}": str(v) for k, v in (step.get("with") or {}).items()})
        items.update({f"env.{k}": str(v) for k, v in (step.get("env") or {}).items()})
        items["working-directory"] = str(step.get("working-directory", "."))
        if "run" in step:
            items["run"] = str(step["run"])
        values = self.evaluate(items, str(step.get("if", "")))
        name = value(values, "name")
        if not runs(values):
            print(f"::step:: {name}: skipped", flush=True)
            return StepResult(step_id, name, "skipped")
        if "uses" in step:
            uses = str(step["uses"])
            if not uses.startswith(SETUP_ACTIONS):
                raise ActionError(f"step {name!r}: uses {uses} is not simulated")
            for key in items:
                value(values, key)  # an unknown expression fails here too
            print(f"::step:: {name}: stood in for by the interpreter on PATH", flush=True)
            return StepResult(step_id, name, "success")
        if step.get("shell") != "bash":
            raise ActionError(f"step {name!r}: shell {step.get('shell')!r} is not simulated")
        return self.run(index, values, step_id, name)

    def run(self, index: int, values: Mapping[str, Result], step_id: str, name: str) -> StepResult:
        env = {k: str(v) for k, v in self.contexts["env"].items()}
        env.update({k[4:]: value(values, k) for k in values if k.startswith("env.")})
        files = Path(tempfile.mkdtemp(prefix=f"step{index}-", dir=self.runner_temp))
        commands = {
            name: files / name.lower()
            for name in ("GITHUB_OUTPUT", "GITHUB_ENV", "GITHUB_PATH", "GITHUB_STEP_SUMMARY")
        }
        for path in commands.values():
            path.touch()
        env.update({k: str(v) for k, v in commands.items()})
        env.update(
            GITHUB_ACTION_PATH=str(self.action_dir),
            GITHUB_WORKSPACE=str(self.workspace),
            RUNNER_TEMP=str(self.runner_temp),
            RUNNER_OS="Linux",
        )
        script = files / "script.sh"
        # GitHub pastes expressions into the script text before bash sees it; so does this.
        script.write_text(value(values, "run"), encoding="utf-8")
        print(f"::step:: {name}", flush=True)
        proc = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
            cwd=self.workspace / value(values, "working-directory"),
            env=env,
            stdin=subprocess.DEVNULL,
            check=False,
        )
        self.contexts["env"].update(read_file_commands(commands["GITHUB_ENV"]))
        added = commands["GITHUB_PATH"].read_text(encoding="utf-8").split()
        if added:
            old = self.contexts["env"].get("PATH", "")
            self.contexts["env"]["PATH"] = os.pathsep.join([*reversed(added), old])
        self.summary.append(commands["GITHUB_STEP_SUMMARY"].read_text(encoding="utf-8"))
        outputs = read_file_commands(commands["GITHUB_OUTPUT"])
        outcome = "success" if proc.returncode == 0 else "failure"
        return StepResult(step_id, name, outcome, proc.returncode, outputs)


def read_file_commands(path: Path) -> dict[str, str]:
    """``NAME=VALUE`` lines and ``NAME<<DELIMITER`` blocks, as GITHUB_OUTPUT/GITHUB_ENV hold."""
    values: dict[str, str] = {}
    lines = iter(path.read_text(encoding="utf-8").splitlines())
    for line in lines:
        if not line:
            continue
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            block: list[str] = []
            for inner in lines:
                if inner == delimiter:
                    break
                block.append(inner)
            else:
                raise ActionError(f"{path.name}: {name} has no closing {delimiter}")
            values[name] = "\n".join(block)
        elif "=" in line:
            name, value = line.split("=", 1)
            values[name] = value
        else:
            raise ActionError(f"{path.name}: malformed line {line!r}")
    return values


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("action_dir", type=Path)
    parser.add_argument("--workspace", type=Path, required=True)
    parser.add_argument("--runner-temp", type=Path, required=True)
    parser.add_argument("--with", dest="given", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument("--github-token", default="")
    parser.add_argument("--result", type=Path, help="Write outputs and step outcomes as JSON.")
    args = parser.parse_args(argv)
    bad = [pair for pair in args.given if "=" not in pair]
    if bad:
        parser.error(f"--with {bad[0]}: use NAME=VALUE")
    given = dict(pair.split("=", 1) for pair in args.given)
    try:
        run = run_action(
            args.action_dir,
            given,
            workspace=args.workspace.resolve(),
            runner_temp=args.runner_temp.resolve(),
            github_token=args.github_token,
        )
    except ActionError as exc:
        print(f"run_action: {exc}", file=sys.stderr)
        return 99
    if args.result:
        data = {
            "outputs": run.outputs,
            "steps": [vars(s) for s in run.steps],
            "summary": run.summary,
        }
        args.result.write_text(json.dumps(data, indent=2), encoding="utf-8")
    print(f"::outputs:: {json.dumps(run.outputs, sort_keys=True)}", flush=True)
    return run.exit_code


if __name__ == "__main__":
    sys.exit(main())
