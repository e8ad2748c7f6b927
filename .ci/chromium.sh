#!/usr/bin/env bash
# Debian's Chromium for the end-to-end tests (playwright-core drives
# /usr/bin/chromium; Playwright's own browser download cannot work here).
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
echo "chromium: installing Debian's package for the end-to-end tests"
sudo=""
if [ "$(id -u)" != 0 ]; then
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
/usr/bin/chromium --version
