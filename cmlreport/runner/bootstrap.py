"""The runner machine's bootstrap script (EC2 user data), rendered for GitHub or GitLab.

The script installs the CI runner, starts it as an unprivileged user and starts the watchdog
that shuts the machine down when idle, too old or about to be reclaimed (the instance
terminates on shutdown). The shell lives in ``scripts/`` as package data: ``watchdog.sh`` is
self-contained and tested on its own; the others are fragments concatenated here after a
block of settings. Only that block and the secrets file are generated, from values checked
against a narrow alphabet first, so nothing rendered needs escaping beyond ``shlex.quote``.

Pure: reading the bundled templates is the only file access.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files

from cmlreport.errors import InputError

USER_DATA_LIMIT = 16 * 1024  # bytes, before base64: EC2 refuses larger user data
WATCHDOG_PATH = "/usr/local/bin/cmlreport-watchdog"
SECRETS_FILE = "/run/cmlreport/runner.env"  # tmpfs: gone when the machine stops
SECRETS_MARKER = "CMLREPORT_SECRETS"
WATCHDOG_MARKER = "CMLREPORT_WATCHDOG"
FORGES = ("github", "gitlab")

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
_LABEL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
_URL = re.compile(r"^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[A-Za-z0-9._~-]+)*/?$")
_VERSION = re.compile(r"^[0-9]+\.[0-9]+\.[0-9]+$")
# Base64 (JIT configs), registration tokens and glrt- tokens all fit; so does nothing that
# could end a line of the secrets file or mean something to systemd or the shell.
_SECRET = re.compile(r"^[A-Za-z0-9._~+/=-]+$")


@dataclass(frozen=True)
class BootstrapSpec:
    """Everything the machine needs to become a runner; secrets never show in ``repr``."""

    forge: str  # "github" | "gitlab"
    runner_name: str
    labels: tuple[str, ...]
    idle_timeout: int  # seconds without a job before the machine shuts down
    max_lifetime: int  # seconds after boot before it shuts down, job or not
    single: bool  # one job, then shut down (GitHub: an ephemeral JIT runner)
    # GitHub
    repo_url: str | None = None  # https://github.com/o/r (GHES works)
    jit_config: str | None = field(default=None, repr=False)  # when single
    registration_token: str | None = field(default=None, repr=False)  # when not single
    runner_version: str = "2.319.1"  # actions/runner release to download
    # GitLab
    gitlab_url: str | None = None  # https://gitlab.com, or the self-managed server
    runner_token: str | None = field(default=None, repr=False)  # glrt-..., from POST /user/runners


def secrets_in(spec: BootstrapSpec) -> list[str]:
    """The secret values in ``spec``, for the caller to mask in anything it prints."""
    return [s for s in (spec.jit_config, spec.registration_token, spec.runner_token) if s]


def render_user_data(spec: BootstrapSpec) -> str:
    """The complete bash script to pass as the instance's user data."""
    _check(spec)
    script = "\n".join(
        [
            _settings(spec),
            _template("bootstrap_head.sh"),
            _secrets_block(spec),
            _file_block(WATCHDOG_PATH, watchdog_script(), WATCHDOG_MARKER),
            _template(f"{spec.forge}.sh"),
            _template("bootstrap_tail.sh"),
        ]
    )
    size = len(script.encode())
    if size > USER_DATA_LIMIT:
        raise InputError(
            f"the runner's bootstrap script is {size} bytes, over EC2's {USER_DATA_LIMIT}-byte "
            "user-data limit; use fewer or shorter --labels"
        )
    return script


def watchdog_script() -> str:
    """The watchdog as installed at ``WATCHDOG_PATH`` on the machine (comment lines left out)."""
    return _template("watchdog.sh")


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


def _settings(spec: BootstrapSpec) -> str:
    values: dict[str, str | int] = {
        "FORGE": spec.forge,
        "RUNNER_NAME": spec.runner_name,
        "RUNNER_LABELS": ",".join(spec.labels),
        "IDLE_TIMEOUT": spec.idle_timeout,
        "MAX_LIFETIME": spec.max_lifetime,
        "SINGLE": int(spec.single),
        "SECRETS_FILE": SECRETS_FILE,
    }
    if spec.forge == "github":
        values["REPO_URL"] = (spec.repo_url or "").rstrip("/")
        values["RUNNER_VERSION"] = spec.runner_version
    else:
        values["GITLAB_URL"] = (spec.gitlab_url or "").rstrip("/")
    lines = [
        "#!/bin/bash",
        f"# cmlreport runner bootstrap (EC2 user data): {spec.forge} runner {spec.runner_name}.",
        "set -Eeuo pipefail",
        "set +x  # never trace this script: it writes secrets",
        "",
    ]
    lines += [f"{key}={shlex.quote(str(value))}" for key, value in values.items()]
    return "\n".join(lines) + "\n"


def _secrets_block(spec: BootstrapSpec) -> str:
    if spec.forge == "gitlab":
        name, secret = "CI_SERVER_TOKEN", spec.runner_token
    elif spec.single:
        name, secret = "ACTIONS_RUNNER_INPUT_JITCONFIG", spec.jit_config
    else:
        name, secret = "ACTIONS_RUNNER_INPUT_TOKEN", spec.registration_token
    assert secret is not None  # _check made sure
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


def _check(spec: BootstrapSpec) -> None:
    if spec.forge not in FORGES:
        raise InputError(f"forge {spec.forge!r}: runners can register with github or gitlab")
    if not _NAME.match(spec.runner_name):
        raise InputError(
            f"runner name {spec.runner_name!r}: use up to 64 letters, digits, '.', '_' or '-' "
            "(--name)"
        )
    if not spec.labels:
        raise InputError("the runner needs at least one label for jobs to select it (--labels)")
    for label in spec.labels:
        if not _LABEL.match(label):
            raise InputError(
                f"runner label {label!r}: use letters, digits, '.', '_' or '-' (--labels)"
            )
    if spec.idle_timeout <= 0:
        raise InputError(f"--idle-timeout must be longer than zero, not {spec.idle_timeout}s")
    if spec.max_lifetime <= 0:
        raise InputError(f"--max-lifetime must be longer than zero, not {spec.max_lifetime}s")
    if spec.forge == "github":
        _check_url(spec.repo_url, "the repository URL", need_path=True)
        if not _VERSION.match(spec.runner_version):
            raise InputError(f"runner version {spec.runner_version!r}: give one like 2.319.1")
        if spec.single:
            _check_secret(spec.jit_config, "a single-use GitHub runner needs its JIT config")
        else:
            _check_secret(
                spec.registration_token, "a persistent GitHub runner needs a registration token"
            )
    else:
        _check_url(spec.gitlab_url, "the GitLab URL", need_path=False)
        _check_secret(spec.runner_token, "a GitLab runner needs its runner token")
        if not (spec.runner_token or "").startswith("glrt-"):
            # Never echo the value: it is a secret, right or wrong.
            raise ValueError("the GitLab runner token is not a runner authentication token (glrt-)")


def _check_url(url: str | None, what: str, *, need_path: bool) -> None:
    if not url or not _URL.match(url) or (need_path and url.rstrip("/").count("/") < 4):
        example = "https://github.com/owner/repo" if need_path else "https://gitlab.example.com"
        raise InputError(f"{what} {url!r} is not a plain http(s) URL like {example}")


def _check_secret(value: str | None, missing: str) -> None:
    # The caller fetched these from the forge's API: a bad one is a bug, not user input.
    if not value:
        raise ValueError(missing)
    if not _SECRET.match(value):
        raise ValueError(f"{missing}, made of base64 or token characters on one line")
