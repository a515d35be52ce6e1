"""Regenerate the bundled demo data in cmlreport/demo_data/ (deterministic: fixed seeds).

The data tells the story a reviewer meets in real projects: a text classifier over a few hundred
subreddit-like labels is retrained after a burst of political news, and each part of the report
has something to say about it:

- eval accuracy went up, 0.9123 -> 0.9187, but on 500 examples that is within noise;
- accuracy on 20,000 fresh examples fell 0.8512 -> 0.8306: a real regression, and the gate that
  fails (recall on fresh data fell too, 0.40 -> 0.25);
- top-1 confidence on new data drifted (mean 0.549 on the test set, about 0.50 on new data);
- the retrained model is overconfident where the base was calibrated;
- on the 1,600 paired test examples, overall accuracy moved within noise, but the examples from
  the news burst (``period=news_burst``) lost: politics read as news, and news as politics.

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


Example = tuple[str, str, str, float]  # period, actual, predicted, top-1 score
BURST_SHARE = 0.25  # of the test examples, collected during the news burst
BURST_LABELS = {"politics": "news", "news": "politics"}  # what each is mistaken for


def _predict(rng: random.Random, actual: str, right: bool, confused: bool) -> str:
    if right:
        return actual
    if confused:
        return BURST_LABELS[actual]
    return rng.choice([c for c in COARSE if c != actual])


def predictions(rng: random.Random, n: int = 1600) -> tuple[list[Example], list[Example]]:
    """Head and base on the same examples in the same order (the report pairs them row by row).

    The base model is calibrated: an example's top-1 score is its chance of being right. The
    retrained model is a little better before the burst, much worse on the burst's political
    examples, and its scores run about 0.06 above its accuracy (overconfident)."""
    head: list[Example] = []
    base: list[Example] = []
    for _ in range(n):
        period = "news_burst" if rng.random() < BURST_SHARE else "before_burst"
        actual = rng.choice(COARSE)
        hit = actual in BURST_LABELS and period == "news_burst"
        base_score = min(0.999, rng.betavariate(8.8, 1.2))
        base_right = rng.random() < base_score
        base.append((period, actual, _predict(rng, actual, base_right, False), base_score))
        head_score = min(0.999, rng.betavariate(9.5, 0.5))
        chance = head_score - (0.55 if hit else 0.04)
        head_right = rng.random() < chance
        head.append((period, actual, _predict(rng, actual, head_right, hit), head_score))
    return head, base


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
            "support": 500,
        },
        "fresh": {"accuracy": 0.8512, "recall": 0.40, "support": 20000},
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
            "support": 500,
        },
        "fresh": {"accuracy": 0.8306, "recall": 0.25, "support": 20000},
        "perf": {"latency_ms": 13.1, "train_time_s": 845},
        "model": {"name": "distilbert-base", "params_m": 66.9},
    }
    for side, metrics in (("base", base_metrics), ("head", head_metrics)):
        (OUT / side / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    write_csv(OUT / "base" / "train_log.csv", training_log(rng, 0.9, 0.30))
    write_csv(OUT / "head" / "train_log.csv", training_log(rng, 1.1, 0.27))
    for name, mean in (("confidence_test.csv", 0.549), ("confidence_new.csv", 0.50)):
        write_csv(OUT / "head" / name, [{"score": c} for c in confidences(rng, mean)])
    # Their own generator: the files above stay as they were before predictions existed.
    head, base = predictions(random.Random("demo predictions"))
    for side, rows in (("head", head), ("base", base)):
        write_csv(
            OUT / side / "predictions.csv",
            [
                {"period": g, "actual": a, "predicted": p, "score": round(c, 4)}
                for g, a, p, c in rows
            ],
        )


if __name__ == "__main__":
    main()
