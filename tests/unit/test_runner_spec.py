"""The `runner launch` flags become one RunnerSpec, checked once, before anything starts."""

from __future__ import annotations

from typing import Any

import pytest

from cmlreport.errors import InputError
from cmlreport.runner.presets import DLAMI_NAME
from cmlreport.runner.spec import RunnerSpec, forge_repo, runner_spec

FLAGS: dict[str, Any] = dict(
    region="us-east-1",
    run_id="4242",
    gpu="a10g",
    instance_type=(),
    image=None,
    spot=True,
    spot_fallback=False,
    disk_size=200,
    subnet=(),
    security_groups=("sg-0123",),
    instance_profile=None,
    labels="gpu, cml-gpu,,gpu",
    name=None,
    idle_timeout="90s",
    max_lifetime="1h30m",
    single=False,
    wait=False,
)


def spec(**changes: Any) -> RunnerSpec:
    repo = forge_repo("github", "octo/model", "https://github.com/")
    return runner_spec(repo, **{**FLAGS, **changes})


def test_the_flags_become_the_machine_the_runner_and_the_repository() -> None:
    made = spec()
    assert made.runner.name == "cmlreport-a10g-4242"
    # The name is a label too, first; repeated and empty labels are dropped.
    assert made.runner.labels == ("cmlreport-a10g-4242", "gpu", "cml-gpu")
    assert (made.runner.idle_timeout, made.runner.max_lifetime) == (90, 5400)
    assert not made.runner.single and not made.wait_online
    machine = made.machine
    assert (machine.instance_type, machine.image_id) == ("g5.xlarge", None)
    assert machine.image_query is not None and machine.image_query.name_pattern == DLAMI_NAME
    assert (machine.spot, machine.spot_fallback, machine.disk_size_gb) == (True, False, 200)
    assert machine.security_group_ids == ("sg-0123",)
    assert made.repo.url == "https://github.com/octo/model"


def test_an_image_id_replaces_the_image_search_and_a_gitlab_runner_joins_the_server() -> None:
    made = spec(image="ami-0123456789abcdef0", instance_type=("g5.2xlarge",))
    assert made.machine.image_query is None and made.machine.instance_type == "g5.2xlarge"
    gitlab = forge_repo("gitlab", "ml/model", "https://gitlab.example.com/")
    assert gitlab.url == "https://gitlab.example.com"


@pytest.mark.parametrize(
    ("changes", "flag"),
    [
        ({"name": "my runner"}, "--name"),
        ({"labels": "gpu,a b"}, "--labels"),
        ({"instance_type": ("big one",)}, "--instance-type"),
        ({"idle_timeout": "soon"}, "--idle-timeout"),
        ({"max_lifetime": "0"}, "--max-lifetime"),
        ({"disk_size": 4}, "--disk-size"),
    ],
)
def test_a_bad_flag_is_one_line_naming_it(changes: dict[str, Any], flag: str) -> None:
    with pytest.raises(InputError) as err:
        spec(**changes)
    assert flag in err.value.message and "\n" not in err.value.message
