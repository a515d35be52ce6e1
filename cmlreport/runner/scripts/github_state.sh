#!/bin/bash
# cmlreport-runner-state: the GitHub Actions runner's own state, for the watchdog.
#   cmlreport-runner-state busy       succeeds while the runner has a job
#   cmlreport-runner-state last-job   prints when (epoch seconds) a job last started or ended
# actions/runner's Listener (src/Runner.Listener/JobDispatcher.cs) prints
#   "<UTC time>: Running job: NAME" as soon as it has taken a job, before it renews the job's
#   lock and starts the Runner.Worker process that runs it, and
#   "<UTC time>: Job NAME completed with result: RESULT" once that Worker has exited
# ({DateTime.UtcNow:u}, e.g. "2024-08-15 10:21:02Z"). Its stdout is appended to
# CMLREPORT_RUNNER_LOG by the runner's unit. Busy: a Worker process runs (one per job), or the
# last of those lines says a job was taken and has not completed: that covers the seconds
# between taking a job and its Worker starting, when no process shows it yet.
set -uo pipefail

LOG=${CMLREPORT_RUNNER_LOG:-/var/log/cmlreport-runner.log}
WORKER=${CMLREPORT_WORKER_PATTERN:-Runner.Worker}

last_job_line() {
	grep -E '^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}Z: (Running job: |Job .+ completed with result: )' \
		"$LOG" 2>/dev/null | tail -n 1
}

case "${1:-}" in
busy)
	if pgrep -f "$WORKER" >/dev/null; then
		exit 0
	fi
	line=$(last_job_line)
	# What follows the time decides: a job's name cannot make a completion look like a start.
	[[ ${line#*Z: } == "Running job: "* ]]
	;;
last-job)
	line=$(last_job_line)
	[[ -n $line ]] || exit 1
	date -u -d "${line%%Z: *}Z" +%s
	;;
*)
	printf 'usage: cmlreport-runner-state busy|last-job\n' >&2
	exit 2
	;;
esac
