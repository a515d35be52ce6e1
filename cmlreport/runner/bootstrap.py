"""The machine's bootstrap script (EC2 user data) that makes it a GitHub or GitLab runner."""

from __future__ import annotations

import gzip
import re
import shlex
from functools import cache
from importlib.resources import files

from cmlreport.errors import InputError
from cmlreport.runner.spec import RunnerSpec

# The script installs the CI runner, starts it as an unprivileged user and starts the watchdog
# that shuts the machine down when idle, too old or about to be reclaimed (the instance
# terminates on shutdown). The shell lives in scripts/ as package data: watchdog.sh is
# self-contained and tested on its own; the others are fragments concatenated after a block of
# settings. Only that block and the secrets file are generated, from values held to a narrow
# alphabet (RunnerSpec checks them when it is made; the secret is checked here), so nothing
# rendered needs escaping beyond shlex.quote.
USER_DATA_LIMIT = 16 * 1024  # bytes, before base64: EC2 refuses larger user data
# The script goes gzip-compressed: cloud-init uncompresses gzip user data itself (its
# "User-Data Formats": "typically useful because user-data is limited to ~16384 bytes"), and
# the watchdog, the runner's state and two runners' set-up would not fit uncompressed.
WATCHDOG_PATH = "/usr/local/bin/cmlreport-watchdog"
SECRETS_FILE = "/run/cmlreport/runner.env"  # tmpfs: gone when the machine stops
SECRETS_MARKER = "CMLREPORT_SECRETS"
WATCHDOG_MARKER = "CMLREPORT_WATCHDOG"
# The GitHub runner's own state, read by the watchdog (scripts/github_state.sh).
RUNNER_STATE_PATH = "/usr/local/bin/cmlreport-runner-state"
RUNNER_STATE_MARKER = "CMLREPORT_RUNNER_STATE"

# Base64 (JIT configs), registration tokens and glrt- tokens all fit; so does nothing that
# could end a line of the secrets file or mean something to systemd or the shell.
_SECRET = re.compile(r"^[A-Za-z0-9._~+/=-]+$")


def render_user_data(spec: RunnerSpec, secret: str) -> str:
    """The complete bash script to pass as the instance's user data.

    ``secret`` is what the forge handed out for this runner: a GitHub JIT config (``single``),
    a GitHub registration token, or a GitLab runner token (glrt-).
    """
    script = "\n".join(
        [
            _settings(spec),
            _template("bootstrap_head.sh"),
            _secrets_block(spec, secret),
            _file_block(WATCHDOG_PATH, watchdog_script(), WATCHDOG_MARKER),
            *(
                [_file_block(RUNNER_STATE_PATH, runner_state_script(), RUNNER_STATE_MARKER)]
                if spec.repo.forge == "github"
                else []
            ),
            _template(f"{spec.repo.forge}.sh"),
            _template("bootstrap_tail.sh"),
        ]
    )
    size = len(packed_user_data(script))
    if size > USER_DATA_LIMIT:
        raise InputError(
            f"the runner's bootstrap script is {size} bytes compressed, over EC2's "
            f"{USER_DATA_LIMIT}-byte user-data limit; use fewer or shorter --labels"
        )
    return script


def packed_user_data(script: str) -> bytes:
    """The script as EC2 gets it: gzip (mtime 0, so one script is always the same bytes)."""
    return gzip.compress(script.encode(), compresslevel=9, mtime=0)


def watchdog_script() -> str:
    """The watchdog as installed at ``WATCHDOG_PATH`` on the machine (comment lines left out)."""
    return _template("watchdog.sh")


def runner_state_script() -> str:
    """The GitHub runner's state, as installed at ``RUNNER_STATE_PATH`` (comments left out)."""
    return _template("github_state.sh")


@cache
def _template(name: str) -> str:
    text = (files("cmlreport.runner") / "scripts" / name).read_text(encoding="utf-8")
    return _without_comments(text)


def _without_comments(script: str) -> str:
    # The comments are for whoever reads the templates here; on the machine they would only
    # eat into the 16 KB that the JIT config shares with the script.
    kept = [
        line
        for line in script.splitlines()
        if not line.lstrip().startswith("#") or line.lstrip().startswith(("#!", "# shellcheck"))
    ]
    return "\n".join(kept).strip("\n") + "\n"


def _settings(spec: RunnerSpec) -> str:
    forge, runner = spec.repo.forge, spec.runner
    values: dict[str, str | int] = {
        "FORGE": forge,
        "RUNNER_NAME": runner.name,
        "RUNNER_LABELS": ",".join(runner.labels),
        "IDLE_TIMEOUT": runner.idle_timeout,
        "MAX_LIFETIME": runner.max_lifetime,
        "SINGLE": int(runner.single),
        "SECRETS_FILE": SECRETS_FILE,
    }
    if forge == "github":
        values["REPO_URL"] = spec.repo.url.rstrip("/")
        values["RUNNER_VERSION"] = runner.version
        values["RUNNER_STATE"] = RUNNER_STATE_PATH
    else:
        values["GITLAB_URL"] = spec.repo.url.rstrip("/")
    lines = [
        "#!/bin/bash",
        f"# cmlreport runner bootstrap (EC2 user data): {forge} runner {runner.name}.",
        "set -Eeuo pipefail",
        "set +x  # never trace this script: it writes secrets",
        "",
    ]
    lines += [f"{key}={shlex.quote(str(value))}" for key, value in values.items()]
    return "\n".join(lines) + "\n"


def _secrets_block(spec: RunnerSpec, secret: str) -> str:
    name = _check_secret(spec, secret)
    # A quoted here-document: the shell neither expands the secret nor passes it to a
    # command's argv (cat reads it on stdin); umask 077 makes the file root-only from birth.
    return (
        "# ---- secrets: a root-only file on tmpfs -------------------------------------------\n"
        f"install -d -m 0700 {shlex.quote(SECRETS_FILE.rsplit('/', 1)[0])}\n"
        f"(umask 077 && cat >{shlex.quote(SECRETS_FILE)}) <<'{SECRETS_MARKER}'\n"
        f"{name}={secret}\n"
        f"{SECRETS_MARKER}\n"
    )


def _file_block(path: str, content: str, marker: str) -> str:
    if not content.endswith("\n"):
        content += "\n"
    # The template is ours, but a stray line equal to the marker would cut the file short.
    assert marker not in content.splitlines()
    target = shlex.quote(path)
    return f"cat >{target} <<'{marker}'\n{content}{marker}\nchmod 0755 {target}\n"


def _check_secret(spec: RunnerSpec, secret: str) -> str:
    """The variable ``secret`` is handed to the runner in; refuses one that does not fit.

    The forge's API gave it to us: a bad one is a bug (ValueError), never echoed: it is a
    secret, right or wrong.
    """
    if spec.repo.forge == "gitlab":
        name, missing = "CI_SERVER_TOKEN", "a GitLab runner needs its runner token"
    elif spec.runner.single:
        name, missing = (
            "ACTIONS_RUNNER_INPUT_JITCONFIG",
            "a single-use GitHub runner needs its JIT config",
        )
    else:
        name, missing = (
            "ACTIONS_RUNNER_INPUT_TOKEN",
            "a persistent GitHub runner needs a registration token",
        )
    if not secret:
        raise ValueError(missing)
    if not _SECRET.fullmatch(secret):
        raise ValueError(f"{missing}, made of base64 or token characters on one line")
    if spec.repo.forge == "gitlab" and not secret.startswith("glrt-"):
        raise ValueError("the GitLab runner token is not a runner authentication token (glrt-)")
    return name
