#!/usr/bin/env bash
# Installs Chromium (Debian's chromium package) where it is missing, for the web console's
# browser tests under `make test` (Playwright drives it; Playwright's own browser download is
# never used). Exits non-zero, saying why, when it cannot be had here (not root, no apt-get,
# the install failed). `make dev` does not need it.
set -euo pipefail

if [ -x /usr/bin/chromium ]; then
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "chromium is not installed and there is no apt-get here to install it." >&2
    exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "chromium is not installed, and installing it needs root:" >&2
    echo "  sudo apt-get install --no-install-recommends chromium" >&2
    exit 1
fi

echo "Installing chromium (for the web console's browser tests) with apt-get..."
export DEBIAN_FRONTEND=noninteractive
install() {
    apt-get install -y -q --no-install-recommends chromium
}
if ! install; then
    apt-get update -q
    install
fi
if [ ! -x /usr/bin/chromium ]; then
    echo "chromium was installed but there is no /usr/bin/chromium." >&2
    exit 1
fi
