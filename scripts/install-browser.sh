#!/usr/bin/env bash
# Install Debian's chromium for the browser tests when it is missing (CI runs as root on a clean machine), and
# poppler-utils, whose pdftoppm renders a page of each PDF report the tests make (tests/artifacts/pdf).
set -euo pipefail
if [ -x /usr/bin/chromium ] && command -v pdftoppm >/dev/null; then exit 0; fi
if [ "$(id -u)" != "0" ]; then
  echo "chromium is missing and this is not root: run 'sudo apt-get install -y chromium'" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq chromium fonts-noto-cjk poppler-utils >/dev/null
