"""Starting one runner machine on EC2: spot or on demand, the wait until it runs, the undo."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cmlreport.errors import CmlReportError, InputError, RemoteError
from cmlreport.runner.ec2_errors import (
    SPOT_FALLBACK_CODES,
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
    instance_id = str(started["InstanceId"])
    track.instance_id, track.phase = instance_id, f"while waiting for {instance_id} to run"
    market = "spot" if started.get("InstanceLifecycle") == "spot" else "on-demand"
    progress(f"launched {instance_id} ({machine.instance_type}, {market}) in {ec2.region}")
    try:
        instance = _wait_running(ec2, instance_id, progress, timeout, poll_interval)
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
    from botocore.exceptions import ClientError

    image_id = str(image["ImageId"])
    root_device = str(image.get("RootDeviceName") or "/dev/sda1")
    machine = launch.spec.machine
    if machine.spot:
        request = run_request(launch, image_id=image_id, root_device=root_device, spot=True)
        try:
            return _run_instances(ec2, ec2.spot_client(), request, launch, spot=True)
        except ClientError as exc:
            refused = translate(exc, ec2.attempt("RunInstances", launch, spot=True))
            code = error_code(exc)
            if code not in SPOT_FALLBACK_CODES:
                raise refused from exc
            if not machine.spot_fallback:
                raise RemoteError(
                    f"{refused.message}; or drop --no-spot-fallback to launch on demand"
                ) from exc
            progress(
                f"no spot {machine.instance_type} in {ec2.region} ({code}): launching on demand"
            )
    request = run_request(launch, image_id=image_id, root_device=root_device, spot=False)
    try:
        return _run_instances(ec2, ec2.client, request, launch, spot=False)
    except ClientError as exc:
        raise translate(exc, ec2.attempt("RunInstances", launch)) from exc


def _run_instances(
    ec2: Ec2, client: Any, request: Mapping[str, Any], launch: Launch, *, spot: bool
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
        error = translate(exc, ec2.attempt("RunInstances", launch, spot=spot))
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
    ec2: Ec2, instance_id: str, progress: Progress, timeout: float, poll_interval: float
) -> Instance:
    start = time.monotonic()
    while True:
        elapsed = time.monotonic() - start
        description = _describe_one(ec2, instance_id)
        state = "pending" if description is None else instance_from(description).state
        if description is not None and state == "running":
            return instance_from(description)
        if state != "pending":
            reason = (description or {}).get("StateReason", {}).get("Message") or "no reason"
            raise RemoteError(f"instance {instance_id} went {state} while starting: {reason}")
        if elapsed >= timeout:
            raise RemoteError(
                f"instance {instance_id} was still {state} after {timeout:g} s "
                "(raise the launch timeout, or try another instance type or region)"
            )
        progress(f"instance {instance_id} {state}, {elapsed:.0f} s")
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
