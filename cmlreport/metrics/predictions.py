"""Per-example predictions (``--predictions FILE``): which column is what, checked and encoded.

Pure: text in, a ``Predictions`` out. Column names are matched ignoring case: the true label
(``y_true``, ``label``, ``target``, ``actual``...), the predicted one (``y_pred``,
``prediction``, ``predicted``...), optionally a top-1 score (``score``, ``confidence``) or one
probability per class (``proba_<class>``), and an example id (``id``); flags name any other
column. Labels are text as written, except that labels that are all numbers are read as numbers
(``1``, ``1.0`` and ``01`` are one class, as pandas and scikit-learn see them: pandas writes
``1.0`` for an integer column that holds a gap); classes are the sorted labels seen in either
column.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from cmlreport.errors import InputError
from cmlreport.metrics.limits import shown_key
from cmlreport.metrics.prediction_rows import RawColumns, read_columns

TRUE_COLUMNS = ("y_true", "label", "target", "actual", "true", "true_label", "ground_truth")
PRED_COLUMNS = ("y_pred", "prediction", "predicted", "pred", "predicted_label")
SCORE_COLUMNS = ("score", "confidence")
ID_COLUMNS = ("id", "example_id")
PROBA_PREFIX = "proba_"
# More classes than this is a column of ids or scores taken for labels, not a classifier's
# output (the largest real case we know has 4,000 labels).
MAX_CLASSES = 20_000

Codes = npt.NDArray[np.int32]


@dataclass(frozen=True)
class ColumnFlags:
    """Columns the user named: ``--true-column``, ``--pred-column``, ``--score-column``,
    ``--id-column``; None means "find it by its usual names"."""

    true: str | None = None
    pred: str | None = None
    score: str | None = None
    id: str | None = None
    slice_by: tuple[str, ...] = ()  # --slice-by: group columns, each matched ignoring case


@dataclass(frozen=True)
class Predictions:
    """One run's predictions: class codes into ``classes``, in the file's row order."""

    source: str
    classes: tuple[str, ...]
    true: Codes
    pred: Codes
    columns: tuple[str, str]  # the true and predicted columns as the file names them
    ids: tuple[str, ...] | None = None
    scores: npt.NDArray[np.float64] | None = None  # top-1 score per example
    proba: npt.NDArray[np.float64] | None = None  # (examples, len(proba_classes))
    proba_classes: tuple[str, ...] = ()
    # Each --slice-by flag found here (lower case) to its column as the file names it and the
    # group of every example ("" for an empty cell); a flag this file lacks is not a key.
    groups: Mapping[str, tuple[str, list[str]]] = field(default_factory=dict)

    @property
    def examples(self) -> int:
        return len(self.true)


def _find(
    path: str, header: Sequence[str], flag: str, wanted: str | None, usual: Sequence[str]
) -> str | None:
    by_lower = {c.lower(): c for c in header}
    if wanted is not None:
        if wanted.lower() not in by_lower:
            shown = ", ".join(f"'{shown_key(c)}'" for c in header[:12])
            raise InputError(
                f"{path}: {flag} '{shown_key(wanted)}': no such column (columns: {shown})"
            )
        return by_lower[wanted.lower()]
    return next((by_lower[name] for name in usual if name in by_lower), None)


@dataclass(frozen=True)
class _Roles:
    true: str
    pred: str
    score: str | None
    id: str | None
    proba: tuple[str, ...]
    groups: dict[str, str] = field(default_factory=dict)  # --slice-by (lower case) -> column

    def columns(self) -> list[str]:
        named = [self.true, self.pred, self.score, self.id]
        found = [c for c in named if c is not None] + list(self.proba)
        return found + [c for c in dict.fromkeys(self.groups.values()) if c not in found]


def _roles(path: str, header: Sequence[str], flags: ColumnFlags) -> _Roles:
    true = _find(path, header, "--true-column", flags.true, TRUE_COLUMNS)
    pred = _find(path, header, "--pred-column", flags.pred, PRED_COLUMNS)
    for what, found, usual, flag in (
        ("true label", true, TRUE_COLUMNS, "--true-column"),
        ("predicted label", pred, PRED_COLUMNS, "--pred-column"),
    ):
        if found is None:
            raise InputError(
                f"{path}: no {what} column; name one {', '.join(usual[:4])} (any case) or "
                f"give {flag} COLUMN"
            )
    assert true is not None and pred is not None
    if true == pred:
        raise InputError(f"{path}: column '{shown_key(true)}' cannot be both labels")
    proba = tuple(c for c in header if c.lower().startswith(PROBA_PREFIX))
    score = _find(path, header, "--score-column", flags.score, SCORE_COLUMNS)
    by_lower = {c.lower(): c for c in header}
    groups = {f.lower(): by_lower[f.lower()] for f in flags.slice_by if f.lower() in by_lower}
    for flag, column in groups.items():
        if column in (true, pred):
            raise InputError(
                f"{path}: --slice-by '{shown_key(flag)}' is the label column "
                f"'{shown_key(column)}'; the per-class table already slices by label"
            )
    return _Roles(
        true, pred, score, _find(path, header, "--id-column", flags.id, ID_COLUMNS), proba, groups
    )


def parse_predictions(
    path: str, text: str | bytes, flags: ColumnFlags | None = None
) -> Predictions:
    """The predictions in ``text`` (bytes: a Parquet file); ``path`` names the file in
    messages."""
    flags = flags or ColumnFlags()
    roles: list[_Roles] = []

    def pick(header: Sequence[str]) -> list[str]:
        roles.append(_roles(path, header, flags))
        return roles[0].columns()

    raw = read_columns(path, text, pick)
    role = roles[0]
    if not raw.lines:
        raise InputError(f"{path}: no data rows; write one row per example under the header")
    true, pred = numeric_labels(_labels(raw, role.true), _labels(raw, role.pred))
    true_classes = set(true)
    classes = tuple(sorted(true_classes | set(pred)))
    _check_classes(path, role, classes, true, len(true_classes))
    index = {label: code for code, label in enumerate(classes)}
    (suffixes,) = numeric_labels([c[len(PROBA_PREFIX) :] for c in role.proba])
    proba_classes = tuple(suffixes)
    if role.proba:
        _check_proba_classes(path, role, proba_classes, index)
    return Predictions(
        source=path,
        classes=classes,
        true=np.fromiter(map(index.__getitem__, true), dtype=np.int32, count=len(true)),
        pred=np.fromiter(map(index.__getitem__, pred), dtype=np.int32, count=len(pred)),
        columns=(role.true, role.pred),
        ids=_ids(raw, role.id) if role.id else None,
        scores=_numbers(raw, role.score) if role.score else None,
        proba=np.column_stack([_numbers(raw, c) for c in role.proba]) if role.proba else None,
        proba_classes=proba_classes,
        groups={f: (c, _group_values(raw, c)) for f, c in role.groups.items()},
    )


def _where(raw: RawColumns, row: int, column: str) -> str:
    return f"{raw.path}: {raw.row_word} {raw.lines[row]} column '{shown_key(column)}'"


def _labels(raw: RawColumns, column: str) -> list[str]:
    cells = raw.cells[column]
    if raw.text_only and None not in cells:
        return cells  # type: ignore[return-value]  # text_only, and no None: all str
    out: list[str] = []
    for row, cell in enumerate(cells):
        if cell is None:
            raise InputError(f"{_where(raw, row, column)} is empty; every example needs a label")
        if isinstance(cell, float):
            if math.isnan(cell) or math.isinf(cell):
                raise InputError(f"{_where(raw, row, column)} is {cell}, not a label")
            cell = repr(cell)
        out.append(cell)
    return out


_INTEGER = re.compile(r"[+-]?[0-9]+")
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def numeric_labels(*columns: list[str]) -> tuple[list[str], ...]:
    """``columns`` with each number written one way (``1.0``, ``01`` and ``+1`` as ``1``) when
    every label in them is a number; labels beside any other text stay as written (``01`` and
    ``1`` may then be two codes), in every column alike so that they still match."""
    distinct = set().union(*columns)  # a few thousand classes at most, however many rows
    if not all(_DECIMAL.fullmatch(label) for label in distinct):
        return columns
    canonical = {label: _number_text(label) for label in distinct}
    if all(label == text for label, text in canonical.items()):
        return columns
    return tuple([canonical[label] for label in column] for column in columns)


def _number_text(label: str) -> str:
    if _INTEGER.fullmatch(label):
        return str(int(label))  # exact however long; a float would round 20-digit ids
    value = float(label)
    if math.isinf(value):
        return label  # 1e999: no number to write it as
    return str(int(value)) if value.is_integer() else repr(value)


def _group_values(raw: RawColumns, column: str) -> list[str]:
    return [c if isinstance(c, str) else "" if c is None else repr(c) for c in raw.cells[column]]


def _check_classes(
    path: str, role: _Roles, classes: tuple[str, ...], true: list[str], true_classes: int
) -> None:
    if len(classes) > MAX_CLASSES:
        raise InputError(
            f"{path}: columns '{shown_key(role.true)}' and '{shown_key(role.pred)}' hold "
            f"{len(classes):,} distinct labels, over the limit of {MAX_CLASSES:,}; is one of "
            "them an id or a score? name the label columns with --true-column/--pred-column"
        )
    if true_classes < 2:
        raise InputError(
            f"{path}: column '{shown_key(role.true)}' holds one class only "
            f"('{shown_key(true[0])}'); a classifier is judged on at least two classes: is it "
            "the true label column?"
        )


def _check_proba_classes(
    path: str, role: _Roles, proba_classes: tuple[str, ...], index: dict[str, int]
) -> None:
    missing = [c for c in index if c not in set(proba_classes)]
    if missing:
        raise InputError(
            f"{path}: class '{shown_key(missing[0])}' of column '{shown_key(role.true)}' or "
            f"'{shown_key(role.pred)}' has no '{PROBA_PREFIX}{shown_key(missing[0])}' column "
            f"({len(missing):,} of {len(index):,} classes lack one); the proba_ columns must "
            "match the classes"
        )


def _ids(raw: RawColumns, column: str) -> tuple[str, ...]:
    ids: list[str] = []
    seen: dict[str, int] = {}
    for row, cell in enumerate(raw.cells[column]):
        if cell is None:
            raise InputError(f"{_where(raw, row, column)} is empty; every example needs an id")
        text = cell if isinstance(cell, str) else repr(cell)
        if text in seen:
            raise InputError(
                f"{_where(raw, row, column)} repeats id '{shown_key(text)}' of {raw.row_word} "
                f"{raw.lines[seen[text]]}; ids must be unique"
            )
        seen[text] = row
        ids.append(text)
    return tuple(ids)


def _numbers(raw: RawColumns, column: str) -> npt.NDArray[np.float64]:
    values = np.empty(len(raw.lines), dtype=np.float64)
    for row, cell in enumerate(raw.cells[column]):
        try:
            value = float(cell) if cell is not None else math.nan
        except ValueError:
            raise InputError(
                f"{_where(raw, row, column)} is '{shown_key(str(cell))}', not a number"
            ) from None
        if not 0.0 <= value <= 1.0:  # NaN fails this too
            problem = "empty or NaN" if math.isnan(value) else f"{value:g}, outside 0..1"
            raise InputError(f"{_where(raw, row, column)} is {problem}; scores are probabilities")
        values[row] = value
    return values
