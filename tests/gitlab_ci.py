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
    """A GitLab CI file with its includes merged in (as GitLab does, includes first): local
    files, and components of this project (``component: HOST/PATH/NAME@VERSION`` with
    ``inputs``, read from ``templates/NAME/template.yml`` or ``templates/NAME.yml``)."""
    import yaml

    doc: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    merged: dict[str, Any] = {}
    for item in doc.get("include", []):
        if "component" in item:
            merged.update(load_component(component_file(item["component"]), item.get("inputs")))
        else:
            merged.update(load(ROOT / item["local"]))
    merged.update({k: v for k, v in doc.items() if k != "include"})
    return merged


def component_file(address: str) -> Path:
    """``$CI_SERVER_FQDN/group/cmlreport/NAME@1.0.0`` -> this project's file for NAME."""
    name = address.rpartition("@")[0].rsplit("/", 1)[-1]
    folder = ROOT / "templates" / name / "template.yml"
    return folder if folder.is_file() else ROOT / "templates" / f"{name}.yml"


def load_component(path: Path, given: Mapping[str, Any] | None) -> dict[str, Any]:
    """A component's jobs with its inputs interpolated, as GitLab does (``inputs``)."""
    spec_doc, content = component_documents(path)
    values = input_values(spec_doc["spec"].get("inputs") or {}, dict(given or {}))
    return interpolate(content, values)


def component_documents(path: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """The header (``spec:``) and the content, the two YAML documents of a component."""
    import yaml

    docs = list(yaml.safe_load_all(path.read_text(encoding="utf-8")))
    if len(docs) != 2 or "spec" not in (docs[0] or {}):
        raise ValueError(f"{path}: a component is a spec: header, ---, then its content")
    return docs[0], docs[1]


INPUT_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,), "boolean": (bool,), "number": (int, float), "array": (list,),
}  # fmt: skip


def input_values(spec: Mapping[str, Any], given: dict[str, Any]) -> dict[str, Any]:
    """Each input's value, checked as GitLab checks it: no unknown input, a value for every
    input without a default, of the input's type (string by default), one of its options,
    and matching its regex."""
    unknown = sorted(set(given) - set(spec))
    if unknown:
        raise ValueError(f"unknown input name provided: {unknown}")
    values = {}
    for name, rules in spec.items():
        rules = rules or {}
        if name not in given and "default" not in rules:
            raise ValueError(f"`{name}` input: required value has not been provided")
        value = given.get(name, rules.get("default"))
        kind = rules.get("type", "string")
        if not isinstance(value, INPUT_TYPES[kind]) or (kind == "number" and value is True):
            raise ValueError(f"`{name}` input: provided value is not a {kind}")
        if "options" in rules and value not in rules["options"]:
            raise ValueError(
                f"`{name}` input: `{value}` cannot be used because it is not in the list "
                "of allowed options"
            )
        if "regex" in rules and not re.search(rules["regex"], str(value)):
            raise ValueError(f"`{name}` input: provided value does not match required RegEx")
        values[name] = value
    return values


INTERPOLATION = re.compile(r"\$\[\[\s*inputs\.([\w-]+)\s*\]\]")


def interpolate(node: Any, values: Mapping[str, Any]) -> Any:
    """``$[[ inputs.NAME ]]`` replaced in keys and values; a string that is one such block
    and nothing else takes the input's typed value (a boolean stays a boolean)."""
    if isinstance(node, dict):
        return {interpolate(k, values): interpolate(v, values) for k, v in node.items()}
    if isinstance(node, list):
        return [interpolate(item, values) for item in node]
    if not isinstance(node, str):
        return node

    def value(name: str) -> Any:
        if name not in values:
            raise ValueError(f"unknown interpolation key: `{name}`")
        return values[name]

    whole = INTERPOLATION.fullmatch(node)
    if whole:
        return value(whole.group(1))

    def text(match: re.Match[str]) -> str:
        found = value(match.group(1))
        return str(found).lower() if isinstance(found, bool) else str(found)

    return INTERPOLATION.sub(text, node)


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
