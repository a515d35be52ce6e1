"""What a dvc.yaml declares, read by cmlreport without dvc: real files, then hostile ones."""

from __future__ import annotations

import pytest

from cmlreport.errors import InputError
from cmlreport.metrics.dvcyaml import MAX_DECLARED, Declared, declared_outputs
from tests.dvchistory import HISTORIES


def real(project: str, commit: str = "1") -> str:
    return (HISTORIES / project / commit / "dvc.yaml").read_text(encoding="utf-8")


def test_stage_metrics_with_options_and_top_level_plots_by_their_files() -> None:
    declared = declared_outputs(real("example-get-started"), "dvc.yaml")
    assert declared.metrics == ("eval/live/metrics.json",)
    # A plot whose y names files is only a title ("ROC"); the image is a plain path.
    assert "eval/live/plots/sklearn/roc/test.json" in declared.plots
    assert "eval/importance.png" in declared.plots
    assert not any(p in declared.plots for p in ("ROC", "Confusion-Matrix"))


def test_a_stage_plots_folder_and_dvclive_3_top_level_lists() -> None:
    experiments = declared_outputs(real("example-dvc-experiments"), "dvc.yaml")
    assert experiments == Declared(metrics=("metrics.json",), plots=("plots",))
    first = declared_outputs(real("gauteng-qol"), "dvc.yaml")
    assert first == Declared(
        metrics=("outputs/eval/metrics.json", "dvclive/metrics.json"),
        plots=("dvclive/plots/metrics",),
    )
    # The third commit lists outputs/eval/metrics.json twice: one path, read once. Its
    # dvclive/fold_*/metrics.json files are committed but not declared, so they are not read.
    assert declared_outputs(real("gauteng-qol", "3"), "dvc.yaml") == first


def test_paths_are_from_the_repository_root_through_folder_and_wdir() -> None:
    text = "stages:\n  t:\n    wdir: ..\n    metrics:\n    - m.json\nmetrics: [x.json]\n"
    assert declared_outputs(text, "sub/dvc.yaml", "sub").metrics == ("sub/x.json", "m.json")


def test_foreach_matrix_vars_and_params_expand() -> None:
    text = (
        "vars:\n- out: res\nstages:\n"
        "  a:\n    foreach: ${models}\n    do:\n"
        "      metrics:\n      - ${out}/${key}-${item.n}.json\n"
        "      outs:\n      - ${key}/dvclive\n"
        "  b:\n    matrix:\n      m: [x, y]\n      s: [1, true]\n    metrics:\n"
        "    - ${out}/${item.m}-${item.s}.json\n"
        "  c:\n    foreach: [p, q]\n    do:\n      plots:\n      - ${item}.png\n"
    )
    declared = declared_outputs(text, "dvc.yaml", "", {"models": {"us": {"n": 1}}})
    assert declared.metrics == (
        "res/us-1.json",
        "res/x-1.json",
        "res/x-true.json",
        "res/y-1.json",
        "res/y-true.json",
    )
    assert declared.plots == ("p.png", "q.png")
    assert declared.live_dirs == ("us/dvclive",)


def test_an_empty_dvc_yaml_declares_nothing() -> None:
    assert declared_outputs("", "dvc.yaml") == Declared()
    assert declared_outputs("stages: {}\n", "dvc.yaml") == Declared()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("metrics: [/etc/passwd]", "metrics[0]: '/etc/passwd' is an absolute path"),
        ("metrics: ['C:\\\\x.json']", "is an absolute path"),
        ("metrics: ['~/m.json']", "is an absolute path"),
        ("metrics: [../../x.json]", "metrics[0]: '../../x.json' leads outside the repository"),
        ("metrics: [a/../../x.json]", "leads outside the repository"),
        ("stages:\n  a:\n    wdir: ..\n    metrics: [m.json]", "stages.a.wdir: '..' leads outside"),
        ("plots: ['s3://bucket/p.png']", "is a remote location"),
        ("metrics: 3", "metrics: expected a list of paths, got a number"),
        ("metrics: [[a]]", "metrics[0]: expected a path, got a list"),
        ("- a", "expected a mapping, got a list"),
        ("stages: [a]", "stages: expected a mapping, got a list"),
        ("stages:\n  a:\n    metrics:\n    - ${nope}/m.json", "${nope} is not in params.yaml"),
        ("stages:\n  a:\n    metrics:\n    - ${a + b}.json", "${a + b} is not in params.yaml"),
        ("stages:\n  a:\n    foreach: 3\n    do: {}", "stages.a.foreach: expected a list"),
        ('metrics: ["${x}"]\nvars:\n- x: [1]', "${x} is a list, not part of a path"),
    ],
)
def test_hostile_or_wrong_entries_are_one_line_naming_the_key(text: str, message: str) -> None:
    with pytest.raises(InputError) as info:
        declared_outputs(text, "dvc.yaml")
    assert info.value.message.startswith("dvc.yaml: ")
    assert message in info.value.message
    assert "\n" not in info.value.message


def test_an_expansion_past_the_limit_is_refused_before_it_is_built() -> None:
    axis = list(range(int(MAX_DECLARED**0.5) + 1))
    text = f"stages:\n  a:\n    matrix:\n      x: {axis}\n      y: {axis}\n    cmd: x\n"
    with pytest.raises(InputError, match=r"stages\.a\.matrix: expands to more than 10,000"):
        declared_outputs(text, "dvc.yaml")
    many = "metrics:\n" + "".join(f"- m{i}.json\n" for i in range(MAX_DECLARED + 1))
    with pytest.raises(InputError, match="declares more than 10,000 outputs"):
        declared_outputs(many, "dvc.yaml")


def test_deeply_nested_yaml_is_one_line() -> None:
    with pytest.raises(InputError, match=r"dvc\.yaml: "):
        declared_outputs("a: " + "[" * 100_000, "dvc.yaml")
