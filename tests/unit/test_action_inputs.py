"""The GitHub Action's inputs: checked once, then spelt out as cmlreport command lines.

Every branch the action's bash used to take, and hostile values: an input is data, never code.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml

from cmlreport.action import (
    BOOLEANS,
    COMMANDS,
    DEFAULTS,
    ActionInputs,
    Gates,
    calls,
    report_outputs,
    variable,
)
from cmlreport.errors import InputError

ROOT = Path(__file__).resolve().parents[2]
ACTION: dict[str, Any] = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))


def inputs(**given: str) -> ActionInputs:
    """The inputs of a run whose `with:` sets these (names with _ for -)."""
    env = {variable(name.replace("_", "-")): value for name, value in given.items()}
    return ActionInputs.from_environ(env)


def refused(**given: str) -> str:
    with pytest.raises(InputError) as caught:
        inputs(**given)
    assert caught.value.exit_code == 2
    return caught.value.message


def _run_env() -> dict[str, str]:
    """The INPUT_* variables the action's run step sets, and their ${{ }} values."""
    (run,) = [s for s in ACTION["runs"]["steps"] if s.get("id") == "run"]
    return {k: v for k, v in run["env"].items() if k.startswith("INPUT_")}


def test_each_input_arrives_in_the_variable_action_yml_sets() -> None:
    passed = _run_env()
    for name, expression in passed.items():
        match = re.fullmatch(r"\$\{\{ inputs\.([\w-]+) \}\}", expression)
        assert match and variable(match.group(1)) == name

    class Recorder(dict[str, str]):
        def get(self, key: str, default: Any = None) -> Any:
            read.add(key)
            return super().get(key, default)

    read: set[str] = set()
    ActionInputs.from_environ(Recorder(INPUT_METRICS="m.json"))
    assert read == set(passed)  # nothing passed that is not read, nothing read not passed


def test_an_unset_input_takes_action_yml_default() -> None:
    read_by_python = {k[len("INPUT_") :].lower().replace("_", "-") for k in _run_env()}
    for name, spec in ACTION["inputs"].items():
        if name in read_by_python:
            assert DEFAULTS.get(name, "") == spec.get("default", ""), name
    unset = ActionInputs.from_environ({"INPUT_METRICS": "m.json"})
    assert unset == inputs(
        **{n.replace("-", "_"): d for n, d in DEFAULTS.items()}, metrics="m.json"
    )


def test_the_early_bash_check_knows_the_same_commands() -> None:
    check = ACTION["runs"]["steps"][0]["run"]
    (listed,) = re.findall(r"^\s*(report \|.*)\) ;;$", check, re.MULTILINE)
    assert tuple(c.strip() for c in listed.split("|")) == COMMANDS
    assert "use report, send-comment, check, runner-launch or runner-stop" in check


@pytest.mark.parametrize("command", ["deploy", "Report", " report", ""])
def test_an_unknown_command_is_refused_by_name(command: str) -> None:
    message = refused(command=command, metrics="m.json")
    assert message == (
        f"input 'command' is '{command}': "
        "use report, send-comment, check, runner-launch or runner-stop"
    )


@pytest.mark.parametrize("name", BOOLEANS)
@pytest.mark.parametrize("value", ["yes", "True", "TRUE", "1", "", " true", "true\n"])
def test_a_boolean_input_is_true_or_false_exactly(name: str, value: str) -> None:
    message = refused(metrics="m.json", **{name: value})
    assert message.startswith(f"input '{name}' is '")
    assert message.endswith("': use true or false")


def test_booleans_read_both_ways() -> None:
    off = inputs(metrics="m", comment="false", spot="true", single="false", wait="false")
    assert (off.comment, off.spot, off.single, off.wait) == (False, True, False, False)
    on = inputs(metrics="m", comment="true", spot="false", single="true", wait="true")
    assert (on.comment, on.spot, on.single, on.wait) == (True, False, True, True)


@pytest.mark.parametrize("metrics", ["", " ", "\n\t \n"])
def test_report_without_metrics_leaves_the_choice_to_dvc_yaml(metrics: str) -> None:
    # cmlreport report itself takes dvc.yaml's metrics, or refuses in one line.
    assert inputs(metrics=metrics).metrics == ()


@pytest.mark.parametrize("command", ["send-comment", "check", "runner-launch", "runner-stop"])
def test_other_commands_need_no_metrics(command: str) -> None:
    assert inputs(command=command).command == command


@pytest.mark.parametrize("report", ["", "a.md\nb.md", "a.md\n", "a.md\rgates=passed"])
def test_the_report_is_one_path(report: str) -> None:
    # A line break would write other step outputs (report-path=... then gates=passed).
    assert refused(metrics="m.json", report=report) == "input 'report' must be one file path"


def test_a_hostile_value_is_quoted_back_on_one_line() -> None:
    message = refused(command="x\n::add-mask::secret\x1b[2J")
    assert "\n" not in message and "\x1b" not in message
    assert "'x\\x0a::add-mask::secret\\x1b[2J'" in message


