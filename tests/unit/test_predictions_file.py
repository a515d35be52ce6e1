"""A user's predictions file: which column is what, in any case and format, and every way a file
can be unfit, refused in one line naming the file and the column."""

from __future__ import annotations

import numpy as np
import pytest

from cmlreport.errors import InputError
from cmlreport.metrics.pairing import pair_predictions
from cmlreport.metrics.predictions import ColumnFlags, Predictions, parse_predictions


def labels(p: Predictions) -> tuple[list[str], list[str]]:
    return [p.classes[c] for c in p.true], [p.classes[c] for c in p.pred]


@pytest.mark.parametrize(
    ("true", "pred"),
    [("y_true", "y_pred"), ("Label", "Prediction"), ("TARGET", "predicted"), ("actual", "pred")],
)
def test_the_usual_column_names_are_found_in_any_case(true: str, pred: str) -> None:
    p = parse_predictions("p.csv", f"{true},{pred}\ncat,dog\ndog,dog\n")
    assert labels(p) == (["cat", "dog"], ["dog", "dog"])
    assert p.columns == (true, pred)


def test_tsv_and_json_lines_read_like_csv() -> None:
    tsv = parse_predictions("p.tsv", "id\ty_true\ty_pred\tscore\n1\ta b\tc\t0.5\n2\tc\tc\t0.9\n")
    assert labels(tsv) == (["a b", "c"], ["c", "c"]) and tsv.ids == ("1", "2")
    assert tsv.scores is not None and tsv.scores.tolist() == [0.5, 0.9]
    lines = (
        '{"id": 7, "label": 1, "prediction": 2.0, "confidence": 0.25}\n'
        '{"id": 8, "label": 2, "prediction": 2}\n'
    )
    with pytest.raises(InputError, match=r"p\.jsonl: line 2 column 'confidence' is empty"):
        parse_predictions("p.jsonl", lines)
    ok = parse_predictions(
        "p.jsonl", lines.replace('"prediction": 2}', '"prediction": 2, "confidence": 1}')
    )
    assert labels(ok) == (["1", "2"], ["2", "2"])  # 2.0 and 2 are one class
    assert ok.ids == ("7", "8")
    array = parse_predictions(
        "p.json", '[{"y_true": "a", "y_pred": "b"}, {"y_true": "b", "y_pred": "b"}]'
    )
    assert labels(array) == (["a", "b"], ["b", "b"])
    with pytest.raises(InputError, match=r"p\.json: record 2 is not a JSON object"):
        parse_predictions("p.json", '[{"y_true": "a", "y_pred": "b"}, 3]')


def test_a_number_is_one_class_however_it_is_written() -> None:
    # pandas writes an integer column that holds a gap as 1.0, 0.0: those are the classes 1, 0
    # of a file written without the gap, as scikit-learn sees them.
    csv = parse_predictions("p.csv", "y_true,y_pred\n1,1.0\n0,0.0\n1,0.0\n")
    assert csv.classes == ("0", "1") and labels(csv) == (["1", "0", "1"], ["1", "0", "0"])
    text = parse_predictions(
        "p.jsonl", '{"y_true": "2", "y_pred": "2.0"}\n{"y_true": 1, "y_pred": 1}\n'
    )
    assert text.classes == ("1", "2") and labels(text) == (["2", "1"], ["2", "1"])
    spread = parse_predictions("p.tsv", "y_true\ty_pred\n+3\t3.00\n0.5\t.50\n1e1\t010\n")
    assert labels(spread) == (["3", "0.5", "10"], ["3", "0.5", "10"])
    long_ids = parse_predictions(
        "p.csv", "y_true,y_pred\n12345678901234567891,12345678901234567890\n1,1\n"
    )
    assert labels(long_ids)[0][0] == "12345678901234567891"  # not rounded through a float
    # A column with any other text keeps its labels as written: "01" and "1" may be codes.
    words = parse_predictions("p.csv", "y_true,y_pred\n01,01\n1,x\n")
    assert words.classes == ("01", "1", "x")


def test_probability_columns_name_classes_the_same_way() -> None:
    p = parse_predictions("p.csv", "y_true,y_pred,proba_0.0,proba_1.0\n1,1,0.2,0.8\n0,1,0.4,0.6\n")
    assert p.proba_classes == ("0", "1") and p.classes == ("0", "1")


def test_flags_name_other_columns() -> None:
    text = "gold,guess,conf,uid\nx,y,0.1,a\ny,y,0.2,b\n"
    flags = ColumnFlags(true="gold", pred="GUESS", score="conf", id="uid")
    p = parse_predictions("p.csv", text, flags)
    assert labels(p) == (["x", "y"], ["y", "y"]) and p.ids == ("a", "b")
    with pytest.raises(InputError, match=r"--true-column 'truth': no such column"):
        parse_predictions("p.csv", text, ColumnFlags(true="truth"))


