# ---- GitLab Runner (shell executor) ------------------------------------------------------
case "$(uname -m)" in
aarch64 | arm64) GITLAB_RUNNER_ARCH=arm64 ;;
*) GITLAB_RUNNER_ARCH=amd64 ;;
esac

# An image with the binary baked in at /usr/local/bin/gitlab-runner skips the download.
if [[ -x /usr/local/bin/gitlab-runner ]]; then
	log "gitlab-runner found in the image: no download"
else
	log "downloading gitlab-runner ($GITLAB_RUNNER_ARCH)"
	curl -fsSL --retry 5 --retry-delay 3 -o /usr/local/bin/gitlab-runner \
		"https://gitlab-runner-downloads.s3.amazonaws.com/latest/binaries/gitlab-runner-linux-${GITLAB_RUNNER_ARCH}"
	chmod 0755 /usr/local/bin/gitlab-runner
fi

# Jobs run as an unprivileged user: they cannot read the root-only secrets or config.toml.
id gitlab-runner >/dev/null 2>&1 || useradd --create-home --shell /bin/bash gitlab-runner
# Ubuntu's skeleton .bash_logout clears the console, which fails every shell-executor job.
rm -f /home/gitlab-runner/.bash_logout
if getent group docker >/dev/null; then usermod -aG docker gitlab-runner; fi

# The runner was created through the API with its tags; registering only stores its token in
# the root-only config.toml. The token travels in the environment (CI_SERVER_TOKEN), never
# in argv, and only inside this subshell.
(
	set -a
	# shellcheck source=/dev/null
	. "$SECRETS_FILE"
	set +a
	gitlab-runner register --non-interactive --config /etc/gitlab-runner/config.toml \
		--url "$GITLAB_URL" --executor shell --name "$RUNNER_NAME"
)

# Our own unit instead of `gitlab-runner install`: that one restarts the runner forever, and
# the watchdog must see the runner go away when a single-use runner is done.
cat >/etc/systemd/system/cmlreport-runner.service <<UNIT
[Unit]
Description=GitLab Runner $RUNNER_NAME (cmlreport)
Wants=network-online.target
After=network-online.target

[Service]
ExecStart=/usr/local/bin/gitlab-runner run --config /etc/gitlab-runner/config.toml --working-directory /home/gitlab-runner --user gitlab-runner
TimeoutStopSec=90
Restart=no
UNIT

# Stopping also deletes the runner from GitLab (the token is its own credential), so an idle
# machine that ended itself does not leave an offline runner behind.
cat >/usr/local/bin/cmlreport-stop-runner <<STOP
#!/bin/bash
systemctl stop cmlreport-runner.service
sed -n 's/^CI_SERVER_TOKEN=//p' $SECRETS_FILE | tr -d '\n' |
	curl -sS --max-time 20 -X DELETE --form 'token=<-' $GITLAB_URL/api/v4/runners || true
STOP

# A shell-executor job is whatever runs as gitlab-runner, bar its systemd user manager.
cat >/usr/local/bin/cmlreport-job-running <<'CHECK'
#!/bin/bash
ps -u gitlab-runner -o comm= | grep -qvxE 'systemd|\(sd-pam\)'
CHECK
chmod 0755 /usr/local/bin/cmlreport-job-running
JOB_CHECK=/usr/local/bin/cmlreport-job-running
LAST_JOB_CMD=""
# gitlab-runner has no "one job" switch: on SIGQUIT it finishes the running job, takes no
# other and exits (GitLab Runner's docs, "Signals": graceful shutdown), and the watchdog then
# ends the machine. The same signal ends an idle runner: a job it picked up in the last second
# of the idle window (before any process of it shows) runs to its end first.
DRAIN_RUNNER="systemctl kill --signal=SIGQUIT cmlreport-runner.service"
if ((SINGLE)); then
	ON_JOB_START="systemctl kill --signal=SIGQUIT cmlreport-runner.service"
else
	ON_JOB_START=""
fi
