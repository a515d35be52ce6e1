"""The GitHub Action's inputs, checked, and the cmlreport commands they stand for.

`action.yml` passes each input as an ``INPUT_<NAME>`` variable (``image-root`` is
``INPUT_IMAGE_ROOT``); ``ActionInputs.from_environ`` checks them once, and ``calls`` spells out
the command lines the action runs, in order. Pure: a mapping in, values out; the
``cmlreport action`` command does the running. Input values are data, never code: lists split
on spaces, tabs and newlines only (as bash's ``read -a`` did), nothing is expanded or globbed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from cmlreport.errors import InputError
from cmlreport.textsafe import escape_controls

COMMANDS = ("report", "send-comment", "check", "runner-launch", "runner-stop")
BOOLEANS = ("comment", "spot", "single", "wait")
# action.yml's defaults, for the inputs a run leaves unset (a test holds the two equal).
DEFAULTS: dict[str, str] = {
    "command": "report",
    "report": "report.md",
    "comment": "true",
    "target": "auto",
    "images": "assets",
    "cloud": "aws",
    "spot": "false",
    "single": "true",
    "wait": "true",
}
# bash's default IFS: what separated the paths of `metrics`, `plots` and `security-groups`.
_LIST_SEPARATOR = re.compile(r"[ \t\n]+")
# bash's [[:space:]], trimmed from both ends of a gate line.
_SPACE = " \t\n\v\f\r"
# A gate line with one of these is a threshold ("eval.f1 < 0.9"); else a regression gate.
_COMPARISON = re.compile(r"[<>=]")


def variable(name: str) -> str:
    """The variable action.yml passes an input in: ``image-root`` -> ``INPUT_IMAGE_ROOT``."""
    return "INPUT_" + name.upper().replace("-", "_")


def split_list(text: str) -> tuple[str, ...]:
    return tuple(part for part in _LIST_SEPARATOR.split(text) if part)


@dataclass(frozen=True)
class Gates:
    """The ``gates`` input, line by line: thresholds for ``--fail-if``, the rest for
    ``--fail-on-regression``."""

    thresholds: tuple[str, ...] = ()
    regressions: tuple[str, ...] = ()

    @classmethod
    def parse(cls, text: str) -> Gates:
        lines = [line.strip(_SPACE) for line in text.split("\n")]
        gates = [line for line in lines if line]
        return cls(
            thresholds=tuple(g for g in gates if _COMPARISON.search(g)),
            regressions=tuple(g for g in gates if not _COMPARISON.search(g)),
        )


@dataclass(frozen=True)
class ActionInputs:
    """Every input the action's run step reads, checked; names as in action.yml."""

    command: str = "report"
    report: str = "report.md"
    metrics: tuple[str, ...] = ()
    plots: tuple[str, ...] = ()
    base: str = ""
    gates: Gates = Gates()
    comment: bool = True
    key: str = ""
    target: str = "auto"
    images: str = "assets"
    image_root: str = ""
    cloud: str = "aws"
    gpu: str = ""
    instance_type: str = ""
    region: str = ""
    image: str = ""
    disk_size: str = ""
    subnet: str = ""
    security_groups: tuple[str, ...] = ()
    instance_profile: str = ""
    spot: bool = False
    labels: str = ""
    runner_name: str = ""
    instance_id: str = ""
    idle_timeout: str = ""
    max_lifetime: str = ""
    single: bool = True
    wait: bool = True

    @classmethod
    def from_environ(cls, env: Mapping[str, str]) -> ActionInputs:
        """The inputs from ``INPUT_*`` variables; an unset one takes action.yml's default.
        Raises ``InputError`` naming the first bad input."""

        def get(name: str) -> str:
            return env.get(variable(name), DEFAULTS.get(name, ""))

        command = get("command")
        if command not in COMMANDS:
            raise InputError(f"input 'command' is {_shown(command)}: use {_choices(COMMANDS)}")
        flags = {name: _boolean(name, get(name)) for name in BOOLEANS}
        metrics = split_list(get("metrics"))
        if command == "report" and not metrics:
            raise InputError(
                "input 'metrics' is empty: list the metrics files command=report compares"
            )
        report = get("report")
        # A line break would let the path write other step outputs through GITHUB_OUTPUT.
        if not report or "\n" in report or "\r" in report:
            raise InputError("input 'report' must be one file path")
        return cls(
            command=command,
            report=report,
            metrics=metrics,
            plots=split_list(get("plots")),
            base=get("base"),
            gates=Gates.parse(get("gates")),
            key=get("key"),
            target=get("target"),
            images=get("images"),
            image_root=get("image-root"),
            cloud=get("cloud"),
            gpu=get("gpu"),
            instance_type=get("instance-type"),
            region=get("region"),
            image=get("image"),
            disk_size=get("disk-size"),
            subnet=get("subnet"),
            security_groups=split_list(get("security-groups")),
            instance_profile=get("instance-profile"),
            labels=get("labels"),
            runner_name=get("runner-name"),
            instance_id=get("instance-id"),
            idle_timeout=get("idle-timeout"),
            max_lifetime=get("max-lifetime"),
            **flags,
        )


