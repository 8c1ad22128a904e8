"""A real browser for the web console's tests: Debian's Chromium (`make chromium`), driven by
Playwright. Playwright's own browser download is never used (`playwright install` cannot
work here); it launches the machine's binary, headless, and without Chromium's sandbox,
which needs user namespaces that a root container does not give it."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Browser, Playwright

CHROMIUM = Path("/usr/bin/chromium")


def launch_chromium(playwright: Playwright) -> Browser:
    if not CHROMIUM.exists():
        raise RuntimeError(f"no {CHROMIUM}: run `make chromium` (Debian's chromium package)")
    return playwright.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"]
    )
