"""Prune GitHub's REST description down to what the fake GitHub server serves.

The full description (``rest-api.json`` from the npm package ``@octokit/openapi``) is 13 MB; the
fake needs a few dozen operations. This keeps those operations and every component they reference
(transitively), and writes, next to each other in ``tests/fakes/github/spec/``:

- ``rest-api.pruned.json`` (sorted keys, so a regeneration diffs cleanly),
- ``LICENSE`` (the package's MIT license, copied),
- ``README.md`` (the source, how to regenerate, what was kept).

Run from the repository root:

    python scripts/prune_github_openapi.py [PATH/TO/rest-api.json]

The default source is ``../shared/data/github/rest-api.json`` relative to the repository root.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SOURCE = REPO_ROOT.parent / "shared" / "data" / "github" / "rest-api.json"
OUT_DIR = REPO_ROOT / "tests" / "fakes" / "github" / "spec"
SPEC_NAME = "rest-api.pruned.json"
LICENSE_NAME = "LICENSE-octokit-openapi"

# Path (exactly as in the description) -> the methods the fake serves on it.
KEPT_OPERATIONS: dict[str, tuple[str, ...]] = {
    "/rate_limit": ("get",),
    "/user": ("get",),
    "/repos/{owner}/{repo}": ("get",),
    "/repos/{owner}/{repo}/actions/runners": ("get",),
    "/repos/{owner}/{repo}/actions/runners/generate-jitconfig": ("post",),
    "/repos/{owner}/{repo}/actions/runners/registration-token": ("post",),
    "/repos/{owner}/{repo}/actions/runners/{runner_id}": ("delete",),
    # `runner stop` after a spot interruption.
    "/repos/{owner}/{repo}/actions/runs/{run_id}/rerun-failed-jobs": ("post",),
    "/repos/{owner}/{repo}/check-runs": ("post",),
    "/repos/{owner}/{repo}/check-runs/{check_run_id}": ("patch",),
    "/repos/{owner}/{repo}/check-runs/{check_run_id}/annotations": ("get",),
    "/repos/{owner}/{repo}/comments/{comment_id}": ("get", "patch", "delete"),
    "/repos/{owner}/{repo}/commits/{commit_sha}/comments": ("get", "post"),
    "/repos/{owner}/{repo}/commits/{commit_sha}/pulls": ("get",),
    # PyGithub's repo.get_commit(sha) fetches the commit before commenting on it.
    "/repos/{owner}/{repo}/commits/{ref}": ("get",),
    "/repos/{owner}/{repo}/commits/{ref}/check-runs": ("get",),
    "/repos/{owner}/{repo}/git/blobs": ("post",),
    "/repos/{owner}/{repo}/git/blobs/{file_sha}": ("get",),
    "/repos/{owner}/{repo}/git/commits": ("post",),
    "/repos/{owner}/{repo}/git/commits/{commit_sha}": ("get",),
    "/repos/{owner}/{repo}/git/ref/{ref}": ("get",),
    "/repos/{owner}/{repo}/git/refs": ("post",),
    "/repos/{owner}/{repo}/git/refs/{ref}": ("patch",),
    "/repos/{owner}/{repo}/git/trees": ("post",),
    "/repos/{owner}/{repo}/git/trees/{tree_sha}": ("get",),
    "/repos/{owner}/{repo}/issues/comments/{comment_id}": ("get", "patch", "delete"),
    "/repos/{owner}/{repo}/issues/{issue_number}": ("get",),
    "/repos/{owner}/{repo}/issues/{issue_number}/comments": ("get", "post"),
    "/repos/{owner}/{repo}/pulls": ("get", "post"),
    "/repos/{owner}/{repo}/pulls/{pull_number}": ("get", "patch"),
    # Where the sticky comment is, kept on the pull request's head commit.
    "/repos/{owner}/{repo}/statuses/{sha}": ("post",),
    # GitHub App authentication: the installation of a repository, its access tokens.
    "/repos/{owner}/{repo}/installation": ("get",),
    "/app/installations/{installation_id}/access_tokens": ("post",),
}


def local_refs(node: Any) -> Iterator[tuple[str, str]]:
    """Every ``#/components/<kind>/<name>`` reference under ``node``, as (kind, name)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                parts = value.split("/")
                if len(parts) != 4 or parts[:2] != ["#", "components"]:
                    raise ValueError(f"unexpected $ref {value!r}: only #/components/... is handled")
                # JSON pointer escapes; GitHub's component names do not use them today.
                yield parts[2], parts[3].replace("~1", "/").replace("~0", "~")
            else:
                yield from local_refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from local_refs(item)


