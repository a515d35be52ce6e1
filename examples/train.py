"""Train the example topic classifier and write everything cmlreport reads.

    python examples/train.py --seed 0 --out results

writes to ``results/``:

    metrics.json         eval.* (test set), fresh.* (new data; recall is macro), drift.*
    per_class.csv        label,precision,recall,f1,support on the test set
    train_log.csv        step,loss,val_loss,accuracy
    predictions.csv      actual,predicted on the test set (for a confusion matrix)
    confidence_test.csv  top-1 confidence on the test set  } the drift plot
    confidence_new.csv   top-1 confidence on fresh data    }

The same seed always writes the same files, byte for byte (no timings, no dates).
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
from dataset import TOPICS, FloatArray, IntArray, Split, make_dataset
from evaluate import per_class, summarize
from softmax import Model, cross_entropy, features, train

DIGITS = 4  # more would only show noise in a diff


def _r(value: float) -> float:
    return round(value, DIGITS)


def _write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def _evaluate(model: Model, split: Split) -> tuple[IntArray, FloatArray, float]:
    """Predicted topics, top-1 confidences and the loss on one split."""
    probs = model.predict_proba(features(split.counts))
    return probs.argmax(axis=1), probs.max(axis=1), cross_entropy(probs, split.topics)


def run(seed: int, epochs: int, out: Path) -> dict[str, dict[str, object]]:
    data = make_dataset(seed)
    training = train(
        features(data.train.counts),
        data.train.topics,
        features(data.val.counts),
        data.val.topics,
        classes=len(TOPICS),
        rng=np.random.default_rng(seed + 1),
        epochs=epochs,
    )
    model = training.model
    test_pred, test_conf, test_loss = _evaluate(model, data.test)
    fresh_pred, fresh_conf, fresh_loss = _evaluate(model, data.fresh)
    test = summarize(data.test.topics, test_pred, len(TOPICS))
    fresh = summarize(data.fresh.topics, fresh_pred, len(TOPICS))
    metrics: dict[str, dict[str, object]] = {
        "eval": {
            "accuracy": _r(test.accuracy),
            "f1_macro": _r(test.f1_macro),
            "precision_macro": _r(test.precision_macro),
            "recall_macro": _r(test.recall_macro),
            "loss": _r(test_loss),
        },
        "fresh": {
            "accuracy": _r(fresh.accuracy),
            "recall": _r(fresh.recall_macro),
            "f1_macro": _r(fresh.f1_macro),
            "loss": _r(fresh_loss),
        },
        "drift": {
            "confidence_mean_test": _r(float(np.mean(test_conf))),
            "confidence_mean_new": _r(float(np.mean(fresh_conf))),
        },
        # Strings are shown in the report but never diffed: a seed is not "higher is better".
        "model": {"name": "softmax-bow", "params": f"seed={seed} epochs={epochs}"},
    }

    out.mkdir(parents=True, exist_ok=True)
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n", encoding="utf-8")
    scores = per_class(data.test.topics, test_pred, len(TOPICS))
    _write_csv(
        out / "per_class.csv",
        ["label", "precision", "recall", "f1", "support"],
        (
            [t, _r(s.precision), _r(s.recall), _r(s.f1), s.support]
            for t, s in zip(TOPICS, scores, strict=True)
        ),
    )
    _write_csv(
        out / "train_log.csv",
        ["step", "loss", "val_loss", "accuracy"],
        ([r.step, _r(r.loss), _r(r.val_loss), _r(r.accuracy)] for r in training.log),
    )
    _write_csv(
        out / "predictions.csv",
        ["actual", "predicted"],
        ([TOPICS[a], TOPICS[p]] for a, p in zip(data.test.topics, test_pred, strict=True)),
    )
    _write_csv(out / "confidence_test.csv", ["confidence"], ([_r(c)] for c in test_conf))
    _write_csv(out / "confidence_new.csv", ["confidence"], ([_r(c)] for c in fresh_conf))
    return metrics


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=0, help="draws the data and the training")
    parser.add_argument("--epochs", type=_positive, default=15, help="passes over the data")
    parser.add_argument("--out", type=Path, default=Path("results"), help="output folder")
    args = parser.parse_args(argv)
    try:
        metrics = run(args.seed, args.epochs, args.out)
    except OSError as exc:
        print(f"train.py: cannot write to --out {args.out}: {exc.strerror}", file=sys.stderr)
        return 2
    ev, fresh = metrics["eval"], metrics["fresh"]
    print(
        f"wrote {args.out}/: accuracy {ev['accuracy']}, f1_macro {ev['f1_macro']}, "
        f"fresh recall {fresh['recall']}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
