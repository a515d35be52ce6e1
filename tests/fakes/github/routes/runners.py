"""Self-hosted runners of a repository (JIT configs for ephemeral cloud runners)."""

from __future__ import annotations

import base64
import json
from datetime import timedelta

from tests.fakes.github.git_bodies import runner_json
from tests.fakes.github.records import Runner
from tests.fakes.github.routing import ApiError, Call, Reply, Router, invalid, not_found

router = Router()
ADMIN = ("administration:write",)


@router("POST", "/repos/{owner}/{repo}/actions/runners/generate-jitconfig", accepted=ADMIN)
def generate_jitconfig(call: Call) -> Reply:
    repo = call.repo()
    data = call.json()
    name = str(data.get("name", ""))
    if any(r.repo == repo.full_name and r.name == name for r in call.state.runners.values()):
        raise invalid(f"A runner named {name} already exists", "name", "Runner")
    labels = ["self-hosted", *data.get("labels", [])]
    runner = Runner(call.state.next_id(0), repo.full_name, name, labels)
    call.state.runners[runner.id] = runner
    # Opaque to clients; what the runner binary decodes. Carries no secret of the test's token.
    config = {"runner_id": runner.id, "repo": repo.full_name, "url": call.links.web}
    encoded = base64.b64encode(json.dumps(config).encode()).decode()
    return Reply(201, {"runner": runner_json(runner), "encoded_jit_config": encoded})


@router("GET", "/repos/{owner}/{repo}/actions/runners", accepted=ADMIN)
def list_runners(call: Call) -> Reply:
    repo = call.repo()
    runners = [r for r in call.state.runners.values() if r.repo == repo.full_name]
    if "name" in call.query:
        runners = [r for r in runners if r.name == call.query["name"]]
    page, headers = call.paginate(sorted(runners, key=lambda r: r.id))
    body = {"total_count": len(runners), "runners": [runner_json(r) for r in page]}
    return Reply(200, body, headers)


@router("DELETE", "/repos/{owner}/{repo}/actions/runners/{runner_id}", accepted=ADMIN)
def delete_runner(call: Call) -> Reply:
    repo = call.repo()
    runner = call.state.runners.get(call.number("runner_id"))
    if runner is None or runner.repo != repo.full_name:
        raise not_found()
    if runner.busy:
        raise invalid("Runner is busy with a job", "runner_id", "Runner")
    del call.state.runners[runner.id]
    return Reply(204)


@router("POST", "/repos/{owner}/{repo}/actions/runners/registration-token", accepted=ADMIN)
def registration_token(call: Call) -> Reply:
    """A short-lived token `config.sh --token` takes to register a persistent runner."""
    call.repo()
    token = "A" + base64.b32encode(call.state.next_id(0).to_bytes(8, "big")).decode().rstrip("=")
    expires = call.state.clock.now() + timedelta(hours=1)
    return Reply(201, {"token": token, "expires_at": expires.strftime("%Y-%m-%dT%H:%M:%SZ")})


@router(
    "POST",
    "/repos/{owner}/{repo}/actions/runs/{run_id}/rerun-failed-jobs",
    accepted=("actions:write",),
)
def rerun_failed_jobs(call: Call) -> Reply:
    """GitHub refuses while the run is in progress (the jobs of the run itself asking)."""
    repo = call.repo()
    run = call.state.workflow_runs.get(call.number("run_id"))
    if run is None or run.repo != repo.full_name:
        raise not_found()
    if run.status != "completed":
        raise ApiError(403, "This workflow is already running")
    run.run_attempt += 1
    run.status, run.conclusion = "queued", None
    run.reruns.append("failed-jobs")
    return Reply(201, {})
