"""What the two excerpt scripts share: cut a published GraphQL schema down to named types and
fields, each kept definition as published, and check that the cut builds on its own."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

# Type -> its kept fields (None: the whole definition). Fields are a sequence of names, or a
# mapping of name -> the arguments kept (None: all of them).
Fields = Sequence[str] | Mapping[str, Sequence[str] | None] | None


def excerpt(source: str, kept: Mapping[str, Fields], header: str) -> str:
    import graphql

    document = graphql.parse(source)
    found: dict[str, Any] = {}
    for node in document.definitions:
        name = getattr(getattr(node, "name", None), "value", None)
        if name in kept and not type(node).__name__.endswith("ExtensionNode"):
            found.setdefault(name, node)
    missing = sorted(set(kept) - set(found))
    if missing:
        raise SystemExit(f"not in the schema: {', '.join(missing)}")
    cut = [_cut(found[name], fields, kept) for name, fields in kept.items()]
    printed = graphql.print_ast(graphql.language.DocumentNode(definitions=tuple(cut)))
    graphql.build_schema(printed)  # the excerpt must build on its own
    return header + "\n" + printed + "\n"


def _cut(node: Any, fields: Fields, kept: Mapping[str, Fields]) -> Any:
    parts = {key: getattr(node, key) for key in node.keys if key != "loc"}
    if fields is not None:
        arguments = fields if isinstance(fields, Mapping) else dict.fromkeys(fields)
        by_name = {f.name.value: f for f in node.fields}
        absent = [f for f in arguments if f not in by_name]
        if absent:
            raise SystemExit(f"{node.name.value} has no field {', '.join(absent)}")
        parts["fields"] = tuple(_arguments(by_name[f], args) for f, args in arguments.items())
    if parts.get("interfaces"):
        parts["interfaces"] = tuple(i for i in node.interfaces if i.name.value in kept)
    return type(node)(**parts)


def _arguments(field: Any, names: Sequence[str] | None) -> Any:
    if names is None:
        return field
    parts = {key: getattr(field, key) for key in field.keys if key != "loc"}
    parts["arguments"] = tuple(a for a in field.arguments if a.name.value in names)
    return type(field)(**parts)


def run(doc: str | None, make: Any, out: Path, root: Path, default: Path | None = None) -> int:
    """The command line of an excerpt script: read SOURCE, write ``out``."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0] if doc else None)
    if default is None:
        parser.add_argument("source", type=Path)
    else:
        parser.add_argument("source", nargs="?", type=Path, default=default)
    source: Path = parser.parse_args().source
    if not source.is_file():
        print(f"{source}: no such file", file=sys.stderr)
        return 2
    out.write_text(make(source.read_text(encoding="utf-8")), encoding="utf-8")
    print(f"wrote {out.relative_to(root)}")
    return 0