def test_per_class_probabilities_must_cover_the_classes() -> None:
    text = "y_true,y_pred,proba_cat,proba_dog\ncat,dog,0.4,0.6\ndog,dog,0.1,0.9\n"
    p = parse_predictions("p.csv", text)
    assert p.proba_classes == ("cat", "dog")
    assert p.proba is not None and np.allclose(p.proba, [[0.4, 0.6], [0.1, 0.9]])
    short = "y_true,y_pred,proba_cat\ncat,dog,0.4\ndog,dog,0.1\n"
    with pytest.raises(InputError, match=r"p\.csv: class 'dog' .* has no 'proba_dog' column"):
        parse_predictions("p.csv", short)


BAD = [
    ("", "file is empty"),
    ("y_true,y_pred\n", "no data rows"),
    ("truth,y_pred\na,b\nb,b\n", "no true label column"),
    ("y_true,guess\na,b\nb,b\n", "no predicted label column"),
    ("y_true,y_pred\ncat,cat\ncat,dog\n", "column 'y_true' holds one class only"),
    ("y_true,y_pred\na,\nb,b\n", "line 2 column 'y_pred' is empty"),
    ("y_true,y_pred,score\na,b,nan\nb,b,0.2\n", "line 2 column 'score' is empty or NaN"),
    ("y_true,y_pred,score\na,b,1.5\nb,b,0.2\n", "line 2 column 'score' is 1.5, outside 0..1"),
    ("y_true,y_pred,score\na,b,high\nb,b,0.2\n", "line 2 column 'score' is 'high', not a number"),
    ("id,y_true,y_pred\n1,a,b\n1,b,b\n", "line 3 column 'id' repeats id '1' of line 2"),
    ("y_true,Y_TRUE,y_pred\na,a,b\n", "columns 'y_true' and 'Y_TRUE' have the same name"),
    ("y_true,y_pred\na,b,c\n", "line 2 has 3 fields but the header has 2"),
]


@pytest.mark.parametrize(("text", "message"), BAD, ids=[m for _, m in BAD])
def test_an_unfit_file_is_one_line_naming_it(text: str, message: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_predictions("runs/preds.csv", text)
    assert caught.value.message.startswith("runs/preds.csv: ")
    assert message in caught.value.message and "\n" not in caught.value.message


def test_a_column_of_ids_taken_for_labels_is_refused_not_scored() -> None:
    rows = "\n".join(f"{i},{i % 3}" for i in range(25_000))
    with pytest.raises(InputError, match=r"25,000 distinct labels, over the limit of 20,000"):
        parse_predictions("p.csv", f"y_true,y_pred\n{rows}\n")


def test_another_extension_is_refused_before_parsing() -> None:
    with pytest.raises(InputError, match=r"p\.xlsx: extension '.xlsx' is not a predictions"):
        parse_predictions("p.xlsx", "PK")
    with pytest.raises(InputError, match=r"p\.parquet: not a readable Parquet file"):
        parse_predictions("p.parquet", "PAR1")


def both(head: str, base: str) -> tuple[Predictions, Predictions]:
    return parse_predictions("head.csv", head), parse_predictions("base.csv", base)


def test_files_with_the_same_ids_pair_by_id_in_any_order() -> None:
    head, base = both(
        "id,y_true,y_pred\n1,a,a\n2,b,a\n3,c,c\n", "id,y_true,y_pred\n3,c,b\n1,a,a\n2,b,b\n"
    )
    pair = pair_predictions(head, base)
    assert pair.paired and pair.how.startswith("paired by id")
    assert pair.base is not None
    assert [pair.classes[c] for c in pair.base.pred] == ["a", "b", "b"]  # in head's order


def test_same_rows_in_the_same_order_pair_row_by_row_else_unpaired() -> None:
    head, base = both("y_true,y_pred\na,a\nb,a\n", "y_true,y_pred\na,b\nb,b\n")
    assert pair_predictions(head, base).how.startswith("paired row by row")
    head, base = both("y_true,y_pred\na,a\nb,a\n", "y_true,y_pred\nb,b\na,b\n")
    pair = pair_predictions(head, base)
    assert not pair.paired and "true labels differ row by row" in pair.how
    head, base = both("id,y_true,y_pred\n1,a,a\n2,b,a\n", "id,y_true,y_pred\n1,a,a\n9,b,b\n")
    assert pair_predictions(head, base).how == (
        "unpaired: the ids differ (1 only at head, 1 only at base)"
    )


def test_an_id_with_two_true_labels_is_refused() -> None:
    head, base = both(
        "id,y_true,y_pred\n1,a,a\n2,b,a\n3,c,c\n", "id,y_true,y_pred\n2,a,a\n1,a,b\n3,c,c\n"
    )
    with pytest.raises(InputError, match=r"base\.csv and head\.csv: column 'y_true' of id '2'"):
        pair_predictions(head, base)


def test_classes_seen_in_one_run_only_join_one_set_of_classes() -> None:
    head, base = both("y_true,y_pred\na,a\nb,c\n", "y_true,y_pred\na,d\nb,b\n")
    pair = pair_predictions(head, base)
    assert pair.classes == ("a", "b", "c", "d")
    assert pair.base is not None and [pair.classes[c] for c in pair.base.pred] == ["d", "b"]
