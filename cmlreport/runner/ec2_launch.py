"""Starting one runner machine on EC2: spot or on demand, the wait until it runs, the undo."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cmlreport.errors import CmlReportError, InputError, RemoteError
from cmlreport.runner.ec2_errors import (
    answer_lost,
    error_code,
    translate,
    translated,
)
from cmlreport.runner.ec2_requests import (
    Instance,
    Launch,
    check_tags,
    instance_from,
    run_request,
)
from cmlreport.runner.interrupts import Interrupted
from cmlreport.runner.placement import (
    ON_DEMAND,
    STOP,
    Placement,
    after_refusal,
    none_left,
    placements,
)
from cmlreport.runner.progress import (
    PENDING,
    REQUESTED,
    RUNNING,
    LaunchProgress,
    as_launch_progress,
)

if TYPE_CHECKING:
    from cmlreport.runner.ec2 import Ec2

Progress = Callable[[str], None]

# EC2 is eventually consistent: a just-launched instance can be unknown to the next call.
NOT_YET_VISIBLE = "InvalidInstanceID.NotFound"


@dataclass
class LaunchTrack:
    """How far a launch got: what an interrupted launch's clean-up has to end."""

    phase: str = "before RunInstances"
    sent: bool = False  # RunInstances may have reached EC2 (find the machine by client token)
    instance_id: str | None = None
    ended: bool = False  # the launch's own clean-up already terminated what it started


def launch(
    ec2: Ec2,
    launch: Launch,
    progress: Progress,
    *,
    after_run: Callable[[Instance], None] | None,
    timeout: float,
    poll_interval: float,
    track: LaunchTrack | None = None,
) -> Instance:
    """An ``Interrupted`` passes through untouched: ``track`` tells its clean-up what to end."""
    track = track if track is not None else LaunchTrack()
    phases = progress = as_launch_progress(progress)
    machine = launch.spec.machine
    if machine.cloud != "aws":
        raise ValueError(f"a machine on {machine.cloud} given to EC2")
    check_tags(launch)
    if machine.region and machine.region != ec2.region:
        raise ValueError(f"a machine for {machine.region} given to EC2 in {ec2.region}")
    if machine.image_id:
        image = ec2.describe_image(machine.image_id)
    elif machine.image_query is not None:
        image = ec2.newest_image(machine.image_query)
        progress(f"image {image['ImageId']} ({image.get('Name', 'unnamed')})")
    else:
        raise InputError("no machine image: pass --image or choose a preset")
    track.phase, track.sent = "while RunInstances was in flight", True
    try:
        started = _run(ec2, launch, image, progress)
    except CmlReportError:
        track.ended = True  # refused, or the lost answer's machine was swept (or said not)
        raise
    got = instance_from(started)
    instance_id = got.id
    track.instance_id, track.phase = instance_id, f"while waiting for {instance_id} to run"
    where = got.zone or ec2.region
    phases.reached(
        REQUESTED, f"launched {instance_id} ({got.instance_type}, {got.market}) in {where}"
    )
    try:
        instance = _wait_running(ec2, instance_id, phases, timeout, poll_interval)
        if after_run is not None:
            after_run(instance)
    except Interrupted:
        raise
    except (Exception, KeyboardInterrupt) as exc:
        raise _abandon(ec2, instance_id, exc, track, secret=launch.user_data) from exc
    return instance


def _run(
    ec2: Ec2, launch: Launch, image: Mapping[str, Any], progress: Progress
) -> Mapping[str, Any]:
    """RunInstances at each placement in turn until EC2 accepts one (``placement``)."""
    from botocore.exceptions import ClientError

    image_id = str(image["ImageId"])
    root_device = str(image.get("RootDeviceName") or "/dev/sda1")
    machine = launch.spec.machine
    choices = placements(machine)
    refused: list[tuple[Placement, str]] = []
    last_error: CmlReportError | None = None
    skip_spot = False
    # A capacity refusal is HTTP 500, which botocore's standard mode would retry with
    # backoff: a placement with another after it is asked once, the last one as usual.
    once = ec2.once_client() if len(choices) > 1 else ec2.client
    for number, place in enumerate(choices):
        if place.spot and skip_spot:
            continue
        request = run_request(
            launch, place, image_id=image_id, root_device=root_device, attempt=number
        )
        client = ec2.client if number == len(choices) - 1 else once
        try:
            return _run_instances(ec2, client, request, launch, place)
        except ClientError as exc:
            code = error_code(exc)
            last_error = translate(exc, ec2.attempt("RunInstances", launch, place))
            action = after_refusal(code, place)
            if action == STOP or (action == ON_DEMAND and not machine.spot_fallback):
                raise _final(last_error, machine.spot and not machine.spot_fallback) from exc
            refused.append((place, code))
            skip_spot = skip_spot or action == ON_DEMAND
            following = next((p for p in choices[number + 1 :] if not (p.spot and skip_spot)), None)
            if following is not None:
                progress(f"EC2 has no {place} ({code}): trying {following}")
    assert last_error is not None
    if len(refused) == 1:
        raise _final(last_error, machine.spot and not machine.spot_fallback)
    message = none_left(ec2.region, refused, spot_only=machine.spot and not machine.spot_fallback)
    raise RemoteError(message.replace(launch.user_data, "***") if launch.user_data else message)


