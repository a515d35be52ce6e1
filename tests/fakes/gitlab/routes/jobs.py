"""A pipeline's jobs and their retry: what `runner stop` does after a spot interruption."""

from __future__ import annotations

from typing import Any

from tests.fakes.gitlab.records import DEVELOPER, MAINTAINER, Job
from tests.fakes.gitlab.routing import ApiError, Call, Reply, Router, not_found

router = Router()
DOCS = "https://docs.gitlab.com/api/jobs"
SCOPES = ("created", "pending", "running", "failed", "success", "canceled", "skipped", "manual")
RETRIABLE = ("failed", "success", "canceled")


def job_json(job: Job) -> dict[str, Any]:
    return {
        "id": job.id,
        "name": job.name,
        "stage": job.stage,
        "status": job.status,
        "tag_list": list(job.tag_list),
        "pipeline": {"id": job.pipeline_id, "project_id": job.project_id},
        "retried": job.retried,
        "runner": {"id": job.runner_id} if job.runner_id is not None else None,
    }


@router(
    "GET",
    "/projects/:id/pipelines/:pipeline_id/jobs",
    docs=f"{DOCS}/#list-pipeline-jobs",
    optional=("scope", "scope[]", "include_retried"),
    paginated=True,
    role=DEVELOPER,
)
def list_pipeline_jobs(call: Call) -> Reply:
    project = call.project()
    pipeline = call.number("pipeline_id", "Pipeline")
    jobs = [
        j
        for j in call.state.jobs.values()
        if (j.project_id, j.pipeline_id) == (project.id, pipeline)
    ]
    if not jobs:
        raise not_found("Pipeline")
    if call.text("include_retried") != "true":
        jobs = [j for j in jobs if not j.retried]
    scope = call.args.get("scope", call.args.get("scope[]"))
    scopes = set(scope if isinstance(scope, list) else [scope] if scope else [])
    if scopes - set(SCOPES):
        raise ApiError(400, {"scope": ["does not have a valid value"]})
    if scopes:
        jobs = [j for j in jobs if j.status in scopes]
    page, headers = call.paginate(sorted(jobs, key=lambda j: j.id))
    return Reply(200, [job_json(j) for j in page], headers)


@router(
    "POST",
    "/projects/:id/jobs/:job_id/retry",
    docs=f"{DOCS}/#retry-a-job",
    role=DEVELOPER,
)
def retry_job(call: Call) -> Reply:
    project = call.project()
    job = call.state.jobs.get(call.number("job_id", "Job"))
    if job is None or job.project_id != project.id:
        raise not_found("Job")
    if job.status not in RETRIABLE or job.retried:
        raise ApiError(403, "403 Forbidden  - Job is not retryable")
    job.retried = True
    new = Job(
        call.state.next_id(0),
        project.id,
        job.pipeline_id,
        job.name,
        "pending",
        list(job.tag_list),
        job.stage,
    )
    call.state.jobs[new.id] = new
    return Reply(201, job_json(new))


@router(
    "GET",
    "/runners/:id/jobs",
    docs="https://docs.gitlab.com/api/runners/#list-jobs-processed-by-a-runner",
    optional=("status", "order_by", "sort"),
    choices={"status": ("running", "success", "failed", "canceled")},
    paginated=True,
    scopes=("api", "manage_runner", "read_api"),
)
def list_runner_jobs(call: Call) -> Reply:
    runner = call.state.runners.get(call.number("id", "Runner"))
    if runner is None:
        raise not_found("Runner")
    project = runner.project_id
    if project is not None and call.token.project_id not in (None, project):
        raise not_found("Runner")
    if call.token.access_level < MAINTAINER:
        raise ApiError(403, "403 Forbidden")
    jobs = [j for j in call.state.jobs.values() if j.runner_id == runner.id]
    if "status" in call.args:
        jobs = [j for j in jobs if j.status == call.text("status")]
    page, headers = call.paginate(sorted(jobs, key=lambda j: j.id, reverse=True))
    return Reply(200, [job_json(j) for j in page], headers)
