"""The watchdog's part in a spot interruption and in a reuse, run by bash as on the machine.

A spot notice is recorded on the instance (the tag `runner stop` reads) before the machine
goes; `runner launch --reuse-idle` speaks to a live watchdog through the instance's tags, which
it reads from the metadata service: a longer max lifetime, a new idle window. The world around
the script (clock, runner, metadata, shutdown) is the one of ``test_watchdog``.
"""

from __future__ import annotations

import os
from pathlib import Path

from tests.integration.test_watchdog import (  # noqa: F401 (fixtures)
    SPOT_NOTICE,
    FakeMetadata,
    Machine,
    machine,
    metadata,
    watchdog,
)

# The AWS CLI as the machine has it, recording what it was asked.
FAKE_AWS = '#!/bin/sh\necho "aws $*" >> "$CMLREPORT_TEST_DIR/events"\n'


def with_fake_aws(machine: Machine) -> dict[str, str]:
    bin_dir = machine.dir / "bin"
    bin_dir.mkdir()
    aws = bin_dir / "aws"
    aws.write_text(FAKE_AWS)
    aws.chmod(0o755)
    return {"PATH": f"{bin_dir}:{os.environ['PATH']}", "CMLREPORT_TEST_DIR": str(machine.dir)}


def test_a_spot_notice_tags_the_instance_interrupted_before_the_machine_goes(
    machine: Machine, metadata: FakeMetadata
) -> None:
    metadata.values.update({"instance-id": "i-0123456789abcdef0", "placement/region": "eu-west-1"})
    machine.start_job()
    machine.start_watchdog(**with_fake_aws(machine))

    metadata.notice = SPOT_NOTICE
    assert machine.wait_for_exit() == 0
    tag = (
        "aws --cli-connect-timeout 5 --cli-read-timeout 10 ec2 create-tags --region eu-west-1 "
        "--resources i-0123456789abcdef0 --tags Key=cmlreport:interrupted,Value=spot"
    )
    # Recorded first, then the runner stops and the machine shuts down.
    assert machine.events == [tag, "runner stopped cleanly", "shutdown"]
    assert "recorded the interruption: tag cmlreport:interrupted=spot" in machine.log


def test_without_the_aws_cli_the_notice_still_ends_the_machine_and_says_why_untagged(
    machine: Machine, metadata: FakeMetadata, tmp_path: Path
) -> None:
    machine.start_watchdog(PATH="/usr/bin:/bin", CMLREPORT_MARK_INTERRUPTED="false")

    metadata.notice = SPOT_NOTICE
    assert machine.wait_for_exit() == 0
    assert machine.events == ["runner stopped cleanly", "shutdown"]
    assert "could not tag the instance" in machine.log
    assert "state reason" in machine.log


def test_a_reused_machine_lives_past_its_first_max_lifetime_and_moves_its_fallback(
    machine: Machine, metadata: FakeMetadata
) -> None:
    machine.start_job()
    machine.start_watchdog(
        CMLREPORT_STARTED_AT=1000,
        CMLREPORT_MAX_LIFETIME=3600,
        CMLREPORT_RESCHEDULE='echo "reschedule $CMLREPORT_REMAINING" >> events',
    )
    metadata.values["tags/instance/cmlreport:max-lifetime"] = "7200"
    machine.wait_rounds()
    assert machine.events == ["reschedule 7200"]  # 1000 + 7200 - 1000 s from now, once
    assert "max lifetime extended from 3600s to 7200s" in machine.log
    machine.set_clock(4600)  # the first lifetime is over
    machine.wait_rounds()
    assert machine.running

    # A smaller value never shortens it (nor does a value that is no number).
    metadata.values["tags/instance/cmlreport:max-lifetime"] = "60; reboot"
    machine.set_clock(8199)
    machine.wait_rounds()
    assert machine.running

    machine.set_clock(8200)
    assert machine.wait_for_exit() == 0
    assert machine.events[-2:] == ["runner stopped cleanly", "shutdown"]
    assert "max lifetime of 7200s reached" in machine.log


def test_a_claim_restarts_the_idle_window_of_an_idle_machine(
    machine: Machine, metadata: FakeMetadata
) -> None:
    machine.start_watchdog(CMLREPORT_MAX_LIFETIME=86400)
    machine.set_clock(1500)
    metadata.values["tags/instance/cmlreport:claimed-at"] = "1500"  # 100 s before idle end
    machine.wait_rounds()
    machine.set_clock(2099)  # 600 s from the claim less one
    machine.wait_rounds()
    assert machine.running and machine.events == []
    assert "claimed for reuse at 1500" in machine.log

    machine.set_clock(2100)
    assert machine.wait_for_exit() == 0
    assert "idle for 600s" in machine.log
