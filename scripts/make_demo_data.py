"""Regenerate the bundled demo data in cmlreport/demo_data/ (deterministic: fixed seed).

The data tells the story a reviewer meets in real projects: a text classifier over a few hundred
subreddit-like labels is retrained; headline accuracy improves a little, but recall on fresh data
drops from 0.40 to 0.25, a burst of political news moves a handful of labels a lot, and the model's
top-1 confidence on new data has drifted down (mean 0.549 on the test set vs 0.531 on new data).

Run: python scripts/make_demo_data.py
"""

from __future__ import annotations

import csv
import json
import math
import random
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "cmlreport" / "demo_data"
TOPICS = [
    "aww",
    "askscience",
    "astronomy",
    "baking",
    "bicycling",
    "biology",
    "boardgames",
    "books",
    "camping",
    "chess",
    "coffee",
    "cooking",
    "cpp",
    "cycling",
    "dataisbeautiful",
    "diy",
    "economics",
    "electronics",
    "fitness",
    "gardening",
    "golang",
    "guitar",
    "history",
    "homelab",
    "investing",
    "javascript",
    "jazz",
    "learnpython",
    "linux",
    "machinelearning",
    "math",
    "movies",
    "music",
    "nba",
    "news",
    "nfl",
    "philosophy",
    "photography",
    "physics",
    "podcasts",
    "politics",
    "programming",
    "python",
    "running",
    "rust",
    "science",
    "soccer",
    "space",
    "sysadmin",
    "tea",
    "technology",
    "tennis",
    "travel",
    "ukraine",
    "woodworking",
    "worldnews",
    "writing",
    "yoga",
    "zelda",
    "3dprinting",
]
SUFFIXES = ["", "_talk", "_help", "_news", "_memes", "_pics", "_jobs"]
# A burst of political news: these labels swing far beyond the usual +-20 %.
SWINGS = {
    "politics": -0.31,
    "worldnews": -0.27,
    "news": -0.22,
    "ukraine": -0.24,
    "politics_talk": -0.18,
    "economics_news": -0.15,
    "machinelearning": 0.21,
    "python_help": 0.17,
    "space_news": 0.16,
}
COARSE = ["politics", "sports", "science", "tech", "arts", "hobbies", "news", "finance"]


def labels() -> list[str]:
    return [f"{t}{s}" for t in TOPICS for s in SUFFIXES][:400]


def per_class(rng: random.Random) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    base_rows, head_rows = [], []
    for label in labels():
        support = max(3, int(math.exp(rng.gauss(4.6, 1.0))))
        f1 = min(0.99, max(0.05, rng.gauss(0.82, 0.09)))
        rel = SWINGS.get(label, rng.gauss(0.0, 0.07))
        head_f1 = min(0.995, max(0.01, f1 * (1 + rel) if label not in SWINGS else f1 + rel))
        for rows, value in ((base_rows, f1), (head_rows, head_f1)):
            precision = min(0.999, max(0.01, value + rng.gauss(0.01, 0.02)))
            # F1 = 2PR / (P + R)  =>  R = F1 * P / (2P - F1)
            denom = 2 * precision - value
            recall = min(0.999, max(0.01, value * precision / denom if denom > 0 else value))
            rows.append(
                {
                    "label": label,
                    "precision": round(precision, 4),
                    "recall": round(recall, 4),
                    "f1": round(value, 4),
                    "support": support,
                }
            )
    return base_rows, head_rows


def training_log(rng: random.Random, speed: float, floor: float) -> list[dict[str, object]]:
    rows = []
    for step in range(0, 3001, 50):
        t = step / 3000
        loss = floor + 2.2 * math.exp(-speed * 6 * t) + rng.gauss(0, 0.015)
        val = floor + 0.04 + 2.2 * math.exp(-speed * 5.5 * t) + rng.gauss(0, 0.02)
        acc = min(0.99, 0.35 + 0.58 * (1 - math.exp(-speed * 5 * t)) + rng.gauss(0, 0.006))
        rows.append(
            {
                "step": step,
                "loss": round(loss, 4),
                "val_loss": round(val, 4),
                "accuracy": round(acc, 4),
            }
        )
    return rows


