"""Write tests/data/predictions/{base,head}.csv: a realistic, seeded sample of per-example
predictions for the predictions tests and the README examples.

A topic classifier over 8 subreddit-like labels, 2,000 test examples with ids and the top-1
confidence. The base model is right about 78 % of the time. The head model, retrained, mostly
agrees with it: it fixes some of base's errors on every label but `politics`, where it breaks
a third of what base got right (a burst of news it was not trained on). Overall a little worse,
within noise; `politics` clearly worse. The same ids in both files, so the report pairs them.
Run: python scripts/make_predictions_sample.py
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
    base_rng, head_rng = random.Random("base-12"), random.Random("head-12")
    base = [_predict(base_rng, truth, 0.78) for truth in truths]
    head = []
    for truth, (pred, score) in zip(truths, base, strict=True):
        if truth == "politics" and pred == truth and head_rng.random() < 1 / 3:
            head.append(_predict(head_rng, truth, 0.0))
        elif truth != "politics" and pred != truth and head_rng.random() < 0.14:
            head.append(_predict(head_rng, truth, 1.0))
        else:
            head.append((pred, score))
    for side, rows in (("base", base), ("head", head)):
        with (OUT / f"{side}.csv").open("w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out)
            writer.writerow(["id", "y_true", "y_pred", "confidence"])
            for number, (truth, (pred, score)) in enumerate(zip(truths, rows, strict=True), 1):
                writer.writerow([f"ex{number:05d}", truth, pred, score])


if __name__ == "__main__":
    main()
