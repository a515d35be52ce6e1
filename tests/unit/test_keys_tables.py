"""Per-class tables: sklearn reports, label columns in any case, changed cells (issue 11)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cmlreport.errors import InputError
from cmlreport.metrics.load import parse_metrics
from cmlreport.metrics.model import SliceTable
from cmlreport.metrics.records import class_report, find_label_column
from cmlreport.metrics.table_diff import diff_table, diff_tables
from cmlreport.report.slices import table_change, tables_fact

SKLEARN = Path(__file__).resolve().parents[1] / "data" / "sklearn"


def load(name: str, **kwargs: str):
    path = SKLEARN / name
    return parse_metrics(path.name, path.read_text(), **kwargs)


def test_a_real_report_with_77_intents_is_one_table_and_six_scalars_and_accuracy():
    metrics = load("banking77_classification_report.json")
    (table,) = metrics.tables.values()
    assert table.name == "banking77_classification_report" and len(table.rows) == 77
    assert table.columns == ("precision", "recall", "f1-score", "support")
    assert table.rows["card_arrival"]["recall"] == 0.95
    assert metrics.scalars["accuracy"] == pytest.approx(0.9074675324675324)
    assert len(metrics.scalars) == 9  # accuracy + 2 averages x 4 columns


def test_a_report_written_through_pandas_keeps_its_accuracy_row_as_scalars():
    # pandas' DataFrame(report).transpose().to_json() makes accuracy a row of four equal values.
    metrics = load("iris_classification_report.json")
    assert sorted(metrics.tables["iris_classification_report"].rows) == ["0", "1", "2"]
    assert metrics.scalars["accuracy.f1-score"] == pytest.approx(0.9185185185)


def test_a_nested_report_is_a_table_named_by_its_key():
    report = json.loads((SKLEARN / "restaurant_reviews_classification_report.json").read_text())
    doc = {"test": report, "confusion_matrix": [[67, 11], [38, 64]], "threshold": 0.5}
    metrics = parse_metrics("eval.json", json.dumps(doc))
    assert list(metrics.tables) == ["test"]
    assert metrics.scalars["test.macro avg.f1-score"] == pytest.approx(0.7277021394831897)
    assert metrics.scalars["threshold"] == 0.5


@pytest.mark.parametrize(
    "mapping",
    [
        {"eval": {"f1": 0.8}, "train": {"f1": 0.9}},  # nested metrics, no average: dvc's keys
        {"a": {"precision": 1.0}, "macro avg": 0.5},  # an average that is no mapping
        {"a": {"precision": 1.0}, "b": {"recall": 1.0}, "macro avg": {"precision": 1.0}},
        {"a": {"precision": 1.0}, "note": "x", "macro avg": {"precision": 1.0}},
    ],
)
def test_mappings_not_shaped_like_a_report_stay_nested_keys(mapping):
    assert class_report(mapping) is None


@pytest.mark.parametrize("header", ["Class", "LABEL", "Name", "Model"])
def test_the_label_column_is_found_in_any_case(header):
    rows = [{"Precision": 0.9, header: "cat"}, {"Precision": 0.8, header: "dog"}]
    assert find_label_column(rows) == header


def test_label_column_flag_wins_over_the_usual_names():
    rows = [{"label": "a", "Subreddit": "r/x", "f1": 0.5}, {"label": "b", "Subreddit": "r/y"}]
    assert find_label_column(rows) == "label"
    assert find_label_column(rows, "subreddit") == "Subreddit"
    metrics = parse_metrics(
        "t.csv", "id,Subreddit,f1\n1,r/x,0.5\n2,r/y,0.6\n", label_column="subreddit"
    )
    assert sorted(metrics.tables["t"].rows) == ["r/x", "r/y"]


def test_a_csv_without_a_usual_label_column_is_still_an_error_naming_the_file():
    with pytest.raises(InputError, match=r"t\.csv: 2 data rows but no label column"):
        parse_metrics("t.csv", "f1,support\n0.5,3\n0.6,4\n")


def table(rows: dict[str, dict[str, float]], columns=("f1", "support")) -> SliceTable:
    return SliceTable("per_class", "label", tuple(columns), rows)


def test_equal_cells_of_another_type_still_count_as_changed():
    # True == 1 and {"f1": True} == {"f1": 1} in Python, but a flag that became a number moved.
    base = table({"a": {"f1": True, "support": 3}, "b": {"f1": 0.5, "support": 3}})
    head = table({"a": {"f1": 1, "support": 3}, "b": {"f1": 0.5, "support": 3}})
    d = diff_table("per_class", base, head)
    assert (d.cells_changed, d.labels_changed) == (1, 1)


def test_changed_cells_labels_and_columns_are_counted():
    base = table({"a": {"f1": 0.5, "support": 3}, "b": {"f1": 0.6, "support": 4}, "gone": {}})
    head = table(
        {"a": {"f1": 0.7, "support": 5, "auc": 0.9}, "b": {"f1": 0.6, "support": 4}, "new": {}},
        columns=("f1", "support", "auc"),
    )
    d = diff_table("per_class", base, head)
    assert (d.cells_changed, d.labels_changed, d.labels_added, d.labels_removed) == (2, 1, 1, 1)
    assert d.columns_added == ("auc",) and d.changed
    assert table_change(d) == (
        "2 values changed in 1 of 3 labels; 1 new, 1 removed labels; new columns: auc"
    )
    assert (
        tables_fact([d])
        == "2 per-class values changed in 1 label, 1 new and 1 removed per-class labels"
    )


def test_an_unchanged_table_is_no_news_and_nan_equals_nan():
    same = table({"a": {"f1": float("nan"), "support": 3}})
    (d,) = diff_tables({"per_class": same}, {"per_class": same})
    assert not d.changed and tables_fact([d]) is None


def test_a_detection_table_is_judged_by_map_with_instances_as_support():
    from cmlreport.metrics.slices import pick_metric_column, pick_support_column

    rows = {
        "person": {"Images": 128, "Instances": 254, "P": 0.8, "mAP50": 0.7, "mAP50-95": 0.5},
        "car": {"Images": 128, "Instances": 46, "P": 0.6, "mAP50": 0.4, "mAP50-95": 0.2},
    }
    t = SliceTable("val", "Class", ("Images", "Instances", "P", "mAP50", "mAP50-95"), rows)
    assert pick_metric_column(t) == "mAP50-95" and pick_support_column(t) == "Instances"
    counts_first = SliceTable("val", "Class", ("Images", "Instances", "P"), rows)
    assert pick_metric_column(counts_first) == "P"  # counts are never the metric
