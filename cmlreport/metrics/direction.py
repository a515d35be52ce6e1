"""Which way is better for a metric: from flags, then config, then a name heuristic."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import Enum


class Direction(str, Enum):
    HIGHER = "higher"
    LOWER = "lower"


# Tokens (split on anything that is not a letter or digit) that mark a lower-is-better metric.
_LOWER_TOKENS = frozenset(
    {
        "loss",
        "error",
        "errors",
        "err",
        "mae",
        "mse",
        "rmse",
        "mape",
        "smape",
        "rmsle",
        "latency",
        "perplexity",
        "ppl",
        "wer",
        "cer",
        "fpr",
        "fnr",
        "far",
        "frr",
        "eer",
        "duration",
        "runtime",
        "time",
        "seconds",
        "secs",
        "sec",
        "ms",
        "logloss",
        "nll",
        "brier",
        "ece",
        "hamming",
        "cost",
        "regret",
    }
)
_TOKEN_SPLIT = re.compile(r"[^0-9a-zA-Z]+")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def guess_direction(key: str) -> Direction:
    """Heuristic on the last dotted segment: ``val_loss``, ``inference_time`` are lower."""
    leaf = key.rsplit(".", 1)[-1]
    tokens = {t.lower() for t in _TOKEN_SPLIT.split(_CAMEL.sub("_", leaf)) if t}
    return Direction.LOWER if tokens & _LOWER_TOKENS else Direction.HIGHER


@dataclass(frozen=True)
class DirectionRule:
    pattern: str  # exact key or fnmatch glob
    direction: Direction

    def matches(self, key: str) -> bool:
        return key == self.pattern or fnmatch.fnmatchcase(key, self.pattern)


@dataclass(frozen=True)
class Directions:
    """Ordered rules: the first that matches wins; exact keys are tried before globs."""

    rules: tuple[DirectionRule, ...] = field(default_factory=tuple)

    @classmethod
    def from_patterns(cls, higher: Iterable[str] = (), lower: Iterable[str] = ()) -> Directions:
        rules = [DirectionRule(p, Direction.HIGHER) for p in higher]
        rules += [DirectionRule(p, Direction.LOWER) for p in lower]
        exact = [r for r in rules if not _is_glob(r.pattern)]
        globs = [r for r in rules if _is_glob(r.pattern)]
        return cls(tuple(exact + globs))

    def then(self, fallback: Directions) -> Directions:
        """Rules of ``self`` take precedence (flags before config)."""
        return Directions(self.rules + fallback.rules)

    def of(self, key: str) -> Direction:
        for rule in self.rules:
            if rule.matches(key):
                return rule.direction
        return guess_direction(key)


def _is_glob(pattern: str) -> bool:
    return any(ch in pattern for ch in "*?[")
