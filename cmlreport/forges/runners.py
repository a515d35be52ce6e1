"""Self-hosted runners at the forge: register one for a cloud machine, list them, remove them."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

from cmlreport.redact import Secret

if TYPE_CHECKING:
    from typing_extensions import Self

    from cmlreport.forges.http import HttpLimits

SettingsT = TypeVar("SettingsT", bound="HttpLimits")


@dataclass(frozen=True)
class Registration:
    """What the machine needs to join: a secret that goes only into its user-data."""

    runner_id: int | None  # known at once for JIT configs and GitLab runners
    kind: str  # "jit" (GitHub, one job) | "registration-token" (GitHub) | "gitlab"
    secret: Secret  # masked from the moment it exists; reveal() only for the user-data


@dataclass(frozen=True)
class ForgeRunner:
    id: int
    name: str
    online: bool
    busy: bool
    labels: tuple[str, ...] = ()


class RunnerRegistry(Protocol):
    """Runner registration for one repository/project; errors are one-line RemoteErrors."""

    def register(self, name: str, labels: tuple[str, ...], single: bool) -> Registration: ...

    def list_runners(self) -> list[ForgeRunner]: ...

    def is_busy(self, runner: ForgeRunner) -> bool:
        """Whether the runner is running a job now, asked of the forge (GitHub's list says so;
        GitLab's does not, so it asks for the runner's running jobs)."""
        ...

    def remove(self, runner_id: int) -> bool:
        """True when it was removed, False when it was already gone (stopping twice is fine);
        a RemoteError when it may still be registered (the forge kept failing)."""
        ...

    def rerun_failed(self, run_id: str, launch_job: str, labels: tuple[str, ...]) -> list[str]:
        """Run the failed jobs of CI run ``run_id`` again (GitHub: a workflow run's failed jobs
        and their dependents; GitLab: the pipeline's failed jobs meant for a runner with one of
        ``labels``, and job ``launch_job`` that started the machine). What was re-run, in words;
        a RemoteError when the forge refused."""
        ...

    def hurried(self) -> RunnerRegistry:
        """The same registry with short timeouts and quick retries, for the clean-up of an
        interrupted launch (seconds before the CI's SIGKILL)."""
        ...


class ForgeRegistry(ABC, Generic[SettingsT]):
    """What both forges' registries do alike: one client for their settings, a hurried twin."""

    def __init__(self, settings: SettingsT) -> None:
        self._settings = settings
        self._client = self._connect(settings)

    @abstractmethod
    def _connect(self, settings: SettingsT) -> Any:
        """The forge's client, counting its requests and retrying by cmlreport's rules."""

    def is_busy(self, runner: ForgeRunner) -> bool:
        return runner.busy

    def hurried(self) -> Self:
        from cmlreport.forges.http import hurried

        return type(self)(hurried(self._settings))
