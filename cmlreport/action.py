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
from pathlib import PurePosixPath

from cmlreport.errors import InputError
from cmlreport.textsafe import escape_controls

COMMANDS = ("report", "send-comment", "check", "runner-launch", "runner-stop")
MODES = ("update", "recreate", "new", "once")  # send-comment --mode
BOOLEANS = ("comment", "place-status", "spot", "single", "reuse-idle", "wait")
# action.yml's defaults, for the inputs a run leaves unset (a test holds the two equal).
DEFAULTS: dict[str, str] = {
    "command": "report",
    "report": "report.md",
    "comment": "true",
    "place-status": "true",
    "target": "auto",
    "images": "assets",
    "cloud": "aws",
    "spot": "false",
    "single": "true",
    "reuse-idle": "false",
    "wait": "true",
}
# Inputs passed on to a flag as they are, and the flags whose name is not --INPUT.
PLAIN = (
    "base",
    "key",
    "target",
    "mode",
    "images",
    "image-root",
    "cloud",
    "gpu",
    "instance-type",
    "region",
    "image",
    "disk-size",
    "subnet",
    "instance-profile",
    "labels",
    "runner-name",
    "instance-id",
    "idle-timeout",
    "max-lifetime",
    "launch-timeout",
    # --cloud kubernetes; node-selector and toleration are lists, one flag per word.
    "kubeconfig",
    "namespace",
    "gpus",
    "node-selector",
    "toleration",
    "pod-image",
)
FLAGS = {"runner-name": "--name", "launch-timeout": "--timeout"}
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
    """Every input the action's run step reads, checked; names as in action.yml. ``text``
    holds the inputs passed on to a flag as they are (``PLAIN``), by their action.yml name."""

    command: str
    report: str
    metrics: tuple[str, ...]
    plots: tuple[str, ...]
    gates: Gates
    security_groups: tuple[str, ...]
    comment: bool
    place_status: bool
    spot: bool
    single: bool
    reuse_idle: bool
    wait: bool
    text: Mapping[str, str]

    @classmethod
    def from_environ(cls, env: Mapping[str, str]) -> ActionInputs:
        """The inputs from ``INPUT_*`` variables; an unset one takes action.yml's default.
        Raises ``InputError`` naming the first bad input."""

        def get(name: str) -> str:
            return env.get(variable(name), DEFAULTS.get(name, ""))

        command = get("command")
        if command not in COMMANDS:
            raise InputError(f"input 'command' is {_shown(command)}: use {_choices(COMMANDS)}")
        flags = {name.replace("-", "_"): _boolean(name, get(name)) for name in BOOLEANS}
        # Empty is allowed: in a DVC project `cmlreport report` takes what dvc.yaml declares,
        # and elsewhere it says in one line that it needs a metrics file.
        metrics = split_list(get("metrics"))
        report = get("report")
        # A line break would let the path write other step outputs through GITHUB_OUTPUT.
        if not report or "\n" in report or "\r" in report:
            raise InputError("input 'report' must be one file path")
        if get("mode") not in ("", *MODES):
            raise InputError(f"input 'mode' is {_shown(get('mode'))}: use {_choices(MODES)}")
        return cls(
            command=command,
            report=report,
            metrics=metrics,
            plots=split_list(get("plots")),
            gates=Gates.parse(get("gates")),
            security_groups=split_list(get("security-groups")),
            text={name: get(name) for name in PLAIN},
            **flags,
        )

    def options(self, *names: str) -> list[str]:
        """``FLAG VALUE`` for each of these inputs that is not empty (the CLI's default
        applies to an empty one); the flag is ``--NAME`` unless ``FLAGS`` says otherwise."""
        pairs = [(FLAGS.get(name, f"--{name}"), self.text[name]) for name in names]
        return [arg for flag, value in pairs if value for arg in (flag, value)]


def _boolean(name: str, value: str) -> bool:
    if value not in ("true", "false"):
        raise InputError(f"input '{name}' is {_shown(value)}: use true or false")
    return value == "true"


def _shown(value: str) -> str:
    # Quoted back to the user on one line, line breaks and escapes visible as \x0a, \x1b.
    return f"'{escape_controls(value)}'"


def _choices(names: tuple[str, ...]) -> str:
    return f"{', '.join(names[:-1])} or {names[-1]}"


def _repeated(flag: str, values: tuple[str, ...]) -> list[str]:
    return [arg for value in values for arg in (flag, value)]


def report_json_path(inputs: ActionInputs) -> str | None:
    """Where command=report writes the report as data, for command=check's annotations:
    ``<stem>.json`` beside the report (``check`` finds it there); None when that would be the
    report itself or one of the metrics files."""
    sibling = PurePosixPath(inputs.report).with_suffix(".json")
    taken = {PurePosixPath(inputs.report), *map(PurePosixPath, inputs.metrics)}
    return None if sibling in taken else str(sibling)


def report_argv(inputs: ActionInputs) -> list[str]:
    data = report_json_path(inputs)
    return [
        "report",
        "--output",
        inputs.report,
        *([f"--json={data}"] if data else []),  # one word: a path "-x.json" is no flag
        *_repeated("--metrics", inputs.metrics),
        *_repeated("--plot", inputs.plots),
        *inputs.options("base"),
        *_repeated("--fail-if", inputs.gates.thresholds),
        *_repeated("--fail-on-regression", inputs.gates.regressions),
    ]


def send_comment_argv(inputs: ActionInputs) -> list[str]:
    # target and images always: an empty one is refused by the CLI, as it always was.
    always = ["--target", inputs.text["target"], "--images", inputs.text["images"]]
    # After "--" a report named "--help" or "-x" is a file name, not a flag.
    return [
        "send-comment",
        *always,
        *inputs.options("key", "image-root", "mode"),
        *([] if inputs.place_status else ["--no-place-status"]),
        "--",
        inputs.report,
    ]


def runner_launch_argv(inputs: ActionInputs) -> list[str]:
    return [
        "runner",
        "launch",
        "--cloud",
        inputs.text["cloud"],
        *inputs.options("gpu", "instance-type", "region", "image", "disk-size", "subnet"),
        *_repeated("--security-group", inputs.security_groups),
        *inputs.options("instance-profile", "labels", "runner-name"),
        *inputs.options("idle-timeout", "max-lifetime", "launch-timeout"),
        *inputs.options("kubeconfig", "namespace", "gpus", "pod-image"),
        *_repeated("--node-selector", split_list(inputs.text["node-selector"])),
        *_repeated("--toleration", split_list(inputs.text["toleration"])),
        *(["--spot"] if inputs.spot else []),
        # Both ways explicitly: the input's default, not the CLI's, is what the user read.
        "--single" if inputs.single else "--no-single",
        *(["--reuse-idle"] if inputs.reuse_idle else []),
        "--wait" if inputs.wait else "--no-wait",
    ]


def runner_stop_argv(inputs: ActionInputs) -> list[str]:
    pods = inputs.text["cloud"] == "kubernetes"
    cloud = ["--cloud", "kubernetes", *inputs.options("kubeconfig", "namespace")] if pods else []
    where = inputs.options("runner-name", "labels", "instance-id", "region")
    return ["runner", "stop", *cloud, *where]


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
