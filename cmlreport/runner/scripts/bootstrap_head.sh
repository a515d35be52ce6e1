# ---- cmlreport bootstrap: common start --------------------------------------------------
# The settings above are rendered by cmlreport.runner.bootstrap. Nothing here prints a secret:
# tracing stays off, and the one secret-bearing file is written from a quoted here-document.

log() {
	printf 'cmlreport-bootstrap: %s\n' "$*" >&2
}

on_error() {
	log "failed at line $1; shutting down so that the machine does not bill while idle"
	shutdown -h now
}
trap 'on_error $LINENO' ERR

# Lifetime counts from boot, as close to the launch as the machine can tell.
STARTED_AT=$(($(date +%s) - $(cut -d. -f1 /proc/uptime)))

# A second end that needs no watchdog: systemd powers off ten minutes after the watchdog's
# deadline should the watchdog ever die. (Logins close five minutes before, hence ten.)
if ! shutdown -h "+$(((MAX_LIFETIME + 59) / 60 + 10))" "cmlreport: max lifetime reached"; then
	log "could not schedule the fallback shutdown; the watchdog alone will end the machine"
fi

log "starting: $FORGE runner $RUNNER_NAME, labels $RUNNER_LABELS, single use: $SINGLE"