def test_lists_split_on_spaces_tabs_and_newlines_only() -> None:
    got = inputs(
        metrics="a.json b.json\n\tc.json\n\n", plots="plots/\n", security_groups="sg-1 sg-2"
    )
    assert got.metrics == ("a.json", "b.json", "c.json")
    assert got.plots == ("plots/",) and got.security_groups == ("sg-1", "sg-2")
    # bash's read -a split on its IFS only: a no-break space is part of a name.
    assert inputs(metrics="a\u00a0b.json").metrics == ("a\u00a0b.json",)


HOSTILE = [
    "$(echo INJECTED)",
    "`echo INJECTED`",
    "*.json",
    "~/x.json",
    "${HOME}",
    "::set-output name=gates::passed",
    "x.json; rm -rf /",
    "--help",
]


@pytest.mark.parametrize("value", HOSTILE)
def test_a_hostile_value_is_one_argument_as_written(value: str) -> None:
    got = inputs(base=value, key=value, image_root=value, report=value, metrics="m.json")
    report, comment = calls(got)
    assert report[report.index("--base") + 1] == value
    assert report[report.index("--output") + 1] == value
    assert comment[comment.index("--key") + 1] == value
    assert comment[comment.index("--image-root") + 1] == value
    assert comment[-2:] == ["--", value]  # the report path after "--": never a flag


def test_hostile_words_in_a_list_stay_words() -> None:
    got = inputs(metrics="$(echo INJECTED) `x` *.json")
    assert got.metrics == ("$(echo", "INJECTED)", "`x`", "*.json")


def test_spaces_inside_a_single_value_are_kept() -> None:
    got = inputs(
        metrics="m.json",
        report="out dir/ci report.md",
        image_root="my images",
        base="origin/main ",
    )
    (report, comment) = calls(got)
    assert report[:3] == ["report", "--output", "out dir/ci report.md"]
    assert report[report.index("--base") + 1] == "origin/main "
    assert comment[comment.index("--image-root") + 1] == "my images"


def test_gate_lines_with_a_comparison_are_thresholds() -> None:
    gates = Gates.parse(
        "eval.f1:0.01\n  eval.accuracy < 0.5  \n\n\t eval.*:2% \r\n"
        "loss<=0.4\nacc >= 0.9\nf1 == 1\nf1 != 0\nrecall>0.1\neval.f1\n"
    )
    assert gates.thresholds == (
        "eval.accuracy < 0.5",
        "loss<=0.4",
        "acc >= 0.9",
        "f1 == 1",
        "f1 != 0",
        "recall>0.1",
    )
    assert gates.regressions == ("eval.f1:0.01", "eval.*:2%", "eval.f1")


def test_a_gate_line_with_inner_spaces_is_one_gate() -> None:
    got = inputs(metrics="m.json", gates="  eval.accuracy   >=  0.5  \n eval.f1 : 1% ")
    (report, _) = calls(got)
    assert report[report.index("--fail-if") + 1] == "eval.accuracy   >=  0.5"
    assert report[report.index("--fail-on-regression") + 1] == "eval.f1 : 1%"


def test_a_workflow_command_as_a_gate_is_a_gate_text() -> None:
    gates = Gates.parse("::add-mask::x\n::error::y=1")
    assert gates.regressions == ("::add-mask::x",) and gates.thresholds == ("::error::y=1",)


def test_report_with_comment_builds_then_posts() -> None:
    got = inputs(
        metrics="metrics.json\nper_class.csv",
        plots="plots/ curve.png",
        base="origin/main",
        gates="eval.f1:0.01\neval.accuracy < 0.5",
        key="nightly",
        target="pr/7",
        images="mermaid",
        image_root="out",
    )
    expected = [
        "report --output report.md --json=report.json --metrics metrics.json"
        " --metrics per_class.csv"
        " --plot plots/ --plot curve.png --base origin/main"
        " --fail-if 'eval.accuracy < 0.5' --fail-on-regression eval.f1:0.01",
        "send-comment --target pr/7 --images mermaid --key nightly --image-root out -- report.md",
    ]
    assert calls(got) == [shlex.split(line) for line in expected]


def test_report_with_the_defaults() -> None:
    assert calls(inputs(metrics="m.json")) == [
        ["report", "--output", "report.md", "--json=report.json", "--metrics", "m.json"],
        ["send-comment", "--target", "auto", "--images", "assets", "--", "report.md"],
    ]


def test_report_without_comment_only_builds() -> None:
    got = inputs(metrics="m.json", comment="false", report="out/ci.md")
    assert calls(got) == [
        ["report", "--output", "out/ci.md", "--json=out/ci.json", "--metrics", "m.json"]
    ]