def prune(source: dict[str, Any]) -> dict[str, Any]:
    """The description restricted to KEPT_OPERATIONS and the components they reach."""
    paths: dict[str, Any] = {}
    for path, methods in KEPT_OPERATIONS.items():
        item = source["paths"].get(path)
        if item is None:
            raise KeyError(f"path {path} is not in the source description")
        missing = [m for m in methods if m not in item]
        if missing:
            raise KeyError(f"path {path} has no {', '.join(missing)} in the source description")
        # Path-level keys (parameters, summary...) apply to every method, so they stay.
        kept = {k: v for k, v in item.items() if k not in {"get", "put", "post", "patch", "delete"}}
        kept.update({m: item[m] for m in methods})
        paths[path] = kept

    components: dict[str, dict[str, Any]] = {}
    pending = list(local_refs(paths))
    while pending:
        kind, name = pending.pop()
        if name in components.get(kind, {}):
            continue
        value = source["components"][kind][name]
        components.setdefault(kind, {})[name] = value
        pending.extend(local_refs(value))

    used_tags = {
        tag for item in paths.values() for op in item.values() for tag in op.get("tags", [])
    }
    pruned: dict[str, Any] = {
        "openapi": source["openapi"],
        "info": source["info"],
        # Left as published: the fake replaces it with its own http://127.0.0.1:{port} base.
        "servers": source.get("servers", []),
        "paths": paths,
        "components": components,
    }
    if "tags" in source:
        pruned["tags"] = [t for t in source["tags"] if t["name"] in used_tags]
    if "externalDocs" in source:
        pruned["externalDocs"] = source["externalDocs"]
    return pruned


def readme(pruned: dict[str, Any]) -> str:
    info = pruned["info"]
    rows = []
    for path, item in pruned["paths"].items():
        for method in ("get", "post", "patch", "delete"):
            if method in item:
                rows.append(f"| `{method.upper()}` | `{path}` | `{item[method]['operationId']}` |")
    counts = ", ".join(
        f"{len(names)} {kind}" for kind, names in sorted(pruned["components"].items())
    )
    return "\n".join(
        [
            "# GitHub's REST description, pruned for the fake GitHub server",
            "",
            "`rest-api.pruned.json` is a subset of `rest-api.json` from the npm package",
            "[`@octokit/openapi`](https://www.npmjs.com/package/@octokit/openapi)",
            f"(spec version `{info.get('version', '?')}`,",
            f"plan `{info.get('x-github-plan', '?')}`),",
            "which republishes GitHub's official description",
            "([github/rest-api-description](https://github.com/github/rest-api-description)).",
            "MIT license: the text is in [`LICENSE`](LICENSE) (the Octokit contributors').",
            "",
            "Generated by `scripts/prune_github_openapi.py`; do not edit by hand. To regenerate",
            "(after updating the source file), from the repository root:",
            "",
            "```sh",
            "python scripts/prune_github_openapi.py ../shared/data/github/rest-api.json",
            "```",
            "",
            "Kept: the operations below, unchanged, and every component they reference,",
            f"transitively: {counts}.",
            "`servers` is left as published: the fake overrides it with its own",
            "`http://127.0.0.1:{port}` base (plus `/api/v3` for GitHub Enterprise).",
            "Tags not used by a kept operation, `x-webhooks` and every other path are dropped.",
            "",
            "| method | path | operationId |",
            "|---|---|---|",
            *rows,
            "",
        ]
    )


def kept_sections(path: Path) -> str:
    """The README's hand-written sections (``## GraphQL``: the excerpt of the GraphQL schema,
    made by scripts/excerpt_github_graphql.py), kept across a regeneration."""
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    at = old.find("\n## GraphQL")
    return "" if at < 0 else old[at:]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "source",
        nargs="?",
        type=Path,
        default=DEFAULT_SOURCE,
        help="rest-api.json of @octokit/openapi (default: ../shared/data/github/rest-api.json)",
    )
    parser.add_argument("--out", type=Path, default=OUT_DIR, help="output directory")
    args = parser.parse_args(argv)
    source_path: Path = args.source
    out: Path = args.out
    if not source_path.is_file():
        sys.stderr.write(f"error: {source_path}: no such file; give the path to rest-api.json\n")
        return 2
    source = json.loads(source_path.read_text(encoding="utf-8"))
    pruned = prune(source)
    out.mkdir(parents=True, exist_ok=True)
    text = json.dumps(pruned, sort_keys=True, indent=1, ensure_ascii=False) + "\n"
    (out / SPEC_NAME).write_text(text, encoding="utf-8")
    license_path = source_path.parent / LICENSE_NAME
    if license_path.is_file():
        shutil.copyfile(license_path, out / "LICENSE")
    else:
        print(f"warning: {license_path} not found; LICENSE not copied", file=sys.stderr)
    (out / "README.md").write_text(readme(pruned) + kept_sections(out / "README.md"), "utf-8")
    print(f"wrote {out / SPEC_NAME} ({len(text) // 1024} KiB), LICENSE and README.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
