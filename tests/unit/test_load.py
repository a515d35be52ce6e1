"""Loading metrics files: what training scripts write becomes flat metrics and tables."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from cmlreport.errors import InputError
from cmlreport.metrics.load import (
    clashing_keys,
    detect_format,
    merge_metric_sets,
    parse_metrics,
    read_metric_files,
)


def one_line_error(excinfo: pytest.ExceptionInfo[InputError], *names: str) -> str:
    message = excinfo.value.message
    assert "\n" not in message
    for name in names:
        assert name in message, f"{name!r} missing from {message!r}"
    return message


# --- formats -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "fmt"),
    [
        ("metrics.json", "json"),
        ("eval/scores.YAML", "yaml"),
        ("params.yml", "yaml"),
        ("metrics.toml", "toml"),
        ("per_class.csv", "csv"),
        ("per_class.tsv", "tsv"),
    ],
)
def test_the_extension_names_the_format(path: str, fmt: str) -> None:
    assert detect_format(path) == fmt


@pytest.mark.parametrize("path", ["logs/train.parquet", "metrics.txt", "metrics"])
def test_an_unknown_extension_names_the_file_and_the_supported_ones(path: str) -> None:
    with pytest.raises(InputError) as excinfo:
        detect_format(path)
    one_line_error(excinfo, path, ".json", ".yaml", ".toml", ".csv", ".tsv")


def test_nested_json_flattens_to_dotted_keys_keeping_dots_bools_strings_and_nulls() -> None:
    text = json.dumps(
        {
            "train": {"loss": 0.25, "epochs": 10},
            "eval": {"f1": 0.9, "top.1": 0.7, "deep": {"er": 1}},
            "converged": True,
            "model": "bert-base",
            "note": None,
            "history": [0.9, 0.5, 0.25],
            "empty": {},
        }
    )
    metrics = parse_metrics("metrics.json", text)
    assert metrics.scalars == {
        "train.loss": 0.25,
        "train.epochs": 10,
        "eval.f1": 0.9,
        "eval.top.1": 0.7,
        "eval.deep.er": 1,
        "converged": True,
        "model": "bert-base",
        "note": None,
    }
    assert metrics.scalars["converged"] is True
    assert metrics.tables == {}
    assert set(metrics.sources.values()) == {"metrics.json"}


def test_json_nan_and_infinity_load_as_floats() -> None:
    text = '{"loss": NaN, "perplexity": Infinity, "margin": -Infinity}'
    scalars = parse_metrics("metrics.json", text).scalars
    assert math.isnan(scalars["loss"])  # type: ignore[arg-type]
    assert scalars["perplexity"] == math.inf
    assert scalars["margin"] == -math.inf


def test_yaml_reads_numbers_like_dvc_does() -> None:
    text = """
    eval:
      lr: 1e-3
      loss: .nan
      best: .inf
      worst: -.inf
      steps: 010
      answered: yes
    trained_on: 2024-05-01
    """
    scalars = parse_metrics("metrics.yaml", text.replace("\n    ", "\n")).scalars
    assert scalars["eval.lr"] == 0.001
    assert math.isnan(scalars["eval.loss"])  # type: ignore[arg-type]
    assert scalars["eval.best"] == math.inf
    assert scalars["eval.worst"] == -math.inf
    assert scalars["eval.steps"] == 10
    assert scalars["eval.answered"] == "yes"
    assert "trained_on" not in scalars  # dates are not metrics


def test_toml_tables_flatten_and_nan_loads() -> None:
    text = """
    accuracy = 0.91
    "top.5" = 0.99
    released = 2024-05-01
    [eval.test]
    f1 = nan
    recall = inf
    ok = true
    """
    scalars = parse_metrics("metrics.toml", text.replace("\n    ", "\n")).scalars
    assert scalars["accuracy"] == 0.91
    assert scalars["top.5"] == 0.99
    assert math.isnan(scalars["eval.test.f1"])  # type: ignore[arg-type]
    assert scalars["eval.test.recall"] == math.inf
    assert scalars["eval.test.ok"] is True
    assert "released" not in scalars


def test_sklearn_classification_report_is_a_per_class_table() -> None:
    # Issue 11 changed this: the classes are a table, accuracy and the averages stay scalars.
    report = {
        "cat": {"precision": 0.9, "recall": 0.8, "f1-score": 0.85, "support": 40},
        "dog": {"precision": 0.7, "recall": 0.75, "f1-score": 0.72, "support": 35},
        "accuracy": 0.8,
        "macro avg": {"precision": 0.8, "recall": 0.78, "f1-score": 0.79, "support": 75},
    }
    metrics = parse_metrics("report.json", json.dumps(report))
    assert metrics.tables["report"].rows["cat"]["f1-score"] == 0.85
    assert "cat.f1-score" not in metrics.scalars
    assert metrics.scalars["macro avg.support"] == 75
    assert metrics.scalars["accuracy"] == 0.8


# --- per-class tables ----------------------------------------------------------------------


def test_a_top_level_list_of_records_is_a_table_named_by_the_file_stem() -> None:
    records = [
        {"f1": 0.81, "class": "cat", "support": 40},
        {"class": "dog", "f1": 0.62, "support": 35, "note": "new"},
    ]
    metrics = parse_metrics("eval/per_class.json", json.dumps(records))
    table = metrics.tables["per_class"]
    assert table.label_column == "class"
    assert table.columns == ("f1", "support", "note")
    assert table.rows == {
        "cat": {"f1": 0.81, "support": 40},
        "dog": {"f1": 0.62, "support": 35, "note": "new"},
    }
    assert table.source == "eval/per_class.json"
    assert metrics.sources == {"per_class": "eval/per_class.json"}
    assert metrics.scalars == {}


def test_a_nested_list_of_records_is_named_by_its_key_path_next_to_scalars() -> None:
    text = json.dumps(
        {
            "accuracy": 0.9,
            "eval": {
                "per_label": [
                    {"subreddit": "news", "f1": 0.7, "support": 120},
                    {"subreddit": "politics", "f1": 0.4, "support": 80},
                ]
            },
        }
    )
    metrics = parse_metrics("metrics.json", text)
    assert metrics.scalars == {"accuracy": 0.9}
    table = metrics.tables["eval.per_label"]
    assert table.name == "eval.per_label"
    assert table.label_column == "subreddit"  # no usual label name: first text column
    assert table.rows["politics"] == {"f1": 0.4, "support": 80}


def test_yaml_list_of_records_with_numeric_class_ids_and_nested_fields() -> None:
    text = (
        "per_class:\n"
        "  - {id: 0, f1: 0.9, scores: {p: 0.8}}\n"
        "  - {id: 1, f1: 0.5, scores: {p: 0.4}}\n"
    )
    table = parse_metrics("metrics.yml", text).tables["per_class"]
    assert table.label_column == "id"
    assert table.columns == ("f1", "scores.p")
    assert table.rows == {"0": {"f1": 0.9, "scores.p": 0.8}, "1": {"f1": 0.5, "scores.p": 0.4}}


def test_the_first_usual_label_name_wins_over_text_columns() -> None:
    records = [
        {"split": "a", "name": "x", "label": "cat"},
        {"split": "b", "name": "y", "label": "dog"},
    ]
    table = parse_metrics("t.json", json.dumps(records)).tables["t"]
    assert table.label_column == "label"
    assert table.columns == ("split", "name")


def test_unlabelled_records_inside_a_file_are_a_series_and_are_skipped() -> None:
    text = json.dumps(
        {"acc": 0.9, "history": [{"epoch": 1, "loss": 0.5}, {"epoch": 2, "loss": 0.3}]}
    )
    metrics = parse_metrics("metrics.json", text)
    assert metrics.scalars == {"acc": 0.9}
    assert metrics.tables == {}


# --- CSV / TSV -----------------------------------------------------------------------------


def test_a_one_row_csv_holds_scalars_with_parsed_values() -> None:
    text = "acc,loss,epochs,drift,best,worst,notes,model,lr\n0.91, 0.2,12,nan,inf,-inf,,bert,1e-3\n"
    scalars = parse_metrics("metrics.csv", text).scalars
    assert scalars["acc"] == 0.91
    assert scalars["loss"] == 0.2
    assert scalars["epochs"] == 12
    assert isinstance(scalars["epochs"], int)
    assert math.isnan(scalars["drift"])  # type: ignore[arg-type]
    assert scalars["best"] == math.inf
    assert scalars["worst"] == -math.inf
    assert scalars["notes"] is None
    assert scalars["model"] == "bert"
    assert scalars["lr"] == 0.001


def test_a_csv_with_several_rows_is_a_table_named_by_the_file_stem() -> None:
    text = "label,precision,recall,support\ncat,0.9,0.8,40\ndog,0.7,,35\n\n"
    metrics = parse_metrics("reports/per_class.csv", text)
    assert metrics.scalars == {}
    table = metrics.tables["per_class"]
    assert table.label_column == "label"
    assert table.columns == ("precision", "recall", "support")
    assert table.rows == {
        "cat": {"precision": 0.9, "recall": 0.8, "support": 40},
        "dog": {"precision": 0.7, "recall": None, "support": 35},
    }


def test_a_tsv_table_finds_its_label_in_the_first_text_column() -> None:
    text = "rank\tsubreddit\tf1\n1\tnews\t0.5\n2\tpolitics\t0.25\n"
    table = parse_metrics("slices.tsv", text).tables["slices"]
    assert table.label_column == "subreddit"
    assert table.columns == ("rank", "f1")
    assert table.rows["politics"] == {"rank": 2, "f1": 0.25}


# --- errors --------------------------------------------------------------------------------


def test_malformed_json_names_the_file_line_and_column() -> None:
    text = '{\n  "acc": 0.9,\n  "f1" 0.8\n}'
    with pytest.raises(InputError) as excinfo:
        parse_metrics("metrics.json", text)
    assert one_line_error(excinfo) == (
        "metrics.json: not valid JSON at line 3, column 8: Expecting ':' delimiter"
    )


@pytest.mark.parametrize(
    ("path", "text", "where"),
    [
        ("eval.yaml", "acc: 0.9\nper_class: [1, 2\nf1: 0.3\n", "line 3, column 3"),
        ("eval.toml", "acc = 0.9\nf1 = = 0.3\n", "line 2, column 6"),
    ],
)
def test_malformed_yaml_and_toml_name_the_file_and_position(
    path: str, text: str, where: str
) -> None:
    with pytest.raises(InputError) as excinfo:
        parse_metrics(path, text)
    one_line_error(excinfo, path, where)


@pytest.mark.parametrize("text", ["0.93", "[0.1, 0.2]", "[]", "# only a comment"])
def test_a_file_without_a_mapping_has_no_metrics(text: str) -> None:
    with pytest.raises(InputError) as excinfo:
        parse_metrics("score.yaml", text)
    assert "no metrics found" in one_line_error(excinfo, "score.yaml")


@pytest.mark.parametrize("path", ["metrics.json", "metrics.csv", "metrics.yaml"])
def test_an_empty_file_is_an_error(path: str) -> None:
    with pytest.raises(InputError) as excinfo:
        parse_metrics(path, " \n\n")
    assert "empty" in one_line_error(excinfo, path)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("label,f1\ncat,0.9\ndog,0.8,0.1\n", ["line 3", "3 fields", "header has 2"]),
        ("label,f1\n", ["no data rows"]),
        ("loss,acc\n0.5,0.9\n0.3,0.95\n", ["label column", "'label'", "'class'", "'epoch'"]),
        ("label,f1\ncat,0.9\ndog,0.8\ncat,0.7\n", ["table 'per_class'", "line 4", "'cat'"]),
        ("label,f1\ncat,0.9\n,0.8\n", ["table 'per_class'", "line 3", "label"]),
        ("label,,f1\ncat,1,0.9\n", ["column 2 has no name"]),
    ],
)
def test_bad_csv_names_the_file_and_what_to_fix(text: str, expected: list[str]) -> None:
    with pytest.raises(InputError) as excinfo:
        parse_metrics("eval/per_class.csv", text)
    one_line_error(excinfo, "eval/per_class.csv", *expected)


@pytest.mark.parametrize(
    ("records", "expected"),
    [
        ([{"class": "cat", "f1": 0.9}, {"f1": 0.8}], ["table 'per_class'", "row 2", "'class'"]),
        (
            [{"class": "cat", "f1": 0.9}, {"class": "dog"}, {"class": "cat", "f1": 0.1}],
            ["table 'per_class'", "row 3", "'cat'", "row 1"],
        ),
    ],
)
def test_table_rows_need_a_unique_label(records: list[dict[str, Any]], expected: list[str]) -> None:
    with pytest.raises(InputError) as excinfo:
        parse_metrics("metrics.json", json.dumps({"per_class": records}))
    one_line_error(excinfo, "metrics.json", *expected)


def test_a_top_level_list_of_unlabelled_records_is_an_error() -> None:
    # With an epoch or step column it would be a training log (tests/unit/test_formats_logs.py).
    with pytest.raises(InputError) as excinfo:
        parse_metrics("history.json", json.dumps([{"loss": 0.5, "acc": 0.9}]))
    one_line_error(excinfo, "history.json", "label", "'epoch'")


def test_two_keys_that_flatten_to_the_same_name_are_an_error() -> None:
    with pytest.raises(InputError) as excinfo:
        parse_metrics("metrics.json", '{"eval.f1": 0.9, "eval": {"f1": 0.8}}')
    one_line_error(excinfo, "metrics.json", "'eval.f1'")


# --- several files -------------------------------------------------------------------------


def test_keys_in_two_files_are_prefixed_by_their_path_and_the_others_are_not() -> None:
    train = parse_metrics("train/metrics.json", '{"acc": 0.99, "loss": 0.1}')
    test = parse_metrics(
        "test/metrics.json", '{"acc": 0.91, "f1": 0.9, "loss": [{"class": "a", "v": 1}]}'
    )
    merged = merge_metric_sets([("train/metrics.json", train), ("test/metrics.json", test)])
    assert merged.scalars == {
        "train/metrics.json:acc": 0.99,
        "train/metrics.json:loss": 0.1,
        "test/metrics.json:acc": 0.91,
        "f1": 0.9,
    }
    assert set(merged.tables) == {"test/metrics.json:loss"}
    assert merged.tables["test/metrics.json:loss"].name == "test/metrics.json:loss"
    assert merged.sources["f1"] == "test/metrics.json"
    assert merged.sources["train/metrics.json:acc"] == "train/metrics.json"


def test_files_without_shared_keys_merge_unprefixed() -> None:
    scalars = parse_metrics("metrics.json", '{"acc": 0.9}')
    classes = parse_metrics("per_class.csv", "label,f1\ncat,0.9\ndog,0.8\n")
    merged = merge_metric_sets([("metrics.json", scalars), ("per_class.csv", classes)])
    assert merged.scalars == {"acc": 0.9}
    assert list(merged.tables) == ["per_class"]
    assert merged.sources == {"acc": "metrics.json", "per_class": "per_class.csv"}


def test_base_and_head_name_a_metric_alike_when_only_head_has_the_clash() -> None:
    base = [
        ("train/metrics.json", parse_metrics("train/metrics.json", '{"acc": 0.97}')),
        ("test/metrics.json", parse_metrics("test/metrics.json", '{"f1": 0.8}')),
    ]
    head = [
        ("train/metrics.json", parse_metrics("train/metrics.json", '{"acc": 0.98}')),
        ("test/metrics.json", parse_metrics("test/metrics.json", '{"f1": 0.9, "acc": 0.9}')),
    ]
    assert "acc" in merge_metric_sets(base).scalars  # alone, base would not prefix it
    clashes = clashing_keys(base) | clashing_keys(head)
    base_keys = set(merge_metric_sets(base, prefix_keys=clashes).scalars)
    head_keys = set(merge_metric_sets(head, prefix_keys=clashes).scalars)
    assert base_keys == {"train/metrics.json:acc", "f1"}
    assert head_keys == base_keys | {"test/metrics.json:acc"}


def test_the_same_file_twice_cannot_be_merged() -> None:
    metrics = parse_metrics("m.json", '{"acc": 1}')
    with pytest.raises(InputError) as excinfo:
        merge_metric_sets([("m.json", metrics), ("m.json", metrics)])
    one_line_error(excinfo, "m.json", "more than once")


# --- reading files -------------------------------------------------------------------------


def test_read_metric_files_reads_merges_and_reads_a_repeated_path_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "eval").mkdir()
    (tmp_path / "eval" / "metrics.json").write_text('{"acc": 0.9}', encoding="utf-8")
    # A byte-order mark, as some Windows editors write, is not an error.
    (tmp_path / "params.yaml").write_text("\ufefflr: 1e-3\n", encoding="utf-8")
    paths: list[str | Path] = ["eval/metrics.json", Path("params.yaml"), "./eval/metrics.json"]
    assert [name for name, _ in read_metric_files(paths)] == ["eval/metrics.json", "params.yaml"]
    merged = merge_metric_sets(read_metric_files(paths))
    assert merged.scalars == {"acc": 0.9, "lr": 0.001}
    assert merged.sources == {"acc": "eval/metrics.json", "lr": "params.yaml"}


def test_read_metric_files_names_a_missing_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InputError) as excinfo:
        read_metric_files(["eval/missing.json"])
    one_line_error(excinfo, "eval/missing.json", "not found")


@pytest.mark.parametrize(
    ("content", "expected"),
    [(b"\xff\xfe{}", "UTF-8"), (b"", "empty")],
)
def test_read_metric_files_names_an_unreadable_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: bytes, expected: str
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("metrics.json").write_bytes(content)
    with pytest.raises(InputError) as excinfo:
        read_metric_files(["metrics.json"])
    one_line_error(excinfo, "metrics.json", expected)


def test_read_metric_files_names_a_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("metrics.json").mkdir()
    with pytest.raises(InputError) as excinfo:
        read_metric_files(["metrics.json"])
    one_line_error(excinfo, "metrics.json", "directory")


# --- dvc parity ----------------------------------------------------------------------------

PARITY_DOCUMENTS = {
    "metrics.json": """{
        "train": {"loss": 0.25, "epochs": 10, "done": true, "tag": "v1"},
        "eval": {"f1": 0.9, "top.1": 0.7, "nothing": null, "empty": {}, "curve": [0.1, 0.2],
                 "per_class": [{"class": "cat", "f1": 0.8}], "odd": NaN, "far": -Infinity},
        "report": {"cat": {"f1-score": 0.8, "support": 40}, "accuracy": 0.8}
    }""",
    "metrics.yaml": """
