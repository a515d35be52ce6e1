"""The runner pod's names, labels and flags: what a cluster accepts, from what a user typed."""

from __future__ import annotations

import re

import pytest

from cmlreport.errors import InputError
from cmlreport.runner.k8s_placement import parse_node_selector, parse_toleration
from cmlreport.runner.k8s_requests import label_value, pod_name, waiting_reasons

DNS_1123 = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
LABEL = re.compile(r"^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$")


@pytest.mark.parametrize("name", ["cmlreport-t4-7", "GPU_Runner.1", "-x-", "A" * 64, "a.b_c"])
def test_any_runner_name_gives_a_pod_name_the_cluster_accepts_and_distinct_names_stay_distinct(
    name: str,
) -> None:
    made = pod_name(name)
    assert DNS_1123.fullmatch(made) and len(made) <= 63
    assert pod_name(name.swapcase()) != made or name.swapcase() == name


@pytest.mark.parametrize("repo", ["octo/model", "group/sub/project", "x" * 200, "a/-b-"])
def test_a_repository_becomes_a_valid_label_value(repo: str) -> None:
    value = label_value(repo)
    assert LABEL.fullmatch(value) and value and len(value) <= 63
    assert label_value(repo + "x") != value


def test_node_selectors_and_tolerations_are_read_as_the_user_wrote_them_or_refused() -> None:
    assert parse_node_selector(("a=b,nvidia.com/gpu.product=Tesla-T4",)) == (
        ("a", "b"),
        ("nvidia.com/gpu.product", "Tesla-T4"),
    )
    tol = parse_toleration("nvidia.com/gpu:NoSchedule")
    assert (tol.key, tol.value, tol.effect) == ("nvidia.com/gpu", "", "NoSchedule")
    for bad in ("k=v:Never", "=v", "k=v w"):
        with pytest.raises(InputError, match="--toleration"):
            parse_toleration(bad)
    with pytest.raises(InputError, match="--node-selector"):
        parse_node_selector(("novalue",))


def test_a_waiting_pod_says_why() -> None:
    status = {
        "conditions": [
            {
                "type": "PodScheduled",
                "status": "False",
                "reason": "Unschedulable",
                "message": "0/2 nodes are available: 2 Insufficient nvidia.com/gpu.",
            }
        ],
        "containerStatuses": [{"state": {"waiting": {"reason": "ImagePullBackOff"}}}],
    }
    assert waiting_reasons(status) == (
        "Unschedulable: 0/2 nodes are available: 2 Insufficient nvidia.com/gpu.",
        "ImagePullBackOff",
    )