def test_the_report_json_goes_beside_the_report_but_never_over_an_input() -> None:
    # check finds STEM.json beside the report: the failed gates' annotations need no flag.
    assert (
        calls(inputs(metrics="m.json", report="-r.md", comment="false"))[0][3] == "--json=-r.json"
    )
    for clash in (inputs(metrics="report.json"), inputs(metrics="m.json", report="r.json")):
        assert not [arg for arg in calls(clash)[0] if arg.startswith("--json")]


def test_send_comment_and_check_read_the_report_input() -> None:
    assert calls(inputs(command="send-comment", report="r.md")) == [
        ["send-comment", "--target", "auto", "--images", "assets", "--", "r.md"]
    ]
    assert calls(inputs(command="check", report="-r.md")) == [["check", "--", "-r.md"]]


def test_the_mode_input_goes_to_send_comment_and_a_bad_one_is_named() -> None:
    assert calls(inputs(command="send-comment", mode="recreate")) == [
        [
            "send-comment",
            "--target",
            "auto",
            "--images",
            "assets",
            "--mode",
            "recreate",
            "--",
            "report.md",
        ]
    ]
    assert refused(command="send-comment", mode="sticky") == (
        "input 'mode' is 'sticky': use update, recreate, new or once"
    )


def test_place_status_false_keeps_no_commit_status_and_a_bad_value_is_named() -> None:
    (call,) = calls(inputs(command="send-comment", **{"place-status": "false"}))
    assert call[-3:] == ["--no-place-status", "--", "report.md"]
    assert refused(command="send-comment", **{"place-status": "no"}) == (
        "input 'place-status' is 'no': use true or false"
    )


def test_runner_launch_with_the_defaults_says_single_and_wait() -> None:
    assert calls(inputs(command="runner-launch")) == [
        ["runner", "launch", "--cloud", "aws", "--single", "--wait"]
    ]


def test_runner_launch_with_every_input() -> None:
    got = inputs(
        command="runner-launch",
        gpu="a10g",
        instance_type="g5.2xlarge",
        region="eu-west-1",
        image="ami-123",
        disk_size="200",
        subnet="subnet-1",
        security_groups="sg-1\nsg-2",
        instance_profile="runner-role",
        spot="true",
        labels="gpu,big",
        runner_name="r1",
        idle_timeout="5m",
        max_lifetime="2h",
        launch_timeout="20m",
        single="false",
        wait="false",
    )
    expected = (
        "runner launch --cloud aws --gpu a10g --instance-type g5.2xlarge --region eu-west-1"
        " --image ami-123 --disk-size 200 --subnet subnet-1"
        " --security-group sg-1 --security-group sg-2 --instance-profile runner-role"
        " --labels gpu,big --name r1 --idle-timeout 5m --max-lifetime 2h --timeout 20m"
        " --spot --no-single --no-wait"
    )
    assert calls(got) == [expected.split()]


def test_runner_launch_on_kubernetes_passes_the_pod_flags() -> None:
    got = inputs(
        command="runner-launch",
        cloud="kubernetes",
        namespace="ci-runners",
        kubeconfig="kube.yaml",
        gpus="2",
        node_selector="nvidia.com/gpu.product=Tesla-T4\npool=gpu",
        toleration="nvidia.com/gpu=present:NoSchedule",
        pod_image="ghcr.io/acme/runner:1",
        labels="gpu-7",
    )
    expected = (
        "runner launch --cloud kubernetes --labels gpu-7 --kubeconfig kube.yaml"
        " --namespace ci-runners --gpus 2 --pod-image ghcr.io/acme/runner:1"
        " --node-selector nvidia.com/gpu.product=Tesla-T4 --node-selector pool=gpu"
        " --toleration nvidia.com/gpu=present:NoSchedule --single --wait"
    )
    assert calls(got) == [expected.split()]


def test_runner_launch_reuses_an_idle_runner_when_asked() -> None:
    got = inputs(command="runner-launch", single="false", reuse_idle="true", labels="gpu-train")
    expected = "runner launch --cloud aws --labels gpu-train --no-single --reuse-idle --wait"
    assert calls(got) == [expected.split()]


def test_runner_stop_on_kubernetes_names_the_cloud_and_namespace() -> None:
    got = inputs(command="runner-stop", cloud="kubernetes", namespace="ci", labels="gpu-7")
    expected = "runner stop --cloud kubernetes --namespace ci --labels gpu-7"
    assert calls(got) == [expected.split()]


def test_runner_stop_passes_only_what_is_given() -> None:
    assert calls(inputs(command="runner-stop")) == [["runner", "stop"]]
    got = inputs(
        command="runner-stop", runner_name="r1", labels="gpu", instance_id="i-1", region="us-east-1"
    )
    expected = "runner stop --name r1 --labels gpu --instance-id i-1 --region us-east-1"
    assert calls(got) == [expected.split()]


def test_report_outputs() -> None:
    got = inputs(metrics="m.json", report="out/ci.md")
    assert report_outputs(got, gates_failed=False) == {
        "report-path": "out/ci.md",
        "gates": "passed",
    }
    assert report_outputs(got, gates_failed=True)["gates"] == "failed"
