"""Reading the files people feed to `cmlreport plot`: logs, confusion matrices, score lists."""

from __future__ import annotations

import json
import math

import pytest

from cmlreport.errors import InputError
from cmlreport.plots.plotdata import (
    LogTable,
    default_x,
    parse_confusion,
    parse_log,
    parse_scores,
)

# --- training logs ------------------------------------------------------------------------


def test_a_csv_log_becomes_columns_of_numbers() -> None:
    log = parse_log("train.csv", "step,loss,acc\n0,1.5,0.40\n1,0.9,0.62\n2,0.7,0.71\n")
    assert log.columns == ("step", "loss", "acc")
    assert log.column("step") == [0.0, 1.0, 2.0]
    assert log.column("loss") == [1.5, 0.9, 0.7]


def test_a_tsv_log_splits_on_tabs() -> None:
    log = parse_log("train.tsv", "epoch\tval loss\n1\t0.5\n2\t0.25\n")
    assert log.columns == ("epoch", "val loss")
    assert log.column("val loss") == [0.5, 0.25]


def test_json_lines_may_log_some_keys_only_on_some_steps() -> None:
    # Validation metrics are typically logged every N steps: the gaps are None, not errors.
    text = "\n".join(
        [
            json.dumps({"step": 1, "loss": 0.9}),
            json.dumps({"step": 2, "loss": 0.8, "val": {"loss": 0.85}}),
            "",
            json.dumps({"step": 3, "loss": 0.7}),
        ]
    )
    log = parse_log("metrics.jsonl", text)
    assert log.columns == ("step", "loss", "val.loss")
    assert log.column("val.loss") == [None, 0.85, None]


def test_a_json_file_may_hold_one_object_per_line() -> None:
    log = parse_log("log.json", '{"step": 1, "loss": 2}\n{"step": 2, "loss": 1}\n')
    assert log.column("loss") == [2.0, 1.0]


def test_a_json_list_of_records_is_a_log() -> None:
    log = parse_log("history.json", json.dumps([{"epoch": 1, "f1": 0.5}, {"epoch": 2, "f1": 0.6}]))
    assert log.column("f1") == [0.5, 0.6]


def test_a_keras_history_object_of_lists_is_a_log() -> None:
    log = parse_log("history.json", json.dumps({"loss": [3.0, 2.0, 1.0], "val_loss": [3.5, 2.5]}))
    assert log.column("loss") == [3.0, 2.0, 1.0]
    assert log.column("val_loss") == [3.5, 2.5, None]


def test_non_numeric_cells_become_none_and_numeric_columns_are_known() -> None:
    log = parse_log("run.csv", "step,loss,phase\n1,0.5,warmup\n2,,train\n3,nan,train\n")
    assert log.column("phase") == [None, None, None]
    assert log.column("loss")[:2] == [0.5, None]
    assert math.isnan(log.column("loss")[2] or 0.0)
    assert log.numeric_columns() == ["step", "loss"]


def test_a_log_without_header_is_refused_with_a_hint() -> None:
    with pytest.raises(InputError, match=r"run\.csv.*header row"):
        parse_log("run.csv", "0,1.5\n1,0.9\n")


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("empty.csv", "", r"empty\.csv is empty"),
        ("blank.jsonl", "\n\n", r"blank\.jsonl is empty"),
        ("header.csv", "step,loss\n", r"header\.csv has a header but no rows"),
        ("ragged.csv", "step,loss\n1,0.5\n2,0.4,extra\n", r"ragged\.csv: line 3 has 3 cells"),
        ("words.csv", "name,team\nalice,red\n", r"words\.csv: no numbers"),
        ("bad.jsonl", '{"step": 1}\n{"step": \n', r"bad\.jsonl: line 2: not valid JSON"),
        ("list.jsonl", '{"step": 1}\n[1, 2]\n', r"list\.jsonl: line 2 is a JSON list"),
        ("bad.json", "[1, 2,", r"bad\.json: line 1: not valid JSON"),
        ("dup.csv", "step,loss,loss\n1,2,3\n", r"dup\.csv: the header repeats loss"),
    ],
)
def test_broken_logs_fail_with_one_line_naming_the_file(name: str, text: str, message: str) -> None:
    with pytest.raises(InputError, match=message) as caught:
        parse_log(name, text)
    assert "\n" not in caught.value.message


def test_asking_for_a_missing_column_lists_the_ones_there_are() -> None:
    log = parse_log("train.csv", "step,loss\n1,2\n")
    with pytest.raises(InputError, match=r"train\.csv has no column 'acc'; columns are: step"):
        log.column("acc")


def test_the_x_axis_defaults_to_step_epoch_or_iteration() -> None:
    assert default_x(LogTable(("loss", "Epoch"), ((1.0, 1.0),))) == "Epoch"
    assert default_x(LogTable(("iteration", "step"), ((1.0, 1.0),))) == "step"
    assert default_x(LogTable(("loss",), ((1.0,),))) is None
    # Ultralytics pads its header names; Hugging Face logs global_step.
    assert default_x(LogTable(("         epoch", "  train/box_loss"), ((1.0, 1.0),))) == (
        "         epoch"
    )
    assert default_x(LogTable(("loss", "global_step"), ((1.0, 1.0),))) == "global_step"


# --- confusion matrices -------------------------------------------------------------------