def _final(error: CmlReportError, spot_only: bool) -> CmlReportError:
    if spot_only and isinstance(error, RemoteError):
        return RemoteError(f"{error.message}; or drop --no-spot-fallback to launch on demand")
    return error


def _run_instances(
    ec2: Ec2, client: Any, request: Mapping[str, Any], launch: Launch, place: Placement
) -> Mapping[str, Any]:
    """RunInstances; a definite ClientError passes through for the caller to read its code.

    When the answer is lost (connection dropped, 5xx after retries) EC2 may have started the
    machine anyway: look for it by its runner tag and end it, so nothing runs unseen.
    """
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        answer = client.run_instances(**request)
    except (ClientError, BotoCoreError) as exc:
        if isinstance(exc, ClientError) and not answer_lost(exc):
            raise
        error = translate(exc, ec2.attempt("RunInstances", launch, place))
        if answer_lost(exc):
            raise RemoteError(
                _swept(ec2, error.message, launch.spec.runner.name), transient=True
            ) from exc
        raise error from exc
    return dict(answer["Instances"][0])


def _swept(ec2: Ec2, message: str, name: str) -> str:
    try:
        ended = ec2.terminate(instance.id for instance in ec2.find(name=name))
    except CmlReportError as exc:
        return f"{message}; could not check for a half-started {name}: {exc.message}"
    if ended:
        return f"{message}; terminated {', '.join(ended)} that EC2 had started anyway"
    return message


def _wait_running(
    ec2: Ec2, instance_id: str, phases: LaunchProgress, timeout: float, poll_interval: float
) -> Instance:
    start = time.monotonic()
    while True:
        elapsed = time.monotonic() - start
        description = _describe_one(ec2, instance_id)
        state = "pending" if description is None else instance_from(description).state
        if description is not None and state == "running":
            phases.reached(RUNNING, f"{instance_id}; the machine boots")
            return instance_from(description)
        if state != "pending":
            reason = (description or {}).get("StateReason", {}).get("Message") or "no reason"
            raise RemoteError(f"instance {instance_id} went {state} while starting: {reason}")
        phases.reached(PENDING, f"EC2 is starting {instance_id}")
        if elapsed >= timeout:
            raise phases.timed_out(
                timeout,
                f"{instance_id} to run (still pending)",
                "raise --timeout, or try another instance type or region",
            )
        phases.waiting(f"{instance_id} to run")
        time.sleep(max(0.0, min(poll_interval, timeout - elapsed)))


def _describe_one(ec2: Ec2, instance_id: str) -> Mapping[str, Any] | None:
    from botocore.exceptions import ClientError

    try:
        with translated(ec2.attempt("DescribeInstances"), passthrough=NOT_YET_VISIBLE):
            answer = ec2.client.describe_instances(InstanceIds=[instance_id])
    except ClientError:
        return None
    found = [i for r in answer["Reservations"] for i in r["Instances"]]
    return dict(found[0]) if found else None


def _abandon(
    ec2: Ec2, instance_id: str, exc: BaseException, track: LaunchTrack, *, secret: str
) -> RemoteError:
    if isinstance(exc, KeyboardInterrupt):
        what = "interrupted"
    elif isinstance(exc, CmlReportError):
        what = exc.message
    else:
        first = str(exc).splitlines()[0] if str(exc) else ""
        what = f"{type(exc).__name__}: {first}".rstrip(": ")
    try:
        # Straight to TerminateInstances: the instance is ours, and a Describe may not see it yet.
        ec2.end_started(ec2.client, instance_id, "", pause=1.0)
        track.ended = True
        cleaned = f"terminated {instance_id}"
    except CmlReportError as cleanup:
        cleaned = (
            f"terminating {instance_id} failed too ({cleanup.message}): end it with "
            "`cmlreport runner stop` or in the EC2 console"
        )
    message = f"launch failed after starting {instance_id}: {what}; {cleaned}"
    return RemoteError(message.replace(secret, "***") if secret else message)
