#!/usr/bin/env bash
# Installs ClamAV's daemon (Debian's clamav-daemon) where `clamd` is missing, for `make dev`
# and `make test`. Nothing is started: the local platform and the tests start their own clamd
# (local/clamd.py) with the project's signatures. Exits non-zero, saying why, when clamd cannot
# be had here (not root, no apt-get, the install failed).
set -euo pipefail

if command -v clamd >/dev/null 2>&1 || [ -x /usr/sbin/clamd ]; then
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "clamd is not installed and there is no apt-get here to install clamav-daemon." >&2
    exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "clamd is not installed, and installing clamav-daemon needs root:" >&2
    echo "  sudo apt-get install --no-install-recommends clamav-daemon" >&2
    exit 1
fi

echo "Installing clamav-daemon (ClamAV's clamd) with apt-get..."
# The packages' scripts would start clamd and freshclam as services: in a container without an
# init system that fails the install, and freshclam has no network here. A policy-rc.d that
# answers 101 ("action forbidden") tells invoke-rc.d to start nothing; it is ours only for the
# install, and one the machine already has is left alone.
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    trap 'rm -f "$policy"' EXIT
fi
export DEBIAN_FRONTEND=noninteractive
install() {
    apt-get install -y -q --no-install-recommends clamav-daemon
}
if ! install; then
    apt-get update -q
    install
fi
if ! command -v clamd >/dev/null 2>&1 && [ ! -x /usr/sbin/clamd ]; then
    echo "clamav-daemon was installed but there is no clamd." >&2
    exit 1
fi
