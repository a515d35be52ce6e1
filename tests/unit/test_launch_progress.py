"""The lines of a launch's long wait: each phase once, a "still waiting" now and then (pure)."""

from __future__ import annotations

from cmlreport.runner.progress import PENDING, REQUESTED, RUNNING, LaunchProgress


class Clock:
    def __init__(self) -> None:
        self.now = 500.0

    def __call__(self) -> float:
        return self.now


def test_each_phase_is_one_line_with_the_seconds_since_the_launch_began() -> None:
    lines: list[str] = []
    clock = Clock()
    phases = LaunchProgress(lines.append, clock=clock)
    clock.now += 2
    phases.reached(REQUESTED, "launched i-0123 (g4dn.xlarge, spot) in us-east-1b")
    clock.now += 40
    phases.reached(PENDING, "EC2 is starting i-0123")
    phases.reached(PENDING, "EC2 is starting i-0123")  # once only
    clock.now += 71
    phases.reached(RUNNING)
    assert lines == [
        "[   2 s] requested: launched i-0123 (g4dn.xlarge, spot) in us-east-1b",
        "[  42 s] pending: EC2 is starting i-0123",
        "[ 113 s] running",
    ]
    assert phases.phase == RUNNING and phases.elapsed == 113


def test_a_ci_log_gets_a_waiting_line_once_a_minute_a_terminal_every_poll() -> None:
    for terminal, expected in ((False, 2), (True, 12)):
        lines: list[str] = []
        clock = Clock()
        phases = LaunchProgress(lines.append, clock=clock, terminal=terminal)
        phases.reached(RUNNING)
        for _ in range(12):  # two minutes of polls every ten seconds
            clock.now += 10
            phases.waiting("the bootstrap to start")
        waiting = [line for line in lines if "waiting for the bootstrap" in line]
        assert len(waiting) == expected, (terminal, lines)
        assert waiting[0].endswith("] running, waiting for the bootstrap to start")


def test_a_timeout_names_the_phase_it_hit() -> None:
    phases = LaunchProgress(lambda line: None, clock=Clock())
    phases.reached(PENDING)
    error = phases.timed_out(600, "i-0123 to run", "raise --timeout")
    assert error.message == (
        "timed out after 600 s in phase 'pending' waiting for i-0123 to run; raise --timeout"
    )
    assert error.exit_code == 3
