"""The machine's bootstrap script: what it installs, and that its secrets stay in one place."""

from __future__ import annotations

import base64
import gzip
import os
import re
import stat
import subprocess
from dataclasses import replace
from pathlib import Path
from typing import Any, NamedTuple

import pytest

from cmlreport.errors import InputError
from cmlreport.runner.bootstrap import (
    RUNNER_STATE_MARKER,
    SECRETS_FILE,
    SECRETS_MARKER,
    USER_DATA_LIMIT,
    WATCHDOG_MARKER,
    packed_user_data,
    render_user_data,
    runner_state_script,
    watchdog_script,
)
from cmlreport.runner.spec import ForgeRepo, Machine, RunnerSetup, RunnerSpec

# A real encoded JIT config is base64 of a JSON holding the runner's settings and its RSA key:
# a few kilobytes. 6 KB here leaves room to spare.
JIT_CONFIG = base64.b64encode(os.urandom(4500)).decode()
REGISTRATION_TOKEN = "AABBCCDDEEFFGGHHIIJJKKLLMMNN0"
GLRT_TOKEN = "glrt-t1_Zk3yS9xQ-abcdEFGHijkl.01.1a2b3c4d5"


class Case(NamedTuple):
    """A runner spec and the secret its forge handed out for it."""

    spec: RunnerSpec
    secret: str


GITHUB = dict(
    forge="github",
    runner_name="cml-gpu-7",
    labels=("cml-gpu", "t4"),
    idle_timeout=600,
    max_lifetime=21600,
    single=True,
    repo_url="https://github.com/acme/subreddit-classifier",
    jit_config=JIT_CONFIG,
)
GITLAB = dict(
    forge="gitlab",
    runner_name="cml-gpu-7",
    labels=("cml-gpu",),
    idle_timeout=900,
    max_lifetime=7200,
    single=False,
    gitlab_url="https://gitlab.example.com",
    runner_token=GLRT_TOKEN,
)


def case(v: dict[str, Any]) -> Case:
    """The spec and secret from flat names, so that a test changes just the one it is about."""
    spec = RunnerSpec(
        machine=Machine(region="us-east-1", instance_types=("g4dn.xlarge",)),
        runner=RunnerSetup(
            name=v["runner_name"],
            labels=v["labels"],
            idle_timeout=v["idle_timeout"],
            max_lifetime=v["max_lifetime"],
            single=v["single"],
            version=v.get("runner_version", "2.319.1"),
        ),
        repo=ForgeRepo(
            v["forge"], "acme/subreddit-classifier", v.get("gitlab_url", v.get("repo_url"))
        ),
    )
    if v["forge"] == "gitlab":
        secret = v.get("runner_token")
    else:
        secret = v.get("jit_config") if v["single"] else v.get("registration_token")
    return Case(spec, secret or "")


def github_single(**changes):
    return case({**GITHUB, **changes})


def github_persistent(**changes):
    persistent = {"single": False, "jit_config": None, "registration_token": REGISTRATION_TOKEN}
    return case({**GITHUB, **persistent, **changes})


def gitlab(**changes):
    return case({**GITLAB, **changes})


def render(spec: Case) -> str:
    return render_user_data(spec.spec, spec.secret)


def secrets_in(spec: Case) -> list[str]:
    return [spec.secret] if spec.secret else []


ALL_SPECS = {
    "github-single": github_single,
    "github-persistent": github_persistent,
    "gitlab": gitlab,
    "gitlab-single": lambda: gitlab(single=True),
}


def heredoc(script: str, marker: str) -> str:
    match = re.search(rf"<<'{marker}'\n(.*?)\n{marker}\n", script, re.DOTALL)
    assert match, f"no here-document {marker}"
    return match.group(1)


def setting(script: str, name: str) -> str:
    match = re.search(rf"^{name}=(.*)$", script, re.MULTILINE)
    assert match, f"{name} is not set"
    return match.group(1)


@pytest.fixture(params=sorted(ALL_SPECS))
def rendered(request, tmp_path) -> Path:
    path = tmp_path / f"{request.param}.sh"
    path.write_text(render(ALL_SPECS[request.param]()))
    return path


