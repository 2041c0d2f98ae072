#!/usr/bin/env bash
# Installs Debian's Chromium when no Chromium is on the machine (the HTML report
# test renders the report in it). Needs root and Debian's package archive.
set -euo pipefail
for bin in chromium chromium-browser google-chrome; do
  if command -v "$bin" >/dev/null 2>&1; then command -v "$bin"; exit 0; fi
done
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-chromium: Chromium is missing; install it: apt-get install -y chromium (as root)" >&2
  exit 1
fi
echo "ensure-chromium: installing Debian's chromium package" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq chromium >&2
command -v chromium
