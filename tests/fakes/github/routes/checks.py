"""Check runs: the report as a check with a conclusion from the gates."""

from __future__ import annotations

from typing import Any

from tests.fakes.github.git_bodies import annotation_json, check_run_json
from tests.fakes.github.records import CheckRun
from tests.fakes.github.routing import Call, Reply, Router, invalid, not_found, parse_time

router = Router()
MAX_ANNOTATIONS = 50  # per request; more are sent with further updates
MAX_OUTPUT = 65535


def _apply(call: Call, run: CheckRun, data: dict[str, Any]) -> None:
    """The fields of a create or update request, with GitHub's rules between them."""
    for key in ("name", "details_url", "external_id"):
        if key in data:
            setattr(run, key, data[key])
    if "started_at" in data:
        run.started_at = parse_time(data["started_at"])
    if "status" in data:
        run.status = data["status"]
    if data.get("conclusion") is not None:
        run.conclusion = data["conclusion"]
        run.status = "completed"  # providing a conclusion completes the run
    if "completed_at" in data:
        run.completed_at = parse_time(data["completed_at"])
    if run.status == "completed":
        if run.conclusion is None:
            raise invalid("conclusion is required when status is completed", "conclusion", "Check")
        run.completed_at = run.completed_at or call.state.clock.now()
    output = data.get("output")
    if isinstance(output, dict):
        for key in ("title", "summary", "text"):
            if key in output:
                if len(output[key] or "") > MAX_OUTPUT:
                    raise invalid(f"output.{key} is too long", f"output.{key}", "CheckRun")
                setattr(run, key, output[key])
        annotations = output.get("annotations") or []
        if len(annotations) > MAX_ANNOTATIONS:
            raise invalid("at most 50 annotations per request", "output.annotations", "CheckRun")
        # Each request's annotations are appended to those already there, as GitHub does.
        run.annotations_count += len(annotations)
        run.annotations += [dict(a) for a in annotations]


@router("POST", "/repos/{owner}/{repo}/check-runs", accepted=("checks:write",))
def create_check_run(call: Call) -> Reply:
    repo = call.repo()
    data = call.json()
    run = CheckRun(
        id=call.state.next_id(3_000_000),
        repo=repo.full_name,
        name=str(data.get("name", "")),
        head_sha=str(data.get("head_sha", "")),
        status="queued",
        conclusion=None,
        started_at=call.state.clock.now(),
        completed_at=None,
        details_url=None,
        external_id=None,
    )
    _apply(call, run, data)
    call.state.check_runs[run.id] = run
    return Reply(201, check_run_json(call.links, call.state, run))


@router("PATCH", "/repos/{owner}/{repo}/check-runs/{check_run_id}", accepted=("checks:write",))
def update_check_run(call: Call) -> Reply:
    run = call.state.check_runs.get(call.number("check_run_id"))
    if run is None or run.repo != call.repo().full_name:
        raise not_found()
    _apply(call, run, call.json())
    return Reply(200, check_run_json(call.links, call.state, run))


@router("GET", "/repos/{owner}/{repo}/check-runs/{check_run_id}/annotations")
def list_annotations(call: Call) -> Reply:
    run = call.state.check_runs.get(call.number("check_run_id"))
    if run is None or run.repo != call.repo().full_name:
        raise not_found()
    page, headers = call.paginate(run.annotations)
    return Reply(200, [annotation_json(call.links, run, a) for a in page], headers)


@router("GET", "/repos/{owner}/{repo}/commits/{ref}/check-runs")
def list_check_runs_for_ref(call: Call) -> Reply:
    repo = call.repo()
    sha = call.state.resolve(repo, call.params["ref"])
    if sha is None:
        raise invalid(f"No commit found for SHA: {call.params['ref']}", "ref", "Commit")
    runs = [r for r in call.state.check_runs.values() if r.repo == repo.full_name]
    runs = sorted((r for r in runs if r.head_sha == sha), key=lambda r: r.id, reverse=True)
    if "check_name" in call.query:
        runs = [r for r in runs if r.name == call.query["check_name"]]
    if "status" in call.query:
        runs = [r for r in runs if r.status == call.query["status"]]
    if call.query.get("filter", "latest") == "latest":
        latest: dict[str, CheckRun] = {}
        for run in runs:
            latest.setdefault(run.name, run)
        runs = list(latest.values())
    page, headers = call.paginate(runs)
    body = {
        "total_count": len(runs),
        "check_runs": [check_run_json(call.links, call.state, r) for r in page],
    }
    return Reply(200, body, headers)
