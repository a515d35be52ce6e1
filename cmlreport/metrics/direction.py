"""Which way is better for a metric: from flags, then config, then a name heuristic."""

from __future__ import annotations

import fnmatch
import functools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import Enum


class Direction(str, Enum):
    HIGHER = "higher"
    LOWER = "lower"
    # A count or an index (support, epoch, n_samples): shown, but never better or worse.
    COUNTER = "counter"


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
        "gap",  # groups.<column>.<metric>.gap: the spread between groups
    }
)
# A leaf whose last token is one of these counts things or says where a run is, unless a rate
# ("samples_per_second") or a lower-is-better token ("loss_step") says otherwise.
_COUNTER_TOKENS = frozenset(
    {
        "support",
        "count",
        "counts",
        "step",
        "steps",
        "epoch",
        "epochs",
        "iter",
        "iters",
        "iteration",
        "iterations",
        "flos",
        "samples",
        "examples",
        "instances",
        "images",
        "tokens",
        "rows",
        "batches",
        "index",
        "idx",
        "timestamp",
        "fold",
        "trial",
        "seed",
        "version",
    }
)
# A first token that makes the name a count of what follows: n_samples, num_epochs, nb_classes.
_COUNT_OF = frozenset({"n", "num", "number", "nb"})
_RATE_TOKENS = frozenset({"per", "rate", "ratio", "frac", "fraction", "pct", "percent"})
_TOKEN_SPLIT = re.compile(r"[^0-9a-zA-Z]+")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def guess_direction(key: str) -> Direction:
    """Heuristic on the last dotted segment: ``val_loss``, ``inference_time`` are lower;
    ``support``, ``epoch``, ``n_samples``, ``total_flos`` are counters."""
    return _guess_leaf(key.rpartition(".")[2].rpartition(":")[2])


@functools.lru_cache(maxsize=65_536)
def _guess_leaf(leaf: str) -> Direction:
    # Cached by leaf: 100k keys share a few hundred leaves (f1, support, loss...).
    tokens = [t.lower() for t in _TOKEN_SPLIT.split(_CAMEL.sub("_", leaf)) if t]
    if _LOWER_TOKENS.intersection(tokens):
        return Direction.LOWER
    if tokens and not _RATE_TOKENS.intersection(tokens):
        counted = len(tokens) > 1 and tokens[0] in _COUNT_OF and tokens[1].isalpha()
        if tokens[-1] in _COUNTER_TOKENS or counted:
            return Direction.COUNTER
    return Direction.HIGHER


@dataclass(frozen=True)
class DirectionRule:
    pattern: str  # exact key or fnmatch glob
    direction: Direction

    def matches(self, key: str) -> bool:
        if key == self.pattern or fnmatch.fnmatchcase(key, self.pattern):
            return True
        # A key two files hold is ``path:key``: a rule naming the key holds in every file.
        _, sep, tail = key.partition(":")
        return bool(sep) and (tail == self.pattern or fnmatch.fnmatchcase(tail, self.pattern))


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

    @property
    def lookup(self) -> Callable[[str], Direction]:
        """``of``, as the cheapest callable: the guess alone when there is no rule."""
        return self.of if self.rules else guess_direction

    def of(self, key: str) -> Direction:
        for rule in self.rules:
            if rule.matches(key):
                return rule.direction
        return guess_direction(key)


def _is_glob(pattern: str) -> bool:
    return any(ch in pattern for ch in "*?[")
