"""GitLab project runners for a cloud machine: created through the runners API, deleted after.

`POST /user/runners` returns the `glrt-` authentication token the machine registers with; the
runner's tags are set here, at creation, as GitLab 16+ wants.
"""

from __future__ import annotations

from typing import Any

from cmlreport.forges.gitlab.client import GitLabSettings, make_client
from cmlreport.forges.gitlab.errors import Attempt, NotFound, gitlab_errors
from cmlreport.forges.http import RequestCounter
from cmlreport.forges.runners import ForgeRegistry, ForgeRunner, Registration
from cmlreport.redact import Secret

ROLE = "Maintainer (create_runner scope or api)"


class GitLabRunners(ForgeRegistry[GitLabSettings]):
    def _connect(self, settings: GitLabSettings) -> Any:
        return make_client(settings, RequestCounter())

    def _project(self) -> Any:
        return self._client.projects.get(self._settings.project, lazy=True)

    def _project_id(self) -> int:
        with gitlab_errors(Attempt(f"read project {self._settings.project}"), self._settings):
            return int(self._client.projects.get(self._settings.project).id)

    def register(self, name: str, labels: tuple[str, ...], single: bool) -> Registration:
        attempt = Attempt(f"create project runner {name}", ROLE, write=True, post=True)
        project_id = self._project_id()
        from gitlab.v4.objects import CurrentUserRunnerManager

        with gitlab_errors(attempt, self._settings):
            # Built directly: `gl.user.runners` needs `gl.auth()` first, one request more.
            runner = CurrentUserRunnerManager(self._client).create(
                {
                    "runner_type": "project_type",
                    "project_id": project_id,
                    "description": name,
                    "tag_list": ",".join(labels),
                    "run_untagged": False,
                }
            )
        return Registration(int(runner.id), "gitlab", Secret(str(runner.token)))

    def list_runners(self) -> list[ForgeRunner]:
        with gitlab_errors(Attempt("list the project's runners", ROLE), self._settings):
            runners = self._project().runners.list(get_all=True)
        return [
            ForgeRunner(
                id=int(r.id),
                name=str(getattr(r, "description", "") or ""),
                online=getattr(r, "status", "") == "online",
                busy=False,
                labels=tuple(getattr(r, "tag_list", None) or ()),
            )
            for r in runners
        ]

    def is_busy(self, runner: ForgeRunner) -> bool:
        # The runner list has no busy field: a runner with a running job is busy.
        attempt = Attempt(f"list the running jobs of runner {runner.id}", ROLE)
        with gitlab_errors(attempt, self._settings):
            jobs = self._client.runners.get(runner.id, lazy=True).jobs
            running = jobs.list(status="running", per_page=1, get_all=False)
        return bool(running)

    def remove(self, runner_id: int) -> bool:
        attempt = Attempt(f"delete runner {runner_id}", ROLE, write=True)
        try:
            with gitlab_errors(attempt, self._settings):
                self._client.runners.delete(runner_id)
        except NotFound:
            return False
        return True

    def rerun_failed(self, run_id: str, launch_job: str, labels: tuple[str, ...]) -> list[str]:
        project = self._project()
        with gitlab_errors(
            Attempt(f"list the failed jobs of pipeline {run_id}", ROLE), self._settings
        ):
            failed = project.pipelines.get(int(run_id), lazy=True).jobs.list(
                scope="failed", get_all=True
            )
        # The jobs meant for this machine, and the one that launched it: the retried jobs need
        # a new machine with the same tags, which only the launch job's retry starts.
        wanted = {int(job.id): str(job.name) for job in failed if set(job.tag_list) & set(labels)}
        if launch_job:
            wanted.setdefault(int(launch_job), "the launch job")
        retried: list[str] = []
        for job_id, name in sorted(wanted.items()):
            attempt = Attempt(f"retry job {job_id} ({name})", ROLE, write=True, post=True)
            with gitlab_errors(attempt, self._settings):
                project.jobs.get(job_id, lazy=True).retry()
            retried.append(f"job {job_id} ({name})")
        return retried