def test_a_square_matrix_reads_actual_down_and_predicted_across() -> None:
    cm = parse_confusion("cm.csv", ",cat,dog\ncat,8,2\ndog,1,9\n")
    assert cm.labels == ("cat", "dog")
    assert cm.counts == ((8, 2), (1, 9))


def test_square_rows_may_come_in_another_order_than_the_columns() -> None:
    text = "actual\\predicted\tcat\tdog\tfox\nfox\t0\t1\t7\ncat\t5\t0\t0\ndog\t2\t6\t0\n"
    cm = parse_confusion("cm.tsv", text)
    assert cm.labels == ("cat", "dog", "fox")
    assert cm.counts == ((5, 0, 0), (2, 6, 0), (0, 1, 7))


def test_a_matrix_saved_by_numpy_without_labels_is_numbered() -> None:
    cm = parse_confusion("cm.csv", "5,1,0\n2,7,1\n0,0,9\n")
    assert cm.labels == ("0", "1", "2")
    assert cm.counts == ((5, 1, 0), (2, 7, 1), (0, 0, 9))


@pytest.mark.parametrize(
    "header", ["actual,predicted", "y_true,y_pred", "label,prediction", "truth,pred"]
)
def test_pairs_are_counted_whatever_the_usual_column_names(header: str) -> None:
    rows = ["cat,cat", "cat,dog", "dog,dog", "dog,dog", "bird,cat"]
    cm = parse_confusion("preds.csv", "\n".join([header, *rows]))
    assert cm.labels == ("bird", "cat", "dog")
    assert cm.counts == ((0, 1, 0), (0, 1, 1), (0, 0, 2))


def test_pair_columns_are_found_among_others_by_name() -> None:
    text = "id,predicted_label,score,true_label\n1,b,0.9,a\n2,a,0.8,a\n3,b,0.7,b\n"
    cm = parse_confusion("preds.csv", text)
    assert cm.labels == ("a", "b")
    assert cm.counts == ((1, 1), (0, 1))


def test_numeric_labels_sort_as_numbers() -> None:
    text = "a,b\n10,10\n2,10\n9,2\n"
    cm = parse_confusion("preds.csv", text)
    assert cm.labels == ("2", "9", "10")
    assert cm.counts == ((0, 0, 1), (1, 0, 0), (0, 0, 1))


def test_json_lines_pairs_count_like_csv_pairs() -> None:
    text = '{"actual": 1, "predicted": 0}\n{"actual": 1, "predicted": 1.0}\n'
    cm = parse_confusion("preds.jsonl", text)
    assert cm.labels == ("0", "1")
    assert cm.counts == ((0, 0), (1, 1))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (",cat,dog\ncat,8,x\ndog,1,9\n", r"cm\.csv: line 2: the cell for predicted 'dog' is 'x'"),
        (",cat,dog\ncat,8,-1\ndog,1,9\n", r"whole numbers >= 0"),
        ("actual,predicted\ncat,\n", r"cm\.csv: line 2: predicted is empty"),
        ("5,1\n2,7\n0,0\n", r"cm\.csv: no header row"),
        ("only\ncat\n", r"cm\.csv: a confusion matrix needs a square table"),
    ],
)
def test_broken_confusion_files_fail_with_one_line(text: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        parse_confusion("cm.csv", text)


# --- score lists --------------------------------------------------------------------------


def test_scores_one_per_line() -> None:
    assert parse_scores("conf.txt", "0.5\n0.75\n\n1\n") == [0.5, 0.75, 1.0]


def test_scores_as_a_json_list() -> None:
    assert parse_scores("conf.json", "[0.25, 0.5]") == [0.25, 0.5]


def test_scores_from_the_only_numeric_column() -> None:
    text = "id,confidence\npost-1,0.9\npost-2,\npost-3,0.4\n"
    assert parse_scores("new.csv", text) == [0.9, 0.4]


def test_scores_from_a_named_column_of_json_lines() -> None:
    text = '{"top1": 0.8, "top5": 0.99}\n{"top1": 0.6, "top5": 0.97}\n'
    assert parse_scores("scores.jsonl", text, column="top5") == [0.99, 0.97]


def test_several_numeric_columns_ask_for_column() -> None:
    with pytest.raises(InputError, match=r"s\.csv has several numeric columns \(a, b\).*--column"):
        parse_scores("s.csv", "a,b\n1,2\n")


@pytest.mark.parametrize(
    ("name", "text", "column", "message"),
    [
        ("s.csv", "a,b\n1,2\n", "c", r"s\.csv has no column 'c'; pass one of a, b"),
        ("s.csv", "a\n1\nlots\n", "a", r"s\.csv: line 3: a is 'lots', not a number"),
        ("s.txt", "0.1\n0.2\n", "a", r"s\.txt is a plain list.*drop --column"),
        ("s.csv", "name\nx\n", None, r"s\.csv has no column of numbers"),
        ("s.csv", "", None, r"s\.csv is empty"),
        ("s.csv", "a\n\n", None, r"s\.csv has a header but no rows"),
        ("s.json", "[]", None, r"s\.json holds no scores"),
    ],
)
def test_bad_score_files_fail_with_one_line(
    name: str, text: str, column: str | None, message: str
) -> None:
    with pytest.raises(InputError, match=message):
        parse_scores(name, text, column)
