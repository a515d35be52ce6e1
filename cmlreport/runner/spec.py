"""The runner to launch: its machine, the CI runner on it and the repository it serves."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from cmlreport.errors import InputError
from cmlreport.runner.presets import (
    ImageQuery,
    default_image_query,
    instance_types_for,
    parse_duration,
    subnets_from,
)

NAME_PREFIX = "cmlreport-"
FORGES = ("github", "gitlab")

# Checked with fullmatch: match() lets "$" match before a final newline ("gpu-1\n").
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
_LABEL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
_URL = re.compile(r"^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[A-Za-z0-9._~-]+)*/?$")
_VERSION = re.compile(r"^[0-9]+\.[0-9]+\.[0-9]+$")


@dataclass(frozen=True)
class Machine:
    """The cloud machine: where it runs, what it is and what it boots."""

    region: str
    # In the order to try them: the next one when EC2 has no capacity for the one before
    # (``cmlreport.runner.placement``), each in every subnet, spot first when asked.
    instance_types: tuple[str, ...]
    image_id: str | None = None  # None: the newest image matching ``image_query``
    image_query: ImageQuery | None = None
    disk_size_gb: int = 100
    subnet_ids: tuple[str, ...] = ()  # () : the default VPC's subnet in a zone EC2 picks
    security_group_ids: tuple[str, ...] = ()
    instance_profile: str | None = None  # a name or an ARN
    spot: bool = False
    spot_fallback: bool = True
    cloud: str = "aws"

    def __post_init__(self) -> None:
        if not self.instance_types:
            raise ValueError("a machine needs at least one instance type")
        if not 8 <= self.disk_size_gb <= 16384:
            raise InputError(f"--disk-size {self.disk_size_gb}: give a size in GiB from 8 to 16384")

    @property
    def instance_type(self) -> str:
        """The first choice: the type a launch asks for before any fallback."""
        return self.instance_types[0]


@dataclass(frozen=True)
class RunnerSetup:
    """The CI runner on the machine: how jobs select it and when the machine ends itself."""

    name: str
    labels: tuple[str, ...]
    idle_timeout: int  # seconds without a job before the machine shuts down
    max_lifetime: int  # seconds after boot before it shuts down, job or not
    single: bool = True  # one job, then shut down (GitHub: an ephemeral JIT runner)
    version: str = "2.319.1"  # the actions/runner release a GitHub machine downloads

    def __post_init__(self) -> None:
        if not _NAME.fullmatch(self.name):
            raise InputError(
                f"runner name {self.name!r}: use up to 64 letters, digits, '.', '_' or '-' (--name)"
            )
        if not self.labels:
            raise InputError("the runner needs at least one label for jobs to select it (--labels)")
        for label in self.labels:
            if not _LABEL.fullmatch(label):
                raise InputError(
                    f"runner label {label!r}: use letters, digits, '.', '_' or '-' (--labels)"
                )
        if self.idle_timeout <= 0:
            raise InputError(f"--idle-timeout must be longer than zero, not {self.idle_timeout}s")
        if self.max_lifetime <= 0:
            raise InputError(f"--max-lifetime must be longer than zero, not {self.max_lifetime}s")
        if not _VERSION.fullmatch(self.version):
            raise InputError(f"runner version {self.version!r}: give one like 2.319.1")


@dataclass(frozen=True)
class ForgeRepo:
    """Where the runner registers: a GitHub repository or a GitLab project."""

    forge: str  # "github" | "gitlab"
    repository: str  # owner/name, or the GitLab project's path
    url: str  # https://github.com/owner/name (GHES works), or the GitLab server's URL

    def __post_init__(self) -> None:
        if self.forge not in FORGES:
            raise InputError(f"forge {self.forge!r}: runners can register with github or gitlab")
        github = self.forge == "github"
        url = self.url
        if not url or not _URL.fullmatch(url) or (github and url.rstrip("/").count("/") < 4):
            what = "the repository URL" if github else "the GitLab URL"
            example = "https://github.com/owner/repo" if github else "https://gitlab.example.com"
            raise InputError(f"{what} {url!r} is not a plain http(s) URL like {example}")


@dataclass(frozen=True)
class CiRun:
    """The CI run a machine serves: its id (GitHub run, GitLab pipeline), which attempt, and
    the job that launched it (GitLab; "" on GitHub, where a job has no id in its variables)."""

    run_id: str
    attempt: int = 1
    job_id: str = ""


@dataclass(frozen=True)
class RunnerSpec:
    """One runner to launch, from the CLI down to the machine's bootstrap script.

    Each part refuses a bad value when it is made, in one line naming the flag: before
    anything is registered or started.
    """

    machine: Machine
    runner: RunnerSetup
    repo: ForgeRepo
    wait_online: bool = True  # the launch returns once the forge lists the runner online
    online_timeout: float = 900.0
    ci_run: CiRun | None = None  # tagged on the machine: what a spot re-run needs


def default_name(gpu: str, run_id: str | None) -> str:
    suffix = run_id or secrets.token_hex(3)
    return f"{NAME_PREFIX}{gpu}-{suffix}"[:64]


def forge_repo(forge: str, repository: str, server_url: str) -> ForgeRepo:
    """A GitHub runner registers with its repository's URL, a GitLab one with the server's."""
    server = server_url.rstrip("/")
    return ForgeRepo(forge, repository, f"{server}/{repository}" if forge == "github" else server)


def runner_spec(
    repo: ForgeRepo,
    *,
    region: str,
    run_id: str | None,
    gpu: str,
    instance_type: tuple[str, ...],
    image: str | None,
    spot: bool,
    spot_fallback: bool,
    disk_size: int,
    subnet: tuple[str, ...],
    security_groups: tuple[str, ...],
    instance_profile: str | None,
    labels: str,
    name: str | None,
    idle_timeout: str,
    max_lifetime: str,
    single: bool,
    wait: bool,
    cloud: str = "aws",
    timeout: str = "15m",
) -> RunnerSpec:
    """The spec the `runner launch` flags describe (keyword names are the flags'; the
    repeatable ``--instance-type`` and ``--subnet`` each value comma-separated too)."""
    runner_name = name or default_name(gpu, run_id)
    extra = (label.strip() for label in labels.split(","))
    machine = Machine(
        region=region,
        instance_types=instance_types_for(gpu, instance_type),
        image_id=image,
        image_query=None if image else default_image_query(gpu),
        disk_size_gb=disk_size,
        subnet_ids=subnets_from(subnet),
        security_group_ids=security_groups,
        instance_profile=instance_profile,
        spot=spot,
        spot_fallback=spot_fallback,
        cloud=cloud,
    )
    runner = RunnerSetup(
        name=runner_name,
        # The name is a label too, so that `runs-on:` can pick exactly this machine.
        labels=tuple(dict.fromkeys((runner_name, *(label for label in extra if label)))),
        idle_timeout=parse_duration(idle_timeout, "--idle-timeout"),
        max_lifetime=parse_duration(max_lifetime, "--max-lifetime"),
        single=single,
    )
    return RunnerSpec(
        machine=machine,
        runner=runner,
        repo=repo,
        wait_online=wait,
        online_timeout=parse_duration(timeout, "--timeout"),
    )
