"""After a spot interruption: `runner stop` re-runs the failed jobs once, and the re-run's
`runner launch` asks for on demand.

EC2 reclaims a spot machine with two minutes' notice; its job fails with it. `runner stop`
sees the end in EC2's state reason (``Server.SpotInstanceTermination``) or in the tag the
watchdog wrote, says so in one line, and asks the forge to run the failed jobs again, at most
up to ``max_attempts`` (GitHub: GITHUB_RUN_ATTEMPT counts; GitLab: the attempt tagged on the
machine). The re-run's launch finds the interrupted machine of an earlier attempt of the same
run (same labels) and launches on demand, so that one interruption costs one re-run, not a loop.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from cmlreport.errors import CmlReportError
from cmlreport.forges.runners import RunnerRegistry
from cmlreport.runner.ec2_requests import CiRun, Instance
from cmlreport.runner.spec import RunnerSpec

if TYPE_CHECKING:
    from cmlreport.runner.ec2 import Ec2

Say = Callable[[str], None]
DOCS = "docs/runners.md#spot-interruptions"


@dataclass(frozen=True)
class RerunPolicy:
    """`runner stop`'s --rerun-on-spot, --max-attempts, --run-id and --run-attempt."""

    enabled: bool = True
    max_attempts: int = 2
    run_id: str | None = None  # default: the run the machine was tagged with
    attempt: int | None = None  # default: the attempt the machine was tagged with


def rerun_after_spot(
    registry: RunnerRegistry | None,
    interrupted: list[Instance],
    policy: RerunPolicy,
    say: Say,
    *,
    forge: str = "github",
) -> list[str]:
    """Say what the interruption did and re-run once; returns what went wrong (exit 3)."""
    problems: list[str] = []
    asked: set[str] = set()
    for instance in interrupted:
        say(
            f"spot interruption: EC2 reclaimed {instance.id} ({instance.name}, "
            f"{instance.instance_type} spot); the job running on it failed with it"
        )
        run = instance.run or CiRun("")
        run_id = policy.run_id or run.run_id
        attempt = policy.attempt or run.attempt
        if run_id in asked:
            continue
        if not policy.enabled:
            say("not re-running the failed jobs: --no-rerun-on-spot")
        elif not run_id or registry is None:
            say("cannot tell which CI run to re-run: pass --run-id")
        elif attempt >= policy.max_attempts:
            say(
                f"not re-running: this was attempt {attempt}, and --max-attempts is "
                f"{policy.max_attempts}"
            )
        else:
            asked.add(run_id)
            try:
                done = registry.rerun_failed(run_id, run.job_id, instance.labels)
            except CmlReportError as exc:
                hint = (
                    "; GitHub re-runs a run only once it has finished: ask from a workflow_run "
                    f"workflow ({DOCS})"
                    if forge == "github"
                    else ""
                )
                problems.append(
                    f"the re-run after the spot interruption failed: {exc.message}{hint}"
                )
                continue
            say(
                f"re-running {', '.join(done) or 'nothing: no failed job'} (attempt "
                f"{attempt + 1} of at most {policy.max_attempts}); its launch asks for on demand"
            )
    return problems


def after_interruption(
    ec2: Ec2, spec: RunnerSpec, run: CiRun | None, say: Say, *, on_demand: bool = True
) -> tuple[RunnerSpec, CiRun | None]:
    """The spec and run of a launch, knowing the machines an interruption ended in this run.

    A spot launch whose run lost a spot machine of the same labels in an earlier attempt asks
    for on demand (unless ``on_demand`` is off); on GitLab, where nothing counts attempts, the
    attempt is one more than that machine's.
    """
    if run is None or not run.run_id:
        return spec, run
    spec = replace(spec, ci_run=run)
    if not spec.machine.spot:
        return spec, run  # nothing to decide: no lookup, no extra EC2 request
    labels = spec.runner.labels[1:] or spec.runner.labels  # the name differs per attempt
    before = [
        i
        for i in ec2.interrupted(labels=labels, repo=spec.repo.repository)
        if i.run is not None and i.run.run_id == run.run_id and i.id
    ]
    if spec.repo.forge == "gitlab" and before:
        run = replace(run, attempt=max(i.run.attempt for i in before if i.run) + 1)
        spec = replace(spec, ci_run=run)
    earlier = [i for i in before if i.run is not None and i.run.attempt < run.attempt]
    if not earlier or not spec.machine.spot:
        return spec, run
    last = earlier[-1]
    if not on_demand:
        say(f"the previous attempt's spot machine {last.id} was reclaimed; spot again as asked")
        return spec, run
    say(
        f"the previous attempt's spot machine {last.id} was reclaimed by EC2: launching on "
        "demand this time (--spot-after-interruption keeps spot)"
    )
    return replace(spec, machine=replace(spec.machine, spot=False)), run