def _boolean(name: str, value: str) -> bool:
    if value not in ("true", "false"):
        raise InputError(f"input '{name}' is {_shown(value)}: use true or false")
    return value == "true"


def _shown(value: str) -> str:
    # Quoted back to the user on one line, line breaks and escapes visible as \x0a, \x1b.
    return f"'{escape_controls(value)}'"


def _choices(names: tuple[str, ...]) -> str:
    return f"{', '.join(names[:-1])} or {names[-1]}"


def _given(flag: str, value: str) -> list[str]:
    """``[flag, value]``, or nothing when the input is empty (the CLI's default applies)."""
    return [flag, value] if value else []


def _repeated(flag: str, values: tuple[str, ...]) -> list[str]:
    return [arg for value in values for arg in (flag, value)]


def report_argv(inputs: ActionInputs) -> list[str]:
    return [
        "report",
        "--output",
        inputs.report,
        *_repeated("--metrics", inputs.metrics),
        *_repeated("--plot", inputs.plots),
        *_given("--base", inputs.base),
        *_repeated("--fail-if", inputs.gates.thresholds),
        *_repeated("--fail-on-regression", inputs.gates.regressions),
    ]


def send_comment_argv(inputs: ActionInputs) -> list[str]:
    return [
        "send-comment",
        "--target",
        inputs.target,
        "--images",
        inputs.images,
        *_given("--key", inputs.key),
        *_given("--image-root", inputs.image_root),
        # After "--" a report named "--help" or "-x" is a file name, not a flag.
        "--",
        inputs.report,
    ]


def runner_launch_argv(inputs: ActionInputs) -> list[str]:
    return [
        "runner",
        "launch",
        "--cloud",
        inputs.cloud,
        *_given("--gpu", inputs.gpu),
        *_given("--instance-type", inputs.instance_type),
        *_given("--region", inputs.region),
        *_given("--image", inputs.image),
        *_given("--disk-size", inputs.disk_size),
        *_given("--subnet", inputs.subnet),
        *_repeated("--security-group", inputs.security_groups),
        *_given("--instance-profile", inputs.instance_profile),
        *_given("--labels", inputs.labels),
        *_given("--name", inputs.runner_name),
        *_given("--idle-timeout", inputs.idle_timeout),
        *_given("--max-lifetime", inputs.max_lifetime),
        *(["--spot"] if inputs.spot else []),
        # Both ways explicitly: the input's default, not the CLI's, is what the user read.
        "--single" if inputs.single else "--no-single",
        "--wait" if inputs.wait else "--no-wait",
    ]


def runner_stop_argv(inputs: ActionInputs) -> list[str]:
    return [
        "runner",
        "stop",
        *_given("--name", inputs.runner_name),
        *_given("--labels", inputs.labels),
        *_given("--instance-id", inputs.instance_id),
        *_given("--region", inputs.region),
    ]


def calls(inputs: ActionInputs) -> list[list[str]]:
    """The cmlreport command lines the action runs, in order. For ``report`` the first builds
    the report (a failed gate does not stop the comment after it)."""
    if inputs.command == "report":
        return [report_argv(inputs)] + ([send_comment_argv(inputs)] if inputs.comment else [])
    if inputs.command == "send-comment":
        return [send_comment_argv(inputs)]
    if inputs.command == "check":
        return [["check", "--", inputs.report]]
    if inputs.command == "runner-launch":
        return [runner_launch_argv(inputs)]
    return [runner_stop_argv(inputs)]


def report_outputs(inputs: ActionInputs, *, gates_failed: bool) -> dict[str, str]:
    """The step outputs of command=report, once the report is written."""
    return {"report-path": inputs.report, "gates": "failed" if gates_failed else "passed"}
