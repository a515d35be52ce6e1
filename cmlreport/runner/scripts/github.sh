# ---- GitHub Actions runner ---------------------------------------------------------------
RUNNER_DIR=/opt/actions-runner
case "$(uname -m)" in
aarch64 | arm64) RUNNER_ARCH=arm64 ;;
*) RUNNER_ARCH=x64 ;;
esac

# Jobs run as an unprivileged user: they cannot read the root-only secrets file.
id runner >/dev/null 2>&1 || useradd --create-home --shell /bin/bash runner
if getent group docker >/dev/null; then usermod -aG docker runner; fi

# An image with the runner baked in (extracted to /opt/actions-runner) skips the download.
if [[ -x $RUNNER_DIR/run.sh ]]; then
	log "actions/runner found in the image at $RUNNER_DIR: no download"
else
	log "downloading actions/runner $RUNNER_VERSION ($RUNNER_ARCH)"
	mkdir -p "$RUNNER_DIR"
	curl -fsSL --retry 5 --retry-delay 3 -o /tmp/actions-runner.tar.gz \
		"https://github.com/actions/runner/releases/download/v${RUNNER_VERSION}/actions-runner-linux-${RUNNER_ARCH}-${RUNNER_VERSION}.tar.gz"
	tar -xzf /tmp/actions-runner.tar.gz -C "$RUNNER_DIR"
	rm -f /tmp/actions-runner.tar.gz
fi
# The runner is a .NET program that needs ICU; deep learning images have it, slim ones not.
# (grep reads everything: `grep -q` would end the pipe early and pipefail would say "missing".)
if ! ldconfig -p | grep libicu >/dev/null; then
	log "installing the runner's system dependencies"
	"$RUNNER_DIR/bin/installdependencies.sh"
fi
chown -R runner:runner "$RUNNER_DIR"

# The JIT config (single use) or the registration token reaches the runner through its
# environment, ACTIONS_RUNNER_INPUT_*, which systemd reads as root from the secrets file: it
# never appears on a command line. The runner drops these variables before running jobs.
if ((SINGLE)); then
	CONFIGURE="# single use: the JIT config registers an ephemeral runner for one job"
else
	CONFIGURE="ExecStartPre=$RUNNER_DIR/config.sh --unattended --replace --url $REPO_URL --name $RUNNER_NAME --labels $RUNNER_LABELS"
fi
cat >/etc/systemd/system/cmlreport-runner.service <<UNIT
[Unit]
Description=GitHub Actions runner $RUNNER_NAME (cmlreport)
Wants=network-online.target
After=network-online.target

[Service]
User=runner
WorkingDirectory=$RUNNER_DIR
EnvironmentFile=$SECRETS_FILE
$CONFIGURE
ExecStart=$RUNNER_DIR/run.sh
StandardOutput=append:/var/log/cmlreport-runner.log
KillSignal=SIGINT
TimeoutStopSec=90
Restart=no
UNIT

cat >/usr/local/bin/cmlreport-stop-runner <<'STOP'
#!/bin/bash
systemctl stop cmlreport-runner.service
STOP

# The runner's output (its "Running job" and "completed with result" lines) goes to a log
# that only root writes; the watchdog reads its state there and from its Worker processes.
install -m 0600 /dev/null /var/log/cmlreport-runner.log
chmod 0755 "$RUNNER_STATE"
JOB_CHECK="$RUNNER_STATE busy"
LAST_JOB_CMD="$RUNNER_STATE last-job"
# The runner version downloaded here cannot be drained (stop taking jobs, finish the one it
# has): the watchdog looks once more right before it stops an idle runner.
DRAIN_RUNNER=""
# An ephemeral runner exits after its one job by itself.
ON_JOB_START=""
