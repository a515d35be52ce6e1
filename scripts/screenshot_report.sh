#!/usr/bin/env bash
# Regenerates docs/images/report.png, the README's picture of a real report: `cmlreport demo`
# on the bundled data, its HTML preview (the comment as GitHub lays it out) shot by headless
# Chromium. Needs: cmlreport installed, Debian's chromium and fonts-noto-color-emoji.
#   bash scripts/screenshot_report.sh [HEIGHT]
set -euo pipefail
cd "$(dirname "$0")/.."
height="${1:-2475}"
out=docs/images/report.png
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cmlreport demo --out "$work/demo" >/dev/null || true  # exits 0; a failed gate is the story
test -f "$work/demo/report.html" || { echo "cmlreport demo wrote no report.html" >&2; exit 1; }
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --force-device-scale-factor=1 \
  --window-size="920,$height" --screenshot="$work/report.png" "file://$work/demo/report.html" \
  2>/dev/null
mkdir -p "$(dirname "$out")"
mv "$work/report.png" "$out"
echo "wrote $out (920x$height)"
