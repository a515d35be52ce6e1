#!/bin/bash
# cmlreport-watchdog: ends this machine when its CI runner is idle, too old, or about to be
# reclaimed by EC2. The instance is launched with shutdown behaviour "terminate", so shutting
# down is what ends the bill; nothing outside the machine has to remember to do it.
#
# Every CMLREPORT_POLL seconds, in this order:
#   1. past CMLREPORT_MAX_LIFETIME seconds since CMLREPORT_STARTED_AT -> end, even mid-job
#      (the cap on the bill always wins, whatever the runner is doing);
#   2. a spot interruption notice from the instance metadata (IMDSv2) -> end;
#   3. CMLREPORT_RUNNER_CHECK set and failing: the runner has exited (a single-use runner
#      after its job, a drained runner, or a crash) -> end;
#   4. idle for CMLREPORT_IDLE_TIMEOUT seconds -> end, or drain first (below).
# Busy or idle is the runner's own state, never a guess from the outside:
#   CMLREPORT_JOB_CHECK succeeds while the runner has a job, from the moment it took it;
#   CMLREPORT_LAST_JOB_CMD (optional) prints when, by the runner's own record (epoch seconds),
#   a job last started or finished: a job shorter than one poll still restarts the idle window.
# The idle window counts from the later of the last job the watchdog saw and the last one the
# runner recorded. Right before ending an idle runner the watchdog looks once more: a job taken
# in the last second of the window keeps the machine up. CMLREPORT_DRAIN_RUNNER, if set, is how
# the runner is told to take no new job and exit once it has none (GitLab Runner: SIGQUIT):
# then an idle end drains instead of stopping, and a job the runner took meanwhile runs to its
# end before the machine goes (the max lifetime still ends it).
# CMLREPORT_ON_JOB_START, if set, runs once when the first job is seen (a single-use runner
# that cannot limit itself to one job is told there to finish this one and take no other).
# "End" runs CMLREPORT_STOP_RUNNER (bounded by CMLREPORT_STOP_TIMEOUT) so the runner leaves
# its forge cleanly, then CMLREPORT_SHUTDOWN. Each check is a command from the environment,
# so tests can drive the script with a fake clock, a fake runner and a fake metadata server.
# A spot notice is recorded before the end, since the machine and its logs are about to go:
# CMLREPORT_MARK_INTERRUPTED, or by default the tag cmlreport:interrupted=spot written on this
# instance with the AWS CLI (needs ec2:CreateTags in the instance profile; without it `runner
# stop` still reads EC2's own state reason, Server.SpotInstanceTermination).
# CMLREPORT_READ_TAGS=1 (a multi-job runner, which `runner launch --reuse-idle` may reuse):
# every round reads two tags of this instance from the metadata (instance tags in IMDS):
# cmlreport:deadline (epoch seconds) moves the end later, never earlier, and the fallback
# shutdown with it (CMLREPORT_RESCHEDULE +MINUTES); cmlreport:claimed-at (epoch seconds) is
# a job on its way, which restarts the idle window like a job would. The deadline still ends
# the machine whatever the runner does: an extended max lifetime is still the cap.
# One line per decision goes to stderr (the journal, under systemd).

# No -e: a failing check is an answer here, and the watchdog must outlive every one of them.
set -uo pipefail

