"""EC2 in one region through boto3: images, the launch, and finding and ending runner machines."""

from __future__ import annotations

import builtins
import re
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any

from cmlreport import __version__
from cmlreport.errors import InputError, RemoteError
from cmlreport.runner import ec2_launch
from cmlreport.runner.ec2_errors import NO_REGION, Attempt, translated
from cmlreport.runner.ec2_requests import (
    Instance,
    Launch,
    image_request,
    instance_filters,
    instance_from,
    is_runner,
)
from cmlreport.runner.placement import Placement
from cmlreport.runner.presets import ImageQuery, newest_image

__all__ = ["Ec2", "ImageQuery", "Instance", "Launch"]

Progress = Callable[[str], None]

# Credentials come from boto3's usual chain (environment, OIDC web identity, profile, instance
# role); boto3 is imported only when an Ec2 is made, so `--help` stays fast.
_INSTANCE_ID = re.compile(r"^i-[0-9a-f]{8,17}$")
_GONE = ("shutting-down", "terminated")


class Ec2:
    """EC2 in one region. ``endpoint_url`` points boto3 elsewhere (moto's server in tests);
    ``session``, a boto3 Session, shares credentials and the parsed API model between regions.
    ``max_attempts`` counts the first try. ``token_file``: AWS_WEB_IDENTITY_TOKEN_FILE as the
    caller read it, so that an unreadable one is one line, not botocore's OSError. ``client``,
    ``once_client()`` and ``attempt()`` serve ``ec2_launch``.
    """

    def __init__(
        self,
        region: str,
        *,
        endpoint_url: str | None = None,
        max_attempts: int = 5,
        retry_mode: str = "standard",
        session: Any | None = None,
        token_file: str = "",
    ) -> None:
        import boto3
        from botocore.config import Config
        from botocore.exceptions import InvalidRegionError, NoRegionError

        def client(attempts: int, connect: float = 10, read: float = 60) -> Any:
            retries = {"mode": retry_mode, "total_max_attempts": attempts}
            config = Config(
                retries=retries,
                connect_timeout=connect,
                read_timeout=read,
                user_agent_extra=f"cmlreport/{__version__}",
            )
            made = shared.client(
                "ec2", region_name=region or None, endpoint_url=endpoint_url, config=config
            )
            made.meta.events.register("before-sign.ec2", _mask_credentials)
            return made

        shared = session or boto3.session.Session()
        try:
            self.client = client(max_attempts)
        except NoRegionError:
            raise InputError(NO_REGION) from None
        except InvalidRegionError:
            raise InputError(f"--region {region!r} is not an AWS region name") from None
        # A request that finds no capacity is answered with HTTP 500, which botocore would
        # retry with backoff for nothing: one attempt, then the next placement.
        self.once_client: Callable[[], Any] = lambda: client(1)
        # The clean-up after an interrupted launch has seconds before the CI's SIGKILL: short
        # timeouts and few tries, so that it ends (and says what it could not do) in time.
        self.hurried_client: Callable[[], Any] = lambda: client(3, connect=2, read=3)
        self.region: str = self.client.meta.region_name
        self.token_file = token_file

    # -- images --------------------------------------------------------------------------------

    def newest_image(self, query: ImageQuery) -> Mapping[str, Any]:
        """The newest available image ``query`` matches (by CreationDate)."""
        with translated(self.attempt("DescribeImages")):
            images = self.client.describe_images(**image_request(query))["Images"]
        image = newest_image(images)
        if image is None:
            raise InputError(
                f"no {query.architecture} image named {query.name_pattern!r} owned by "
                f"{', '.join(query.owners)} in {self.region}: pass an AMI id with --image"
            )
        return image

    def describe_image(self, image_id: str) -> Mapping[str, Any]:
        with translated(self.attempt("DescribeImages")):
            images = self.client.describe_images(ImageIds=[image_id])["Images"]
        if not images:
            raise InputError(f"--image {image_id}: no such image in {self.region}")
        return dict(images[0])

    # -- launch --------------------------------------------------------------------------------

    def launch(
        self,
        launch: Launch,
        progress: Progress,
        *,
        after_run: Callable[[Instance], None] | None = None,
        timeout: float = 600.0,
        poll_interval: float = 5.0,
        track: ec2_launch.LaunchTrack | None = None,
    ) -> Instance:
        """Start the machine ``launch`` describes, wait until it runs, then call ``after_run``
        (the forge registration). ``progress`` gets one line per step and per poll.

        A refusal for want of capacity moves on to the next instance type or subnet, then
        from spot to on demand unless ``spot_fallback`` is off (``placement``). Any failure
        once the instance exists terminates it and raises ``RemoteError``; an ``Interrupted``
        (a signal) leaves that to the caller, which ``track`` tells how far the launch got.
        """
        return ec2_launch.launch(
            self,
            launch,
            progress,
            after_run=after_run,
            timeout=timeout,
            poll_interval=poll_interval,
            track=track,
        )

    def console_output(self, instance_id: str) -> str:
        """What the machine has written to its console so far ("" before the first output).

        ``Latest`` (the live output) exists on Nitro machines only; older ones (p3) get the
        output as of their last snapshot. Needs ``ec2:GetConsoleOutput``.
        """
        from botocore.exceptions import ClientError

        attempt = self.attempt("GetConsoleOutput")
        try:
            with translated(attempt, passthrough="UnsupportedOperation"):
                answer = self.client.get_console_output(InstanceId=instance_id, Latest=True)
        except ClientError:
            with translated(attempt):
                answer = self.client.get_console_output(InstanceId=instance_id)
        # At most 64 KiB, as EC2 keeps it: base64 on the wire, decoded by botocore itself
        # (botocore.handlers.decode_console_output).
        return str(answer.get("Output") or "")

    # -- find and end --------------------------------------------------------------------------

    def end_started(
        self, client: Any, instance_id: str | None, client_token: str, *, pause: float = 0.5
    ) -> builtins.list[str]:
        """Terminate the machine a launch started: by id, or by its client token's tag when
        RunInstances' answer never came. Returns the ids ended. ``client``: ``hurried_client()``
        for the rollback of an interrupted launch.

        EC2 is eventually consistent: a just-started instance may be unknown for a moment, so
        each step is tried three times, ``pause`` seconds apart.
        """
        from botocore.exceptions import ClientError

        ids = [instance_id] if instance_id else []
        for look in range(3):
            if not ids:
                filters = instance_filters(client_token=client_token)
                with translated(self.attempt("DescribeInstances")):
                    answer = client.describe_instances(Filters=filters)
                ids = [i["InstanceId"] for r in answer["Reservations"] for i in r["Instances"]]
            if ids:
                try:
                    with translated(
                        self.attempt("TerminateInstances"), passthrough=ec2_launch.NOT_YET_VISIBLE
                    ):
                        client.terminate_instances(InstanceIds=ids)
                    return ids
                except ClientError:
                    if look == 2:
                        raise RemoteError(f"EC2 does not know {', '.join(ids)} yet") from None
            elif look == 2:
                return []
            time.sleep(pause)
        return ids

    def terminate(self, instance_ids: Iterable[str]) -> builtins.list[str]:
        """End these runners; returns the ids this call ended (already gone ones are fine).

        Refuses any instance without cmlreport's runner tag: a typo must not end a database.
        """
        ids = list(dict.fromkeys(instance_ids))
        for instance_id in ids:
            if not _INSTANCE_ID.fullmatch(instance_id):
                raise InputError(f"{instance_id!r} is not an EC2 instance id (i-0123456789abcdef0)")
        if not ids:
            return []
        described = self._describe([{"Name": "instance-id", "Values": ids}])
        strangers = [d["InstanceId"] for d in described if not is_runner(d)]
        if strangers:
            raise InputError(
                f"{strangers[0]} is not a cmlreport runner (it has no cmlreport:runner tag): "
                "refusing to terminate it"
            )
        alive = [d["InstanceId"] for d in described if d["State"]["Name"] not in _GONE]
        if alive:
            with translated(self.attempt("TerminateInstances")):
                self.client.terminate_instances(InstanceIds=alive)
        return alive

    def find(
        self,
        *,
        name: str | None = None,
        labels: Iterable[str] | None = None,
        instance_id: str | None = None,
        repo: str | None = None,
    ) -> builtins.list[Instance]:
        """Live (not terminated) runners matching every criterion given; ``labels``: has all."""
        filters = instance_filters(name=name, repo=repo, instance_id=instance_id)
        found = [instance_from(d) for d in self._describe(filters)]
        wanted = set(labels or ())
        matching = [i for i in found if wanted <= set(i.labels)]
        return sorted(matching, key=lambda i: (i.launched_at is None, i.launched_at, i.id))

    def interrupted(
        self, *, name: str | None = None, labels: Iterable[str] = (), repo: str | None = None
    ) -> builtins.list[Instance]:
        """Runners matching these that a spot interruption ended or is ending (EC2 lists a
        terminated machine, tags and state reason, for about an hour)."""
        filters = instance_filters(name=name, repo=repo, states=(*_GONE, "running"))
        found = [instance_from(d) for d in self._describe(filters)]
        return [i for i in found if i.interrupted and set(labels) <= set(i.labels)]

    def list(self, repo: str | None = None) -> builtins.list[Instance]:
        """Every live runner, or those of one repository."""
        return self.find(repo=repo)

    def expired(self, now: datetime) -> builtins.list[Instance]:
        """Live runners whose expires-at tag lies at or before ``now`` (aware)."""
        return [i for i in self.find() if i.expires_at is not None and i.expires_at <= now]

    def _describe(self, filters: builtins.list[dict[str, Any]]) -> builtins.list[Mapping[str, Any]]:
        with translated(self.attempt("DescribeInstances")):
            pages = self.client.get_paginator("describe_instances").paginate(Filters=filters)
            return [i for page in pages for r in page["Reservations"] for i in r["Instances"]]

    def attempt(
        self, operation: str, launch: Launch | None = None, placement: Placement | None = None
    ) -> Attempt:
        """What is being tried, for error messages (with the user data to keep out of them)."""
        if launch is None:
            return Attempt(operation, self.region, token_file=self.token_file)
        instance_type = placement.instance_type if placement else launch.spec.machine.instance_type
        return Attempt(
            operation,
            self.region,
            instance_type,
            placement.spot if placement else False,
            secret=launch.user_data,
            token_file=self.token_file,
        )


def _mask_credentials(request_signer: Any = None, **_: Any) -> None:
    """Credentials boto3 obtained itself (STS from OIDC, an instance role) are secrets too:
    masked from the first request they sign, should any error or traceback quote them."""
    from cmlreport.redact import register

    credentials = getattr(request_signer, "_credentials", None)
    if credentials is None:
        return
    frozen = credentials.get_frozen_credentials()
    register(frozen.secret_key)
    register(frozen.token)
