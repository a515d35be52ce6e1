# ---- start the runner and its watchdog ---------------------------------------------------
chmod 0755 /usr/local/bin/cmlreport-stop-runner
systemctl daemon-reload
systemctl start cmlreport-runner.service
log "runner $RUNNER_NAME started"

install -d -m 0755 /etc/cmlreport
cat >/etc/cmlreport/watchdog.env <<ENV
CMLREPORT_IDLE_TIMEOUT=$IDLE_TIMEOUT
CMLREPORT_MAX_LIFETIME=$MAX_LIFETIME
CMLREPORT_STARTED_AT=$STARTED_AT
CMLREPORT_JOB_CHECK="$JOB_CHECK"
CMLREPORT_LAST_JOB_CMD="$LAST_JOB_CMD"
CMLREPORT_DRAIN_RUNNER="$DRAIN_RUNNER"
CMLREPORT_RUNNER_CHECK="systemctl is-active --quiet cmlreport-runner.service"
CMLREPORT_ON_JOB_START="$ON_JOB_START"
CMLREPORT_STOP_RUNNER=/usr/local/bin/cmlreport-stop-runner
CMLREPORT_READ_TAGS=$((1 - SINGLE))
ENV
# journal+console: the watchdog's decisions also reach the EC2 console log, which outlives
# the machine for a while and says why it ended.
cat >/etc/systemd/system/cmlreport-watchdog.service <<'UNIT'
[Unit]
Description=cmlreport watchdog: shut down when idle, too old or on spot interruption
Wants=network-online.target
After=network-online.target

[Service]
EnvironmentFile=/etc/cmlreport/watchdog.env
ExecStart=/usr/local/bin/cmlreport-watchdog
Restart=always
RestartSec=5
StandardError=journal+console

[Install]
WantedBy=multi-user.target
UNIT
systemctl daemon-reload
systemctl enable --now cmlreport-watchdog.service

trap - ERR
log "ready: idle timeout ${IDLE_TIMEOUT}s, max lifetime ${MAX_LIFETIME}s"
