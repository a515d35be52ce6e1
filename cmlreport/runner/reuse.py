"""`runner launch --reuse-idle`: take a live, idle multi-job runner instead of a new machine.

A machine fits when it runs, serves this repository, carries the same labels (its own name
aside) and the forge lists its runner online and not busy (GitLab: no running job). Two
launches may find the same machine at once; the claim decides which one takes it:

1. look at the machine's tags: a claim by another launch younger than ``CLAIM_LEASE`` means
   it is taken (the job it was claimed for has not reached it yet);
2. write ``cmlreport:claim`` (this launch's token) and ``cmlreport:claimed-at``; EC2 keeps
   the value written last;
3. wait ``settle`` seconds, read the claim back, and take the machine only if it is still
   ours, and only if step 2 came at most ``settle / 2`` after step 1.

Of two launches that both saw the machine unclaimed, the later writer wrote within
``settle / 2`` of its look, which came before the earlier one's write: so before the earlier
one reads back, which it does ``settle`` after its write. It reads the later token and lets
go; the later one reads its own and wins. Exactly one takes the machine. ``settle`` (20 s)
also covers EC2's eventual consistency and one round of the watchdog (15 s), which by then
has seen the claim (its idle window restarts) or ended the machine, which the forge's state,
read again after the claim, shows. Then the reuse extends the machine's lifetime: its
deadline becomes now + this launch's --max-lifetime, never earlier than it was.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING

from cmlreport.forges.runners import RunnerRegistry
from cmlreport.runner.ec2_claims import running_tags, write_tags
from cmlreport.runner.ec2_requests import TAG_EXPIRES, Instance, format_expiry, parse_expiry
from cmlreport.runner.spec import RunnerSpec

if TYPE_CHECKING:
    from cmlreport.runner.ec2 import Ec2

Progress = Callable[[str], None]

TAG_CLAIM = "cmlreport:claim"
TAG_CLAIMED_AT = "cmlreport:claimed-at"  # epoch seconds: the watchdog restarts its idle window
TAG_DEADLINE = "cmlreport:deadline"  # epoch seconds: the watchdog's extended max lifetime
CLAIM_SETTLE = 20.0
# A claim whose job never reached the machine (a cancelled pipeline) frees it after this.
CLAIM_LEASE = timedelta(minutes=5)
# As at launch (runner.launch.EXPIRY_GRACE): the watchdog acts before `runner cleanup` does.
EXPIRY_GRACE = timedelta(minutes=10)


@dataclass(frozen=True)
class Reused:
    instance: Instance
    deadline: datetime  # when the watchdog ends the machine now, job or not


def job_labels(labels: tuple[str, ...], name: str) -> frozenset[str]:
    """The labels jobs select a machine by, its own name (a label of its own) left out."""
    return frozenset(label for label in labels if label != name)


def claim_token(spec: RunnerSpec) -> str:
    run = spec.ci_run.run_id if spec.ci_run else "local"
    return f"{run}-{secrets.token_hex(6)}"


def held_by_another(tags: Mapping[str, str], token: str, now: datetime) -> bool:
    """Whether another launch claimed the machine less than ``CLAIM_LEASE`` ago."""
    claimed_at = tags.get(TAG_CLAIMED_AT, "")
    if tags.get(TAG_CLAIM, token) == token or not claimed_at.isdigit():
        return False
    age = now - datetime.fromtimestamp(int(claimed_at), timezone.utc)
    return age < CLAIM_LEASE


def extended(tags: Mapping[str, str], now: datetime, max_lifetime: int) -> datetime:
    """The machine's new deadline: this launch's max lifetime from now, never earlier."""
    wanted = now + timedelta(seconds=max_lifetime)
    current = tags.get(TAG_DEADLINE, "")
    if current.isdigit():
        return max(wanted, datetime.fromtimestamp(int(current), timezone.utc))
    expires = parse_expiry(tags.get(TAG_EXPIRES))
    return max(wanted, expires - EXPIRY_GRACE) if expires else wanted


def reuse_idle(
    spec: RunnerSpec,
    registry: RunnerRegistry,
    ec2: Ec2,
    progress: Progress,
    *,
    now: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    settle: float = CLAIM_SETTLE,
) -> Reused | None:
    """An idle runner of this repository with the same labels, claimed and extended; None
    (after saying so) when none fits or another launch took each one first."""
    wanted = job_labels(spec.runner.labels, spec.runner.name)
    online = {r.name: r for r in registry.list_runners() if r.online}
    candidates = [
        i
        for i in ec2.find(repo=spec.repo.repository)
        if i.state == "running" and i.name in online and job_labels(i.labels, i.name) == wanted
    ]
    candidates = [i for i in candidates if not registry.is_busy(online[i.name])]
    token = claim_token(spec)
    for instance in candidates:
        if _claimed(instance, token, ec2, progress, now, clock, sleep, settle):
            if not _still_idle(registry, instance.name):
                progress(f"{instance.name} took a job or went offline meanwhile: not reusing it")
                continue
            tags = running_tags(ec2, instance.id)
            if tags is None:
                progress(f"{instance.name} ({instance.id}) is ending: not reusing it")
                continue
            deadline = extended(tags, now(), spec.runner.max_lifetime)
            write_tags(
                ec2,
                instance.id,
                {
                    TAG_DEADLINE: str(int(deadline.timestamp())),
                    TAG_EXPIRES: format_expiry(deadline + EXPIRY_GRACE),
                },
            )
            progress(
                f"reusing idle runner {instance.name} ({instance.id}, {instance.instance_type}); "
                f"it now ends by {format_expiry(deadline)} at the latest"
            )
            return Reused(instance, deadline)
    progress(f"no idle runner with labels {','.join(sorted(wanted)) or '(none)'}: launching")
    return None


def _still_idle(registry: RunnerRegistry, name: str) -> bool:
    found = [r for r in registry.list_runners() if r.name == name and r.online]
    return bool(found) and not registry.is_busy(found[0])


def _claimed(
    instance: Instance,
    token: str,
    ec2: Ec2,
    progress: Progress,
    now: Callable[[], datetime],
    clock: Callable[[], float],
    sleep: Callable[[float], None],
    settle: float,
) -> bool:
    """Steps 1-3 of the claim (the module's docstring): whether the machine is ours."""
    looked = clock()
    tags = running_tags(ec2, instance.id)
    if tags is None or held_by_another(tags, token, now()):
        return False
    moment = str(int(now().timestamp()))
    write_tags(ec2, instance.id, {TAG_CLAIM: token, TAG_CLAIMED_AT: moment})
    if clock() - looked > settle / 2:
        progress(f"claiming {instance.id} took too long to be sure it is ours: not reusing it")
        return False
    sleep(settle)
    tags = running_tags(ec2, instance.id)
    if tags is None:
        # Its watchdog ended it (idle) before it saw the claim: the machine is going.
        progress(f"{instance.name} ({instance.id}) is ending: not reusing it")
        return False
    if tags.get(TAG_CLAIM) != token:
        progress(f"another job claimed {instance.name} ({instance.id}) first")
        return False
    return True
