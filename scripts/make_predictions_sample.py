"""Write tests/data/predictions/{base,head}.csv: a realistic, seeded sample of per-example
predictions for the predictions tests and the README examples.

A topic classifier over 8 subreddit-like labels, 2,000 test examples with ids and the top-1
confidence. The base model is right about 78 % of the time; the head model is a little better
on most labels and clearly worse on `politics` (a burst of news it was not trained on). The
same ids in both files, so the report pairs them. Run: python scripts/make_predictions_sample.py
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "predictions"
LABELS = ("askscience", "books", "gaming", "movies", "music", "politics", "soccer", "worldnews")
EXAMPLES = 2000


def _predict(rng: random.Random, truth: str, right: float) -> tuple[str, float]:
    if rng.random() < right:
        return truth, round(min(0.99, rng.betavariate(8, 2)), 4)
    wrong = rng.choice([label for label in LABELS if label != truth])
    return wrong, round(rng.betavariate(3, 3), 4)


def main() -> None:
    rng = random.Random(12)
    truths = [rng.choice(LABELS) for _ in range(EXAMPLES)]
    OUT.mkdir(parents=True, exist_ok=True)
    for side, shift in (("base", 0.0), ("head", 0.02)):
        side_rng = random.Random(f"{side}-12")
        with (OUT / f"{side}.csv").open("w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out)
            writer.writerow(["id", "y_true", "y_pred", "confidence"])
            for number, truth in enumerate(truths, start=1):
                right = 0.78 + shift
                if side == "head" and truth == "politics":
                    right = 0.55
                pred, score = _predict(side_rng, truth, right)
                writer.writerow([f"ex{number:05d}", truth, pred, score])


if __name__ == "__main__":
    main()