def test_every_variant_is_valid_bash(rendered):
    result = subprocess.run(["bash", "-n", str(rendered)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_every_variant_passes_shellcheck(rendered):
    result = subprocess.run(
        ["shellcheck", "-s", "bash", str(rendered)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout


def test_every_variant_fits_in_ec2_user_data(rendered):
    assert len(packed_user_data(rendered.read_text())) < USER_DATA_LIMIT


# The largest machine a launch can ask for: a 64-character name, labels up to the 256
# characters EC2 allows in the cmlreport:labels tag, the watchdog and the runner's state, and
# a JIT config of 6 KB of random (incompressible) base64.
LONGEST_NAME = "cmlreport-a100-" + "9" * 49
LONGEST_LABELS = (LONGEST_NAME, *(f"gpu-{i}-" + os.urandom(18).hex()[:30] for i in range(5)))


@pytest.mark.parametrize("variant", sorted(ALL_SPECS))
def test_the_largest_configuration_fits_compressed_and_decodes_back(variant):
    spec = ALL_SPECS[variant]()
    runner = replace(spec.spec.runner, name=LONGEST_NAME, labels=LONGEST_LABELS)
    assert len(",".join(LONGEST_LABELS)) <= 256
    script = render_user_data(replace(spec.spec, runner=runner), spec.secret)
    packed = packed_user_data(script)

    assert len(packed) < USER_DATA_LIMIT
    # What cloud-init does with it: gzip's magic bytes, then the very script.
    assert packed[:2] == b"\x1f\x8b"
    assert gzip.decompress(packed).decode() == script


def test_a_single_github_runner_runs_its_jit_config_once():
    script = render(github_single())
    assert heredoc(script, SECRETS_MARKER) == f"ACTIONS_RUNNER_INPUT_JITCONFIG={JIT_CONFIG}"
    assert "EnvironmentFile=$SECRETS_FILE" in script
    assert "ExecStart=$RUNNER_DIR/run.sh" in script
    assert setting(script, "SINGLE") == "1"
    # The JIT config registers the runner by itself: the single branch runs no config.sh.
    single_branch = script.split("if ((SINGLE)); then", 1)[1].split("\nelse\n", 1)[0]
    assert "config.sh" not in single_branch
    # Neither secret travels on a command line, where `ps` would show it.
    assert "--jitconfig" not in script and "--token" not in script


def test_a_persistent_github_runner_registers_with_its_name_and_labels():
    script = render(github_persistent())
    assert heredoc(script, SECRETS_MARKER) == f"ACTIONS_RUNNER_INPUT_TOKEN={REGISTRATION_TOKEN}"
    assert setting(script, "SINGLE") == "0"
    assert setting(script, "REPO_URL") == "https://github.com/acme/subreddit-classifier"
    configure = re.search(r'CONFIGURE="(ExecStartPre=.*config\.sh.*)"', script)
    assert configure
    assert "--unattended" in configure.group(1)
    assert "--url $REPO_URL --name $RUNNER_NAME --labels $RUNNER_LABELS" in configure.group(1)
    assert "--ephemeral" not in script


def test_github_downloads_the_runner_release_for_the_machines_architecture():
    script = render(github_single(runner_version="2.321.0"))
    assert setting(script, "RUNNER_VERSION") == "2.321.0"
    assert (
        "https://github.com/actions/runner/releases/download/v${RUNNER_VERSION}/"
        "actions-runner-linux-${RUNNER_ARCH}-${RUNNER_VERSION}.tar.gz"
    ) in script
    assert "aarch64 | arm64) RUNNER_ARCH=arm64" in script
    assert "User=runner" in script  # jobs never run as root
    assert "gitlab-runner" not in script


def test_gitlab_registers_a_shell_runner_with_the_glrt_token_from_the_environment():
    script = render(gitlab())
    assert heredoc(script, SECRETS_MARKER) == f"CI_SERVER_TOKEN={GLRT_TOKEN}"
    assert setting(script, "GITLAB_URL") == "https://gitlab.example.com"
    register = re.search(r"gitlab-runner register (.*?)\n\)", script, re.DOTALL)
    assert register
    assert "--non-interactive" in register.group(1)
    assert "--executor shell" in register.group(1)
    assert '--url "$GITLAB_URL"' in register.group(1)
    assert "--token" not in register.group(1)  # gitlab-runner reads CI_SERVER_TOKEN instead
    assert "--user gitlab-runner" in script
    assert "actions-runner" not in script


def test_a_single_gitlab_runner_is_told_to_drain_when_its_job_starts():
    assert 'ON_JOB_START="systemctl kill --signal=SIGQUIT' in render(gitlab(single=True))
    assert setting(render(gitlab()), "SINGLE") == "0"


def test_name_labels_and_limits_reach_the_machine():
    script = render(github_single(idle_timeout=1200, max_lifetime=3 * 3600))
    assert setting(script, "RUNNER_NAME") == "cml-gpu-7"
    assert setting(script, "RUNNER_LABELS") == "cml-gpu,t4"
    assert setting(script, "IDLE_TIMEOUT") == "1200"
    assert setting(script, "MAX_LIFETIME") == "10800"
    watchdog_env = re.search(r"<<ENV\n(.*?)\nENV\n", script, re.DOTALL)
    assert watchdog_env
    assert "CMLREPORT_IDLE_TIMEOUT=$IDLE_TIMEOUT" in watchdog_env.group(1)
    assert "CMLREPORT_MAX_LIFETIME=$MAX_LIFETIME" in watchdog_env.group(1)


def test_the_watchdog_is_installed_verbatim_and_started_as_a_service():
    script = render(gitlab())
    assert heredoc(script, WATCHDOG_MARKER) + "\n" == watchdog_script()
    assert "systemctl enable --now cmlreport-watchdog.service" in script
    assert "Restart=always" in script


@pytest.mark.parametrize("name", sorted(ALL_SPECS))
def test_secrets_appear_once_inside_the_secrets_file_and_nowhere_else(name):
    spec = ALL_SPECS[name]()
    script = render(spec)
    (secret,) = secrets_in(spec)
    assert script.count(secret) == 1
    assert secret in heredoc(script, SECRETS_MARKER)
    # Nothing turns tracing on, anywhere: a traced script would copy values into the logs.
    assert not re.search(r"set -[a-zA-Z]*x|set -o xtrace|bash -x|#!/bin/bash -x", script)
    before_secrets = script.split(f"<<'{SECRETS_MARKER}'", 1)[0]
    assert "set +x" in before_secrets


def test_writing_the_secrets_file_echoes_nothing_even_under_xtrace(tmp_path):
    # Run the script's own secrets block with tracing forced on: the trace must not carry
    # the secret, and the file must be born readable by its owner only.
    script = render(github_single())
    start = script.index("install -d -m 0700")
    end = script.index(f"\n{SECRETS_MARKER}\n", start) + len(SECRETS_MARKER) + 2
    target = tmp_path / "run" / "runner.env"
    block = (
        script[start:end]
        .replace(SECRETS_FILE, str(target))
        .replace(os.path.dirname(SECRETS_FILE), str(target.parent))
    )
    result = subprocess.run(["bash", "-x", "-c", block], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert JIT_CONFIG not in result.stderr + result.stdout
    assert target.read_text() == f"ACTIONS_RUNNER_INPUT_JITCONFIG={JIT_CONFIG}\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert stat.S_IMODE(target.parent.stat().st_mode) == 0o700


def test_secrets_are_kept_out_of_repr_and_listed_for_masking():
    spec = github_single()
    assert JIT_CONFIG not in repr(spec.spec)
    assert secrets_in(spec) == [JIT_CONFIG]
    assert secrets_in(gitlab()) == [GLRT_TOKEN]


def test_too_much_for_user_data_is_refused_with_what_to_change():
    # Random labels: gzip cannot shrink them much.
    labels = tuple(f"label-{i:03d}-" + os.urandom(45).hex() for i in range(400))
    with pytest.raises(InputError, match=r"16384.*--labels"):
        render(github_single(labels=labels))


@pytest.mark.parametrize(
    ("changes", "flag"),
    [
        ({"runner_name": "my runner"}, "--name"),
        ({"runner_name": "-rf"}, "--name"),
        ({"labels": ()}, "--labels"),
        ({"labels": ("gpu", "a,b")}, "--labels"),
        ({"labels": ("$(reboot)",)}, "--labels"),
        ({"idle_timeout": 0}, "--idle-timeout"),
        ({"max_lifetime": -60}, "--max-lifetime"),
        ({"repo_url": "https://github.com/acme"}, "github.com/owner/repo"),
        ({"repo_url": "https://github.com/acme/r x"}, "github.com/owner/repo"),
        ({"repo_url": None}, "repository URL"),
        ({"runner_version": "latest"}, "2.319.1"),
        ({"forge": "bitbucket"}, "github or gitlab"),
    ],
)
def test_bad_settings_are_refused_in_one_line_naming_what_to_fix(changes, flag):
    with pytest.raises(InputError) as err:
        render(github_single(**changes))
    assert flag in err.value.message and "\n" not in err.value.message


def test_a_gitlab_url_must_be_plain():
    with pytest.raises(InputError, match=r"gitlab\.example\.com"):
        render(gitlab(gitlab_url="gitlab.example.com"))
    assert "GITLAB_URL=https://gitlab.example.com\n" in render(
        gitlab(gitlab_url="https://gitlab.example.com/")
    )


@pytest.mark.parametrize(
    "spec",
    [
        github_single(jit_config=None),
        github_persistent(registration_token=None),
        github_single(jit_config="abc\nrm -rf /"),
        gitlab(runner_token="glpat-123456789"),
    ],
    ids=["no-jit", "no-registration-token", "multiline-secret", "not-a-runner-token"],
)
def test_missing_or_malformed_secrets_are_bugs_and_are_never_echoed(spec):
    with pytest.raises(ValueError) as err:
        render(spec)
    assert not isinstance(err.value, InputError)
    for secret in secrets_in(spec):
        assert secret not in str(err.value)


def forge_setting(script: str, name: str) -> str:
    """What the forge's part sets (the watchdog's own defaults come earlier in the script)."""
    return re.findall(rf"^{name}=(.*)$", script, re.MULTILINE)[-1]


def test_the_watchdog_reads_each_runners_own_state():
    github = render(github_single())
    # GitHub: the runner's output goes to the log its state script reads; no drain.
    assert "StandardOutput=append:/var/log/cmlreport-runner.log" in github
    assert heredoc(github, RUNNER_STATE_MARKER) + "\n" == runner_state_script()
    assert forge_setting(github, "JOB_CHECK") == '"$RUNNER_STATE busy"'
    assert forge_setting(github, "LAST_JOB_CMD") == '"$RUNNER_STATE last-job"'
    assert 'CMLREPORT_DRAIN_RUNNER="$DRAIN_RUNNER"' in github
    # GitLab: an idle runner is drained with SIGQUIT, never stopped under a job it just took.
    for variant in (gitlab(), gitlab(single=True)):
        script = render(variant)
        assert RUNNER_STATE_MARKER not in script
        drain = forge_setting(script, "DRAIN_RUNNER")
        assert drain == '"systemctl kill --signal=SIGQUIT cmlreport-runner.service"'


def test_the_bootstrap_announces_itself_as_the_launch_looks_for_it_in_the_console():
    from cmlreport.runner.launch import BOOTSTRAP_MARKER

    for make in ALL_SPECS.values():
        script = render(make())
        (line,) = [line for line in script.splitlines() if line.startswith('log "starting: ')]
        # log() prefixes "cmlreport-bootstrap: "; cloud-init copies the output to the console.
        assert "cmlreport-bootstrap: " + line[len('log "') :].split(":")[0] == BOOTSTRAP_MARKER


def test_a_runner_baked_into_the_image_is_not_downloaded_again():
    github = render(github_single())
    assert "if [[ -x $RUNNER_DIR/run.sh ]]; then" in github
    assert "if [[ -x /usr/local/bin/gitlab-runner ]]; then" in render(gitlab())