: "${CMLREPORT_IDLE_TIMEOUT:?set CMLREPORT_IDLE_TIMEOUT to the seconds without a job before shutdown}"
: "${CMLREPORT_MAX_LIFETIME:?set CMLREPORT_MAX_LIFETIME to the seconds after boot before shutdown}"
NOW_CMD=${CMLREPORT_NOW_CMD:-date +%s}
JOB_CHECK=${CMLREPORT_JOB_CHECK:-pgrep -f Runner.Worker}
RUNNER_CHECK=${CMLREPORT_RUNNER_CHECK:-}
LAST_JOB_CMD=${CMLREPORT_LAST_JOB_CMD:-}
DRAIN_RUNNER=${CMLREPORT_DRAIN_RUNNER:-}
ON_JOB_START=${CMLREPORT_ON_JOB_START:-}
STOP_RUNNER=${CMLREPORT_STOP_RUNNER:-}
STOP_TIMEOUT=${CMLREPORT_STOP_TIMEOUT:-120}
SHUTDOWN=${CMLREPORT_SHUTDOWN:-shutdown -h now}
METADATA_URL=${CMLREPORT_METADATA_URL:-http://169.254.169.254}
MARK_INTERRUPTED=${CMLREPORT_MARK_INTERRUPTED:-tag_interrupted}
READ_TAGS=${CMLREPORT_READ_TAGS:-0}
RESCHEDULE=${CMLREPORT_RESCHEDULE:-shutdown -h}
# EC2 gives two minutes of notice before reclaiming a spot machine: poll well inside that.
POLL=${CMLREPORT_POLL:-15}

log() {
	printf 'cmlreport-watchdog: %s\n' "$*" >&2
}

now() {
	local value
	value=$(eval "$NOW_CMD") || return 1
	[[ $value =~ ^[0-9]+$ ]] || return 1
	printf '%s\n' "$value"
}

# One metadata path through IMDSv2; fails on any error (the spot notice 404s until EC2 has
# scheduled an interruption). The session token goes to curl on stdin, never in argv.
imds() {
	local token
	token=$(curl -sf --max-time 2 -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 60' \
		"$METADATA_URL/latest/api/token") || return 1
	printf 'X-aws-ec2-metadata-token: %s\n' "$token" |
		curl -sf --max-time 2 -H @- "$METADATA_URL/latest/$1"
}

# Prints the notice (one line of JSON) and succeeds only when EC2 has scheduled an interruption.
spot_notice() {
	local body
	body=$(imds meta-data/spot/instance-action) || return 1
	printf '%s\n' "${body//$'\n'/ }"
}

# The default record of a spot notice: a tag on this instance, for `runner stop` to read.
tag_interrupted() {
	local id region
	command -v aws >/dev/null || return 1
	id=$(imds meta-data/instance-id) || return 1
	region=$(imds meta-data/placement/region) || return 1
	# Bounded: the notice leaves two minutes, and the runner still has to stop.
	aws --cli-connect-timeout 5 --cli-read-timeout 10 ec2 create-tags \
		--region "$region" --resources "$id" \
		--tags Key=cmlreport:interrupted,Value=spot
}

# eval, not bash -c: `pgrep -f` would otherwise find the check's own shell.
busy_now() {
	eval "$JOB_CHECK" >/dev/null 2>&1
}

# Moves idle_since to the runner's own record of its last job event, when that is later
# (and not in the future: a clock the runner got wrong must not keep the machine up forever).
note_last_job() {
	local value
	[[ -n $LAST_JOB_CMD ]] || return 0
	value=$(eval "$LAST_JOB_CMD" 2>/dev/null) || return 0
	[[ $value =~ ^[0-9]+$ ]] || return 0
	if ((value > idle_since && value <= t)); then
		idle_since=$value
	fi
}

# What a reuse wrote on this instance (`runner launch --reuse-idle`): a later deadline, a
# claim that restarts the idle window. Succeeds when the idle window was restarted.
read_reuse_tags() {
	local value restarted=1
	((READ_TAGS)) || return 1
	value=$(imds meta-data/tags/instance/cmlreport:deadline) || value=""
	if [[ $value =~ ^[0-9]{1,12}$ ]] && ((value > deadline)); then
		deadline=$value
		log "lifetime extended by a reuse: the machine ends at $deadline at the latest"
		# The fallback shutdown moves too, or it would end the reused machine early.
		eval "$RESCHEDULE +$(((deadline - t + 59) / 60 + 10))" >/dev/null 2>&1 ||
			log "could not move the fallback shutdown: $RESCHEDULE"
	fi
	value=$(imds meta-data/tags/instance/cmlreport:claimed-at) || value=""
	if [[ $value =~ ^[0-9]{1,12}$ ]] && ((value > idle_since && value <= t)); then
		idle_since=$value
		restarted=0
		log "claimed for a job at $value: idle timer restarted"
	fi
	return $restarted
}

end_machine() {
	log "shutting down: $1"
	if [[ -n $STOP_RUNNER ]]; then
		if timeout "$STOP_TIMEOUT" bash -c "$STOP_RUNNER"; then
			log "runner stopped"
		else
			log "runner did not stop cleanly within ${STOP_TIMEOUT}s; shutting down anyway"
		fi
	fi
	if eval "$SHUTDOWN"; then
		exit 0
	fi
	# Non-zero so that systemd restarts the watchdog, which then tries again.
	log "the shutdown command failed: $SHUTDOWN"
	exit 1
}

for setting in CMLREPORT_IDLE_TIMEOUT CMLREPORT_MAX_LIFETIME CMLREPORT_STARTED_AT; do
	if [[ -n ${!setting:-} && ! ${!setting} =~ ^[0-9]+$ ]]; then
		log "$setting must be a whole number of seconds, not '${!setting}'"
		exit 2
	fi
done

until first=$(now); do
	log "the clock command failed: $NOW_CMD"
	sleep "$POLL"
done
# Lifetime counts from boot; idle time from when there is a runner to watch.
started=${CMLREPORT_STARTED_AT:-$first}
deadline=$((started + CMLREPORT_MAX_LIFETIME))
idle_since=$first
busy=0
draining=0
log "watching: idle timeout ${CMLREPORT_IDLE_TIMEOUT}s, max lifetime ${CMLREPORT_MAX_LIFETIME}s" \
	"from $started, poll every ${POLL}s"

while true; do
	if ! t=$(now); then
		log "the clock command failed: $NOW_CMD"
		sleep "$POLL"
		continue
	fi
	read_reuse_tags
	if ((t >= deadline)); then
		if ((deadline == started + CMLREPORT_MAX_LIFETIME)); then
			end_machine "max lifetime of ${CMLREPORT_MAX_LIFETIME}s reached"
		fi
		end_machine "extended lifetime reached (deadline $deadline)"
	fi
	if notice=$(spot_notice); then
		log "spot interruption notice: $notice"
		if eval "$MARK_INTERRUPTED" >/dev/null 2>&1; then
			log "recorded the interruption: tag cmlreport:interrupted=spot"
		else
			log "could not tag the instance (no AWS CLI or no ec2:CreateTags);" \
				"runner stop reads EC2's state reason instead"
		fi
		end_machine "spot interruption notice"
	fi
	if [[ -n $RUNNER_CHECK ]] && ! eval "$RUNNER_CHECK" >/dev/null 2>&1; then
		end_machine "the runner has exited"
	fi
	if busy_now; then
		if ((!busy)); then
			log "a job is running; idle timer paused"
			if [[ -n $ON_JOB_START ]]; then
				log "first job: $ON_JOB_START"
				eval "$ON_JOB_START" || log "the first-job command failed"
				ON_JOB_START=
			fi
		fi
		busy=1
	else
		if ((busy)); then
			log "the job has finished; idle timer started"
			busy=0
			idle_since=$t
		fi
		note_last_job
		if ((!draining && t - idle_since >= CMLREPORT_IDLE_TIMEOUT)); then
			# The last look: a job taken since the check above keeps the machine up.
			if busy_now; then
				log "a job started at the end of the idle window; staying up"
			elif read_reuse_tags; then
				log "claimed by a reuse at the end of the idle window; staying up"
			elif [[ -n $DRAIN_RUNNER ]]; then
				log "idle for $((t - idle_since))s (idle timeout ${CMLREPORT_IDLE_TIMEOUT}s):" \
					"draining the runner; a job it takes meanwhile runs to its end"
				eval "$DRAIN_RUNNER" || log "the drain command failed"
				draining=1
			else
				end_machine "idle for $((t - idle_since))s (idle timeout ${CMLREPORT_IDLE_TIMEOUT}s)"
			fi
		fi
	fi
	sleep "$POLL"
done
