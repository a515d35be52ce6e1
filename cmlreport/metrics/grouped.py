"""A two-level metrics document's scalars as a flat mapping, without flattening it.

Pure. ``{"train": {"loss": 0.2}, "acc": 0.9}`` flattens (``documents``) to ``train.loss`` and
``acc``; when a document is only that (text keys; values plain scalars or mappings of text keys
to plain scalars), ``GroupedScalars`` answers as the flat dict would, in the same order, while
holding the decoded document itself. A million-key file then costs its parse, not a million
joined keys and a million-entry dict per revision, and ``diff_metrics`` compares the two
revisions group by group (two equal groups are one C-speed comparison).
"""

from __future__ import annotations

from collections.abc import ItemsView, Iterator, Mapping, ValuesView
from typing import Any

from cmlreport.metrics.model import Scalar

# int is not here: an integer is checked (too long, a counter) by the key-by-key walk.
_PLAIN = frozenset({float, str, bool, type(None)})


class GroupedScalars(Mapping[str, Scalar]):
    """``top.leaf`` for each leaf of a top-level mapping, ``top`` for a top-level scalar.

    No top-level key holds a ``.``, so the first ``.`` of a flat key splits it back into the
    two: no two entries can share a flat name (the walk would refuse such a file).
    """

    def __init__(self, document: Mapping[str, Any], size: int, has_bool: bool) -> None:
        self.document, self.size, self.has_bool = document, size, has_bool

    def __getitem__(self, key: str) -> Scalar:
        if type(key) is not str:
            raise KeyError(key)
        top, dot, leaf = key.partition(".")
        value = self.document[top]
        if type(value) is dict:
            if dot:
                found: Scalar = value[leaf]
                return found
        elif not dot:
            scalar: Scalar = value
            return scalar
        raise KeyError(key)

    def __contains__(self, key: object) -> bool:
        if type(key) is not str:
            return False
        top, dot, leaf = key.partition(".")
        value = self.document.get(top, _ABSENT)
        if type(value) is dict:
            return bool(dot) and leaf in value
        return value is not _ABSENT and not dot

    def __iter__(self) -> Iterator[str]:
        for top, value in self.document.items():
            if type(value) is dict:
                yield from map(f"{top}.".__add__, value)
            else:
                yield top

    def __len__(self) -> int:
        return self.size

    def items(self) -> ItemsView[str, Scalar]:
        return _Items(self)  # a merge of several files reads every pair: not a lookup each

    def values(self) -> ValuesView[Scalar]:
        return _Values(self)

    def pairs(self) -> Iterator[tuple[str, Scalar]]:
        for top, value in self.document.items():
            if type(value) is dict:
                yield from zip(map(f"{top}.".__add__, value), value.values(), strict=True)
            else:
                yield top, value

    def groups(self) -> Iterator[tuple[str, Mapping[str, Scalar]]]:
        """(prefix, leaves) in document order; a top-level scalar is its own group under ``""``
        (its flat key is the prefix plus its name either way)."""
        for top, value in self.document.items():
            if type(value) is dict:
                yield f"{top}.", value
            else:
                yield "", {top: value}

    def group(self, prefix: str) -> Mapping[str, Scalar] | None:
        """The leaves under ``prefix`` (``"train."``), None when there is no such group."""
        value = self.document.get(prefix[:-1])
        return value if type(value) is dict else None


class _Items(ItemsView[str, Scalar]):
    _mapping: GroupedScalars

    def __iter__(self) -> Iterator[tuple[str, Scalar]]:
        return self._mapping.pairs()


class _Values(ValuesView[Scalar]):
    _mapping: GroupedScalars

    def __iter__(self) -> Iterator[Scalar]:
        return (value for _, value in self._mapping.pairs())


def grouped_scalars(document: Mapping[Any, Any], limit: int) -> GroupedScalars | None:
    """The document's scalars when it has the two-level shape (see the module), and the walk
    would visit at most ``limit`` values; None when it must be walked key by key."""
    if type(document) is not dict or not _TEXT.issuperset(map(type, document)):
        return None
    size = visited = len(document)
    has_bool = False
    for top, value in document.items():
        if "." in top:
            return None
        kind = type(value)
        if kind is dict:
            types = set(map(type, value.values()))
            if not _PLAIN.issuperset(types) or not _TEXT.issuperset(map(type, value)):
                return None
            size += len(value) - 1
            visited += len(value)
            has_bool = has_bool or bool in types
        elif kind in _PLAIN:
            has_bool = has_bool or kind is bool
        else:
            return None
    if visited > limit:
        return None  # the walk names the limit
    return GroupedScalars(document, size, has_bool)


_TEXT = frozenset({str})
_ABSENT: Any = object()
