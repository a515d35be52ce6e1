"""Plots drawn by matplotlib: valid images, the same bytes for the same data, the right labels.

SVG output keeps every drawn string as a ``<!-- text -->`` comment next to its glyph paths,
which lets these tests read titles, legends and cell numbers back out of the image.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import random
import re
import struct
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from cmlreport.errors import InputError
from cmlreport.plots import figures
from cmlreport.plots.curves import Run, panel_lines
from cmlreport.plots.plotdata import ConfusionMatrix, LogTable, parse_log

ROOT = Path(__file__).resolve().parents[2]
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def log(losses: list[float], acc_offset: float = 0.0) -> LogTable:
    rows = tuple(
        (float(step), loss, 1.0 - loss / 2 + acc_offset) for step, loss in enumerate(losses)
    )
    return LogTable(("step", "loss", "acc"), rows, source="train.csv")


HEAD = log([1.0, 0.7, 0.5, 0.4, 0.35])
BASE = log([1.1, 0.9, 0.8, 0.75])
CM = ConfusionMatrix(("cat", "dog", "fox"), ((50, 3, 1), (4, 40, 6), (0, 2, 30)))
_rng = random.Random(7)
DELTAS = [_rng.gauss(0.0, 0.07) for _ in range(4000)]
TEST_SET = [min(1.0, max(0.0, _rng.gauss(0.55, 0.15))) for _ in range(2000)]
NEW_DATA = [min(1.0, max(0.0, _rng.gauss(0.53, 0.17))) for _ in range(800)]

# name -> a call drawing it in a given format; shared with the fresh-process check below.
PLOTS: dict[str, Callable[[str], bytes]] = {
    "curves": lambda fmt: figures.training_curves(HEAD, ["loss", "acc"], base=BASE, fmt=fmt),
    "one_curve": lambda fmt: figures.training_curves(HEAD, ["loss"], base=BASE, fmt=fmt),
    "confusion": lambda fmt: figures.confusion_matrix(CM, fmt=fmt),
    "normalized": lambda fmt: figures.confusion_matrix(CM, normalize=True, fmt=fmt),
    "deltas": lambda fmt: figures.delta_histogram(DELTAS, "f1", threshold=0.15, fmt=fmt),
    "drift": lambda fmt: figures.score_overlay(TEST_SET, NEW_DATA, "test set", "new data", fmt=fmt),
    "changes": lambda fmt: figures.headline_changes(
        ["accuracy", "fresh.recall", "latency"], [2.2, -37.5, 0.0], [True, False, None], fmt=fmt
    ),
}


@functools.cache
def drawn(name: str, fmt: str) -> bytes:
    return PLOTS[name](fmt)


def svg_texts(svg: bytes) -> list[str]:
    return re.findall(r"<!-- (.*?) -->", svg.decode("utf-8"))


def png_size(png: bytes) -> tuple[int, int]:
    width, height = struct.unpack(">II", png[16:24])
    return width, height


def png_text_keys(png: bytes) -> list[bytes]:
    keys, pos = [], 8
    while pos < len(png):
        (length,) = struct.unpack(">I", png[pos : pos + 4])
        kind = png[pos + 4 : pos + 8]
        if kind in (b"tEXt", b"iTXt", b"zTXt"):
            keys.append(png[pos + 8 : pos + 8 + length].split(b"\0", 1)[0])
        pos += 12 + length
    return keys


@pytest.mark.parametrize("name", sorted(PLOTS))
def test_every_plot_is_a_png_without_software_or_date_and_the_same_twice(name: str) -> None:
    first = drawn(name, "png")
    assert first.startswith(PNG_MAGIC)
    assert b"Software" not in png_text_keys(first)
    assert b"Creation Time" not in png_text_keys(first)
    assert PLOTS[name]("png") == first


@pytest.mark.parametrize("name", sorted(PLOTS))
def test_every_plot_is_an_svg_without_date_and_the_same_twice(name: str) -> None:
    first = drawn(name, "svg")
    assert first.startswith(b"<?xml") and b"<svg" in first
    assert b"<dc:date>" not in first and b"Matplotlib v" not in first
    assert PLOTS[name]("svg") == first


def test_a_fresh_process_with_another_hash_seed_draws_the_same_bytes() -> None:
    here = {f"{name}.{fmt}": _sha(drawn(name, fmt)) for name in PLOTS for fmt in ("png", "svg")}
    script = (
        "import hashlib, json\n"
        "from tests.integration.test_plots import PLOTS\n"
        "print(json.dumps({f'{n}.{f}': hashlib.sha256(PLOTS[n](f)).hexdigest()"
        " for n in PLOTS for f in ('png', 'svg')}))\n"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    proc = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert json.loads(proc.stdout) == here


def test_different_data_draws_different_bytes() -> None:
    other_head = log([1.0, 0.7, 0.5, 0.4, 0.30])
    other_cm = ConfusionMatrix(CM.labels, ((50, 3, 1), (4, 40, 6), (0, 3, 29)))
    for fmt in ("png", "svg"):
        assert figures.training_curves(other_head, ["loss"], fmt=fmt) != figures.training_curves(
            HEAD, ["loss"], fmt=fmt
        )
        assert figures.confusion_matrix(other_cm, fmt=fmt) != drawn("confusion", fmt)
        assert figures.delta_histogram(DELTAS[1:], "f1", fmt=fmt) != figures.delta_histogram(
            DELTAS, "f1", fmt=fmt
        )
        assert figures.score_overlay(TEST_SET, NEW_DATA[1:], "a", "b", fmt=fmt) != (
            figures.score_overlay(TEST_SET, NEW_DATA, "a", "b", fmt=fmt)
        )


def test_images_have_a_fixed_size_whatever_the_data() -> None:
    assert png_size(drawn("one_curve", "png")) == png_size(
        figures.training_curves(log([5.0] * 1000), ["loss"], fmt="png")
    )
    assert png_size(drawn("drift", "png")) == png_size(
        figures.score_overlay([0.1], [0.9, 0.8], "a", "b", fmt="png")
    )


def test_importing_the_plots_module_does_not_import_matplotlib() -> None:
    script = (
        "import sys, cmlreport.plots.figures\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('matplotlib', 'numpy')))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert proc.stdout.strip() == "[]"


def test_training_curves_label_head_and_base_per_metric() -> None:
    texts = svg_texts(drawn("curves", "svg"))
    assert {"loss", "acc", "step", "head", "base"} <= set(texts)
    assert texts.count("base") == 2  # one legend per subplot


def test_a_base_run_without_the_metric_leaves_only_head_in_that_subplot() -> None:
    base = LogTable(("step", "loss"), ((0.0, 1.0), (1.0, 0.9)))
    texts = svg_texts(figures.training_curves(HEAD, ["loss", "acc"], base=base, fmt="svg"))
    assert texts.count("head") == 2 and texts.count("base") == 1


def test_drift_overlay_prints_both_means_in_the_legend() -> None:
    texts = svg_texts(drawn("drift", "svg"))
    mean_a = sum(TEST_SET) / len(TEST_SET)
    mean_b = sum(NEW_DATA) / len(NEW_DATA)
    assert f"test set (mean {mean_a:.3f})" in texts
    assert f"new data (mean {mean_b:.3f})" in texts


def test_delta_histogram_counts_classes_past_the_threshold_and_ignores_nan() -> None:
    svg = figures.delta_histogram([*DELTAS, float("nan")], "f1", threshold=0.15, fmt="svg")
    below = sum(d < -0.15 for d in DELTAS)
    above = sum(d > 0.15 for d in DELTAS)
    texts = svg_texts(svg)
    assert "4,000 classes" in texts
    assert f"±0.15 ({below:,} below, {above:,} above)" in texts


def test_small_confusion_matrices_show_their_counts_and_accuracy() -> None:
    texts = svg_texts(drawn("confusion", "svg"))
    assert {"50", "40", "30", "6", "predicted", "actual"} <= set(texts)
    accuracy = (50 + 40 + 30) / sum(map(sum, CM.counts))
    assert f"Confusion matrix (3 labels, accuracy {accuracy:.4f})" in texts
    normalized = svg_texts(drawn("normalized", "svg"))
    assert "0.80" in normalized  # dog: 40 of 50 actual dogs


def test_hundreds_of_labels_draw_no_cell_numbers_and_few_tick_labels() -> None:
    n = 400
    labels = tuple(f"r/subreddit_with_a_long_name_{i}" for i in range(n))
    counts = tuple(tuple(123 if i == j else (i * j) % 3 for j in range(n)) for i in range(n))
    texts = svg_texts(figures.confusion_matrix(ConfusionMatrix(labels, counts), fmt="svg"))
    tick_labels = [t for t in texts if t.startswith("r/")]
    assert 0 < len(tick_labels) <= 2 * 40  # x and y axes
    assert all(len(t) <= 24 for t in tick_labels)
    assert "123" not in texts


def test_headline_changes_label_each_bar_with_its_percentage() -> None:
    texts = svg_texts(drawn("changes", "svg"))
    assert {"accuracy", "fresh.recall", "latency"} <= set(texts)
    assert {"+2.2%", "-37.5%", "+0.0%"} <= set(texts)


def test_unknown_columns_and_formats_are_input_errors() -> None:
    with pytest.raises(InputError, match=r"train\.csv has no column 'f1'"):
        figures.training_curves(HEAD, ["f1"])
    with pytest.raises(InputError, match="unknown plot format 'jpg'"):
        figures.delta_histogram([0.1], "f1", fmt="jpg")


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


DVCLIVE = ROOT / "tests" / "data" / "dvclive-hf" / "plots" / "metrics"


def test_overlaid_logs_share_a_panel_per_metric_each_line_named_by_its_file() -> None:
    # Real dvclive files of one run: train loss on even steps, eval loss on odd ones.
    runs = [
        Run(name, parse_log(name, (DVCLIVE / name).read_text()))
        for name in ("loss.tsv", "eval/loss.tsv")
    ]
    texts = svg_texts(figures.overlaid_curves(runs, ["loss"], fmt="svg"))
    assert texts.count("loss.tsv") == 1 and texts.count("eval/loss.tsv") == 1
    assert "step" in texts and "head" not in texts
    png = figures.overlaid_curves(runs, ["loss"], title="HF run", fmt="png")
    assert png.startswith(PNG_MAGIC) and png_size(png) == (700, 400)


def test_dvclive_columns_named_after_their_file_overlay_by_their_last_part() -> None:
    train = LogTable(("step", "train/loss"), ((0.0, 1.0), (1.0, 0.8)), source="train/loss.tsv")
    val = LogTable(("step", "eval/loss"), ((0.0, 1.1), (1.0, 0.9)), source="eval/loss.tsv")
    base = LogTable(("step", "eval/loss"), ((0.0, 1.2), (1.0, 1.0)))
    runs = [Run("train/loss.tsv", train), Run("eval/loss.tsv", val, base=base)]
    assert [line.label for line in panel_lines(runs, "loss")] == [
        "train/loss.tsv: train/loss",
        "eval/loss.tsv: eval/loss",
        "eval/loss.tsv: eval/loss (base)",
    ]
    texts = svg_texts(figures.overlaid_curves(runs, ["loss"], fmt="svg"))
    assert "eval/loss.tsv: eval/loss (base)" in texts
    with pytest.raises(InputError, match=r"no column 'f1' in any of train/loss.tsv, eval/loss"):
        figures.overlaid_curves(runs, ["f1"])
