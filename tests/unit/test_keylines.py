"""Where a metric's key is written: the line a failed gate's annotation points at."""

from __future__ import annotations

from cmlreport.metrics.keylines import key_line

JSON = (
    '{\n  "train": {"accuracy": 0.5},\n  "eval": {\n'
    '    "loss": 1,\n    "accuracy": 0.9,\n    "top.5": 3\n  }\n}\n'
)


def test_a_nested_key_is_found_under_its_parent_not_at_an_earlier_namesake() -> None:
    assert key_line(JSON, "eval.accuracy") == 5
    assert key_line(JSON, "train.accuracy") == 2


def test_a_name_with_a_dot_of_its_own_is_found_as_one_piece() -> None:
    assert key_line(JSON, "eval.top.5") == 6


def test_yaml_keys_and_a_file_prefix_are_understood() -> None:
    yaml = "eval:\n  f1: 0.8\n  'odd: name': 1\n"
    assert key_line(yaml, "eval.f1") == 2
    assert key_line(yaml, "eval.odd: name") == 3
    assert key_line(JSON, "results/m.json:eval.loss", file="results/m.json") == 4


def test_a_key_that_is_not_written_as_such_points_at_line_1() -> None:
    assert key_line(JSON, "eval.recall") == 1
    assert key_line("label,f1\ncat,0.9\n", "per_class.cat.f1") == 1


def test_a_hostile_key_ends_at_line_1_without_backtracking() -> None:
    text = '{"a": ' * 2_000 + "1" + "}" * 2_000
    assert key_line(text, ".".join(["a"] * 60 + ["b"])) == 1
    assert key_line(text, ".".join(["a"] * 10_000)) == 1
