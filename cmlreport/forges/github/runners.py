"""GitHub Actions self-hosted runners for a repository: JIT configs, registration tokens, removal.

PyGithub wraps listing and removal; the repository-level JIT config and registration token are
not wrapped (only the organisation ones), so those go through its requester.
"""

from __future__ import annotations

from typing import Any

from cmlreport.forges.github.client import GitHubSettings, make_client
from cmlreport.forges.github.errors import Attempt, NotFound, github_errors
from cmlreport.forges.http import RequestCounter
from cmlreport.forges.runners import ForgeRegistry, ForgeRunner, Registration
from cmlreport.redact import Secret

PERMISSION = "administration: write (a fine-grained token or GitHub App; GITHUB_TOKEN cannot)"
RERUN_PERMISSION = "actions: write"


class GitHubRunners(ForgeRegistry[GitHubSettings]):
    def _connect(self, settings: GitHubSettings) -> Any:
        return make_client(settings, RequestCounter())

    def _repo(self) -> Any:
        return self._client.get_repo(self._settings.repository)

    def register(self, name: str, labels: tuple[str, ...], single: bool) -> Registration:
        repo = self._repo()
        if single:
            attempt = Attempt(
                f"create a just-in-time runner config for {name}", PERMISSION, True, post=True
            )
            with github_errors(attempt, self._settings):
                _, data = self._client.requester.requestJsonAndCheck(
                    "POST",
                    f"{repo.url}/actions/runners/generate-jitconfig",
                    input={
                        "name": name,
                        "runner_group_id": 1,
                        "labels": list(labels),
                        "work_folder": "_work",
                    },
                )
            jit = Secret(str(data["encoded_jit_config"]))
            return Registration(int(data["runner"]["id"]), "jit", jit)
        attempt = Attempt("create a runner registration token", PERMISSION, True, post=True)
        with github_errors(attempt, self._settings):
            _, data = self._client.requester.requestJsonAndCheck(
                "POST", f"{repo.url}/actions/runners/registration-token"
            )
        return Registration(None, "registration-token", Secret(str(data["token"])))

    def list_runners(self) -> list[ForgeRunner]:
        attempt = Attempt("list the repository's self-hosted runners", PERMISSION)
        with github_errors(attempt, self._settings):
            return [
                ForgeRunner(
                    id=r.id,
                    name=r.name,
                    online=r.status == "online",
                    busy=bool(r.busy),
                    labels=tuple(str(label["name"]) for label in r.labels),
                )
                for r in self._repo().get_self_hosted_runners()
            ]

    def remove(self, runner_id: int) -> bool:
        attempt = Attempt(f"remove self-hosted runner {runner_id}", PERMISSION, True)
        try:
            with github_errors(attempt, self._settings):
                # Not PyGithub's remove_self_hosted_runner: it answers False for a 5xx as for
                # a runner already gone. The DELETE itself is retried on 5xx (ForgeRetry).
                self._client.requester.requestJsonAndCheck(
                    "DELETE", f"{self._repo().url}/actions/runners/{runner_id}"
                )
        except NotFound:
            return False
        return True

    def rerun_failed(self, run_id: str, launch_job: str, labels: tuple[str, ...]) -> list[str]:
        # Not PyGithub's WorkflowRun.rerun_failed_jobs: it answers False for any refusal, and
        # GitHub's reason ("This workflow is already running") is what the user needs to read.
        attempt = Attempt(
            f"re-run the failed jobs of workflow run {run_id}", RERUN_PERMISSION, True, post=True
        )
        with github_errors(attempt, self._settings):
            self._client.requester.requestJsonAndCheck(
                "POST", f"{self._repo().url}/actions/runs/{run_id}/rerun-failed-jobs"
            )
        return [f"the failed jobs of workflow run {run_id} and the jobs that need them"]