train: {loss: 2.5e-1, lr: 1e-3, steps: 010, octal: 0o10, big: 1_000, hex: 0x1F, done: true}
eval:
  top.1: .7
  answered: yes
  switch: off
  nothing: ~
  when: 2024-05-01
  loss: .nan
  best: .inf
  curve: [0.1, 0.2]
  per_class:
    - {label: cat, f1: 0.8}
  nested: {a: {b: {c: -1}}, empty: {}}
""",
    "metrics.toml": """
accuracy = 0.91
"top.5" = 0.99
released = 1979-05-27T07:32:00Z
curve = [0.1, 0.2]
[eval.test]
f1 = nan
recall = -inf
ok = false
name = "bert"
[[per_class]]
class = "cat"
f1 = 0.8
""",
}


def _comparable(scalars: dict[str, Any]) -> dict[str, tuple[str, str]]:
    # NaN != NaN and True == 1, so compare type names and reprs instead of values.
    return {key: (type(value).__name__, repr(value)) for key, value in scalars.items()}


@pytest.mark.parametrize("path", sorted(PARITY_DOCUMENTS))
def test_flattened_keys_and_values_match_dvc_metrics(path: str) -> None:
    from dvc.repo.metrics.show import _extract_metrics  # type: ignore[import-untyped]
    from dvc.utils.flatten import flatten  # type: ignore[import-untyped]
    from dvc.utils.serialize import PARSERS  # type: ignore[import-untyped]

    text = PARITY_DOCUMENTS[path]
    suffix = Path(path).suffix
    dvc_scalars = flatten(_extract_metrics(PARSERS[suffix](text, path), path))
    ours = parse_metrics(path, text).scalars
    # dvc drops nulls; we keep them so the report can show them (a documented difference).
    without_nulls = {key: value for key, value in ours.items() if value is not None}
    assert _comparable(without_nulls) == _comparable(dvc_scalars)
    assert any(value is None for value in ours.values()) == (suffix != ".toml")
