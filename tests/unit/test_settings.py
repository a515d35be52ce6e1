import pytest

from cmlreport.errors import InputError
from cmlreport.metrics.load import parse_metrics
from cmlreport.settings import load_settings, parse_settings


def test_pyproject_tool_table(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\n[tool.cmlreport]\nlower-is-better = ["score"]\n'
        'fail-if = ["eval.f1 < 0.9"]\nmin-support = 20\ntop = 5\n'
    )
    s = load_settings(tmp_path)
    assert s.lower_is_better == ("score",) and s.fail_if == ("eval.f1 < 0.9",)
    assert s.min_support == 20.0 and s.top == 5


def test_yaml_file_wins_over_pyproject(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.cmlreport]\ntop = 5\n")
    (tmp_path / ".cmlreport.yaml").write_text("higher_is_better: [error_budget]\ntop: 3\n")
    s = load_settings(tmp_path)
    assert s.top == 3 and s.higher_is_better == ("error_budget",)


def test_no_config_is_empty(tmp_path):
    assert load_settings(tmp_path).fail_if == ()


def test_unknown_key_is_named():
    with pytest.raises(InputError, match="key 'lower-is-beter' is not a cmlreport setting"):
        parse_settings({"lower-is-beter": ["x"]}, "pyproject.toml [tool.cmlreport]")


def test_wrong_types_are_named():
    with pytest.raises(InputError, match="'top' must be a whole number"):
        parse_settings({"top": 2.5}, ".cmlreport.yaml")
    with pytest.raises(InputError, match="'fail-if' must be a list of strings"):
        parse_settings({"fail-if": [1]}, ".cmlreport.yaml")


def test_malformed_yaml_names_the_file(tmp_path):
    (tmp_path / ".cmlreport.yaml").write_text("top: [\n")
    with pytest.raises(InputError, match=r"^\.cmlreport\.yaml: cannot read settings"):
        load_settings(tmp_path)


@pytest.mark.parametrize("spelling", ["5e-2", "5E-2", ".05", "+0.05", "0.5e-1", "50e-3"])
def test_a_number_in_settings_reads_as_the_same_number_in_a_metrics_file(tmp_path, spelling):
    # YAML 1.2 in both: PyYAML's default YAML 1.1 reads 5e-2 as the string "5e-2".
    (tmp_path / ".cmlreport.yaml").write_text(f"slice-threshold: {spelling}\n")
    as_metric = parse_metrics("m.yaml", f"x: {spelling}\n").scalars["x"]
    assert load_settings(tmp_path).slice_threshold == as_metric == pytest.approx(0.05)


@pytest.mark.parametrize(("spelling", "value"), [("1e1", 10), ("0x10", 16), ("0o7", 7)])
def test_whole_numbers_in_settings_take_every_yaml_spelling(tmp_path, spelling, value):
    (tmp_path / ".cmlreport.yaml").write_text(f"top: {spelling}\n")
    assert load_settings(tmp_path).top == value
