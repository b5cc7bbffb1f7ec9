#!/usr/bin/env bash
# Install the Debian packages the project needs, if any is missing:
# Chromium (browser tests, never a downloaded browser), fonts with Vietnamese
# coverage (pages, PDFs), gettext (translations), zbar-tools (the tests scan the QR
# codes printed in PDFs), espeak-ng and lame (narration of steps and lessons,
# docs/audio.md), nginx (the two-node test, docs/deployment.md), and Node.js/npm when absent (axe-core for the accessibility
# tests). Pass extra package names as arguments (.ci/run adds postgresql and
# redis-server when they are absent).
set -euo pipefail

packages=(chromium fonts-dejavu-core fonts-noto-core gettext libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fontconfig poppler-utils zbar-tools espeak-ng lame nginx "$@")
command -v npm >/dev/null 2>&1 || packages+=(nodejs npm)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
  SUDO=""
elif command -v sudo >/dev/null 2>&1; then
  SUDO="sudo"
else
  echo "Missing Debian packages: ${missing[*]}. Install them as root: apt-get install ${missing[*]}" >&2
  echo "(Browser tests are skipped without Chromium; in CI they fail instead.)" >&2
  [ -n "${CI:-}" ] && exit 1
  exit 0
fi
echo "Installing Debian packages: ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
