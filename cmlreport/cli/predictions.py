"""The `report` flags for per-example predictions and their noise (intervals, --significant)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

FEWEST_RESAMPLES = 100  # the 2.5th and 97.5th percentiles of fewer draws are one or two draws


def _enough_resamples(ctx: click.Context, param: click.Parameter, value: int) -> int:
    # --resamples 1 gave a "95 % interval" of one point that called every delta significant.
    if 0 < value < FEWEST_RESAMPLES:
        raise click.BadParameter(
            f"{value}: give 0 (no bootstrap) or at least {FEWEST_RESAMPLES}; fewer resamples make "
            "no 95 % interval"
        )
    return value


F = TypeVar("F", bound=Callable[..., Any])


def _column(flag: str, what: str, usual: str) -> Callable[[F], F]:
    return click.option(
        flag, metavar="COLUMN", help=f"The predictions file's {what} column (default: {usual})."
    )


_OPTIONS = [
    click.option(
        "--predictions",
        metavar="FILE",
        help="Per-example predictions (CSV, TSV, JSON lines or Parquet: true and predicted label, "
        "optionally id, score or proba_<class> columns): adds predictions.accuracy, "
        "predictions.f1_macro... with 95 % intervals, and the per-class table.",
    ),
    click.option(
        "--base-predictions",
        metavar="FILE",
        help="The base run's predictions (default: the --predictions file at the base revision).",
    ),
    _column("--true-column", "true label", "y_true, label, target, actual, in any case"),
    _column("--pred-column", "predicted label", "y_pred, prediction, predicted, in any case"),
    _column("--score-column", "top-1 score", "score, confidence"),
    _column("--id-column", "example id", "id; with ids in both files, examples pair by id"),
    click.option(
        "--slice-by",
        multiple=True,
        metavar="COLUMN",
        help="A group column of the predictions file (region, subreddit...): the metrics per "
        "group and the gap between groups as groups.COLUMN.accuracy.gap (lower is better, "
        "e.g. --fail-if 'groups.region.accuracy.gap > 0.1'). Repeatable.",
    ),
    click.option(
        "--resamples",
        type=click.IntRange(min=0, max=10_000),
        default=1000,
        show_default=True,
        callback=_enough_resamples,
        help="Bootstrap resamples for the intervals: 0 (no bootstrap) or 100 to 10,000.",
    ),
    click.option(
        "--seed",
        type=click.IntRange(min=0),
        default=0,
        show_default=True,
        help="Bootstrap seed: the same seed gives the same intervals.",
    ),
    click.option(
        "--significant",
        is_flag=True,
        help="Regression gates fail only on a significant regression: one whose 95 % "
        "interval of the delta lies wholly on the worse side (McNemar's test for accuracy).",
    ),
]


def predictions_options(func: F) -> F:
    for decorator in reversed(_OPTIONS):
        func = decorator(func)
    return func
