"""The whole flow on bundled example data: no token, no network, no git repository needed."""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from cmlreport.metrics.load import merge_metric_sets, parse_metrics
from cmlreport.metrics.model import MetricSet
from cmlreport.report.build import BuiltReport, ReportOptions, build_report
from cmlreport.report.drift import join_drift
from cmlreport.report.footer import Revisions
from cmlreport.report.jsonview import report_json_beside
from cmlreport.report.predictions import join_runs
from cmlreport.report.runs import Runs

if TYPE_CHECKING:
    from cmlreport.metrics.drift import DriftComparison
    from cmlreport.metrics.significance import PredictionResults

METRIC_FILES = ("metrics.json", "per_class.csv")
# The gates a team would set on this model, judged with --significant: the fresh-data accuracy
# drop is real and fails; the paired test set's accuracy drop is within noise and passes.
DEMO_FAIL_IF = (
    "eval.accuracy < 0.9",
    "eval.f1_macro < 0.85",
    "drift.confidence.score.psi > 0.25",
)
DEMO_FAIL_ON_REGRESSION = ("fresh.accuracy@1%", "predictions.accuracy@1%", "eval.f1_macro@1%")
SLICE_BY = ("period",)  # the test examples from before and during the news burst


@dataclass
class DemoResult:
    report: Path
    html: Path
    json: Path  # what `report --json` writes, for this report
    built: BuiltReport
    plots: list[Path] = field(default_factory=list)


def demo_data() -> Path:
    return Path(str(resources.files("cmlreport") / "demo_data"))


def _load_side(folder: Path) -> MetricSet:
    sets = [
        (name, parse_metrics(name, (folder / name).read_text(encoding="utf-8")))
        for name in METRIC_FILES
    ]
    return merge_metric_sets(sets)


def _draw_plots(data: Path, plot_dir: Path) -> list[Path]:
    from cmlreport.plots import figures, plotdata

    def read(side: str, name: str) -> str:
        return (data / side / name).read_text(encoding="utf-8")

    plot_dir.mkdir(parents=True, exist_ok=True)
    head_log = plotdata.parse_log("train_log.csv", read("head", "train_log.csv"))
    base_log = plotdata.parse_log("train_log.csv", read("base", "train_log.csv"))
    confusion = plotdata.parse_confusion("predictions.csv", read("head", "predictions.csv"))
    pngs = {
        "training_curves.png": figures.training_curves(
            head_log, ["loss", "val_loss", "accuracy"], x="step", base=base_log
        ),
        "confusion_matrix.png": figures.confusion_matrix(confusion, normalize=True),
    }
    written = []
    for name, png in pngs.items():
        path = plot_dir / name
        path.write_bytes(png)
        written.append(path)
    return written


def _predictions(data: Path) -> PredictionResults:
    """The per-example predictions of both runs (the same test set, row by row), evaluated
    with their scores (calibration) and per period (the groups)."""
    from cmlreport.metrics.predictions import ColumnFlags, parse_predictions
    from cmlreport.metrics.significance import evaluate_predictions

    name = "predictions.csv"
    head, base = (
        parse_predictions(
            name, (data / side / name).read_text(encoding="utf-8"), ColumnFlags(slice_by=SLICE_BY)
        )
        for side in ("head", "base")
    )
    return evaluate_predictions(head, base, slice_by=SLICE_BY)


def _drift(data: Path) -> DriftComparison:
    """Top-1 confidence on the test set (the reference) against new data, as `--drift
    confidence=confidence_test.csv:confidence_new.csv` compares them."""
    from cmlreport.metrics.drift import compare

    def side(name: str) -> tuple[str, str]:
        return name, (data / "head" / name).read_text(encoding="utf-8")

    return compare("confidence", side("confidence_test.csv"), side("confidence_new.csv"))


def run_demo(out: Path) -> DemoResult:
    from cmlreport.report.preview import write_preview

    data = demo_data()
    out.mkdir(parents=True, exist_ok=True)
    plot_files = _draw_plots(data, out / "plots")
    runs = Runs(
        head=_load_side(data / "head"),
        base=_load_side(data / "base"),
        revisions=Revisions(
            base_ref="the bundled base run",
            base_how="example data",
            head_ref="the bundled retrained run",
        ),
        notes=("Demo: bundled example data, compared as if the base run were on main.",),
    )
    predicted = _predictions(data)
    drift = [_drift(data)]
    runs = join_drift(join_runs(runs, predicted, []), drift)
    report_path = out / "report.md"
    opts = ReportOptions(
        metrics=METRIC_FILES,
        plots=(str(out / "plots"),),
        output=report_path,
        title="cmlreport demo: text classifier retrained on fresh data",
        fail_if=DEMO_FAIL_IF,
        fail_on_regression=DEMO_FAIL_ON_REGRESSION,
        min_support=20,
        significant=True,
        slice_by=SLICE_BY,
    )
    built = build_report(runs, opts, predictions=predicted, drift=drift)
    report_path.write_text(built.markdown, encoding="utf-8")
    json_path = out / "report.json"
    if built.facts is not None:
        json_path.write_text(report_json_beside(built.facts, report_path), encoding="utf-8")
    html = write_preview(report_path, out / "report.html", title=opts.title)
    return DemoResult(report_path, html, json_path, built, plot_files + built.files)
