"""GitLab CI files read and their jobs run the way GitLab and its runner do, for tests.

Only what the project's files use: local includes, `extends:` (deep-merged, lists replaced),
global and job `variables:` expanded against what is defined before them, dotenv reports of
earlier jobs (which win over job variables, as in GitLab), and a job's before_script and script
in one POSIX shell with `set -e`, then its after_script in another. Anything else in a job is
not run here, so a test cannot pass by accident on a keyword this does not know.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
VARIABLE = re.compile(r"\$(?:\{(\w+)\}|(\w+))")
# Job keys that decide where or whether a job runs, not what it runs: fine to ignore here.
PLACEMENT = {
    "stage", "rules", "needs", "tags", "image", "artifacts", "id_tokens", "when", "timeout",
    "interruptible", "environment", "retry", "cache", "allow_failure", "dependencies",
}  # fmt: skip
RUN = {"variables", "before_script", "script", "after_script"}
# A job's outcome: (before_script + script, after_script when it has one).
Ran = tuple[subprocess.CompletedProcess[str], "subprocess.CompletedProcess[str] | None"]


def load(path: Path) -> dict[str, Any]:
    """A GitLab CI file with its local includes merged in (as GitLab does, includes first)."""
    import yaml

    doc: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    merged: dict[str, Any] = {}
    for item in doc.get("include", []):
        merged.update(load(ROOT / item["local"]))
    merged.update({k: v for k, v in doc.items() if k != "include"})
    return merged


def deep_merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = value  # lists are replaced, as GitLab's extends does
    return out


def resolve_job(doc: Mapping[str, Any], name: str) -> dict[str, Any]:
    job: dict[str, Any] = doc[name]
    parents = job.get("extends", [])
    merged: dict[str, Any] = {}
    for parent in [parents] if isinstance(parents, str) else parents:
        merged = deep_merge(merged, resolve_job(doc, parent))
    return deep_merge(merged, {k: v for k, v in job.items() if k != "extends"})


def expand(value: str, env: Mapping[str, str]) -> str:
    """GitLab's expansion of $VAR / ${VAR} in variable values (unknown names become empty)."""
    return VARIABLE.sub(lambda m: env.get(m.group(1) or m.group(2), ""), value)


def read_dotenv(path: Path) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in path.read_text(encoding="utf-8").splitlines() if line)
    return {key: value for key, value in pairs}


def job_env(
    doc: Mapping[str, Any],
    job: Mapping[str, Any],
    predefined: Mapping[str, str],
    dotenv: Mapping[str, str] | None = None,
) -> dict[str, str]:
    env = dict(predefined)
    for scope in (doc.get("variables") or {}, job.get("variables") or {}):
        for key, value in scope.items():
            text = value["value"] if isinstance(value, dict) else value
            env[key] = expand(str(text), env)
    env.update(dotenv or {})
    return env


def run_job(
    doc: Mapping[str, Any],
    name: str,
    *,
    cwd: Path,
    predefined: Mapping[str, str],
    dotenv: Mapping[str, str] | None = None,
    skip: Callable[[str], bool] = lambda line: False,
    timeout: float = 180,
) -> Ran:
    """Runs job ``name``: (before_script + script, after_script). ``skip`` drops script entries
    a test cannot run (an install from the package index)."""
    job = resolve_job(doc, name)
    unknown = set(job) - PLACEMENT - RUN
    if unknown:
        raise ValueError(f"job {name}: keys this harness does not run: {sorted(unknown)}")
    env = job_env(doc, job, predefined, dotenv)

    def shell(lines: list[str]) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["sh", "-e", "-c", "\n".join(line for line in lines if not skip(line))],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    main = shell([*job.get("before_script", []), *job["script"]])
    after = shell(job["after_script"]) if job.get("after_script") else None
    return main, after