def confidences(rng: random.Random, mean: float, n: int = 2000) -> list[float]:
    # Beta(a, b) has mean a / (a + b); pick a+b = 10 for a realistic spread, then
    # shift so the sample mean is exactly the story's figure.
    draws = [rng.betavariate(mean * 10, (1 - mean) * 10) for _ in range(n)]
    shift = mean - sum(draws) / n
    return [round(min(1.0, max(0.0, d + shift)), 4) for d in draws]


def predictions(rng: random.Random, n: int = 1600) -> list[tuple[str, str]]:
    out = []
    for _ in range(n):
        actual = rng.choice(COARSE)
        if rng.random() < 0.86:
            predicted = actual
        elif actual == "politics":
            predicted = "news"  # the confusion the political burst causes
        else:
            predicted = rng.choice(COARSE)
        out.append((actual, predicted))
    return out


def base_predictions(rng: random.Random, head: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The base model on the same examples, in the same order (so the report pairs them row by
    row): as often right elsewhere, but not yet confusing politics with news."""
    out = []
    for actual, _ in head:
        right = rng.random() < (0.9 if actual == "politics" else 0.86)
        out.append((actual, actual if right else rng.choice(COARSE)))
    return out


def write_csv(path: Path, rows: list[dict[str, object]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def main() -> None:
    rng = random.Random(20261128)
    for side in ("base", "head"):
        (OUT / side).mkdir(parents=True, exist_ok=True)
    base_rows, head_rows = per_class(rng)
    write_csv(OUT / "base" / "per_class.csv", base_rows)
    write_csv(OUT / "head" / "per_class.csv", head_rows)
    base_metrics = {
        "eval": {
            "accuracy": 0.9123,
            "f1_macro": 0.8741,
            "precision_macro": 0.8812,
            "recall_macro": 0.8690,
            "loss": 0.3121,
        },
        "fresh": {"accuracy": 0.8512, "recall": 0.40},
        "drift": {"confidence_mean_test": 0.549},
        "perf": {"latency_ms": 12.4, "train_time_s": 812},
        "model": {"name": "distilbert-base", "params_m": 66.9},
    }
    head_metrics = {
        "eval": {
            "accuracy": 0.9187,
            "f1_macro": 0.8815,
            "precision_macro": 0.8874,
            "recall_macro": 0.8761,
            "loss": 0.2874,
            "auc": 0.9702,
        },
        "fresh": {"accuracy": 0.8306, "recall": 0.25},
        "drift": {"confidence_mean_test": 0.549, "confidence_mean_new": 0.531},
        "perf": {"latency_ms": 13.1, "train_time_s": 845},
        "model": {"name": "distilbert-base", "params_m": 66.9},
    }
    for side, metrics in (("base", base_metrics), ("head", head_metrics)):
        (OUT / side / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    write_csv(OUT / "base" / "train_log.csv", training_log(rng, 0.9, 0.30))
    write_csv(OUT / "head" / "train_log.csv", training_log(rng, 1.1, 0.27))
    for name, mean in (("confidence_test.csv", 0.549), ("confidence_new.csv", 0.531)):
        write_csv(OUT / "head" / name, [{"confidence": c} for c in confidences(rng, mean)])
    head_predictions = predictions(rng)
    write_csv(
        OUT / "head" / "predictions.csv",
        [{"actual": a, "predicted": p} for a, p in head_predictions],
    )
    # Its own generator: the files above stay as they were before base predictions existed.
    base = base_predictions(random.Random("demo base predictions"), head_predictions)
    write_csv(OUT / "base" / "predictions.csv", [{"actual": a, "predicted": p} for a, p in base])


if __name__ == "__main__":
    main()
