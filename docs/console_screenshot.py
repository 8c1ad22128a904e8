"""Takes docs/console.png, the web console's picture in the README: a local platform in a
temporary folder, a thread with an HTML message (one remote image, blocked) and the reply
sent to it, photographed in Debian's Chromium.

    .venv/bin/python docs/console_screenshot.py
"""

from __future__ import annotations

import smtplib
import sys
import tempfile
from email.message import EmailMessage
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO_ROOT), str(REPO_ROOT / "shared")]

from playwright.sync_api import sync_playwright  # noqa: E402

from tests.e2e.browser import launch_chromium  # noqa: E402
from tests.e2e.conftest import HOST, LocalPlatform, Ports, poll, quickstart_inbox  # noqa: E402

OUT = REPO_ROOT / "docs" / "console.png"
HTML = """<div style="max-width:560px;font-family:Georgia,serif;color:#222">
<h2 style="color:#2f5bd3;margin:0 0 8px">Your order has shipped</h2>
<img src="https://images.example.net/banner.png" alt="" width="520" height="60">
<p>Hello Support team,</p>
<p>Order <b>#1234</b> left our warehouse this morning. It should reach you on
<b>Friday</b>. Could you confirm the delivery address below?</p>
<table style="border-collapse:collapse" cellpadding="6">
<tr><td style="color:#666">Ship to</td><td>12 Quay Street, Leith</td></tr>
<tr><td style="color:#666">Carrier</td><td>Parcelforce, tracking PF-88213</td></tr>
</table>
<p>Thanks,<br>Alice at Elsewhere</p></div>"""


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        platform = LocalPlatform(
            Path(folder) / ".local", Ports.free(), {"MAILMAN_QUICKSTART": "1"}
        ).start()
        try:
            photograph(platform)
        finally:
            platform.stop()
    print(f"wrote {OUT.relative_to(REPO_ROOT)} ({OUT.stat().st_size // 1024} KB)")


def photograph(platform: LocalPlatform) -> None:
    with platform.client(platform.api_key) as client:
        inbox = quickstart_inbox(client, "support")
        message = EmailMessage()
        message["From"] = "Alice <alice@elsewhere.example>"
        message["To"] = "support@mailman.test"
        message["Subject"] = "Order 1234 has shipped"
        message["Message-ID"] = "<order-1234@elsewhere.example>"
        message.set_content("Order 1234 left our warehouse this morning.")
        message.add_alternative(HTML, subtype="html")
        port = int((platform.printed("SMTP") or "").rpartition(":")[2])
        with smtplib.SMTP(HOST, port, timeout=10) as smtp:
            smtp.send_message(message)

        def threads() -> list[dict[str, str]]:
            return list(client.get(f"/inboxes/{inbox}/threads").json()["data"])

        if not poll(lambda: bool(threads()), timeout=30):
            raise SystemExit("the message never arrived")
        thread = threads()[0]["id"]
        received = client.get(f"/threads/{thread}").json()["messages"][0]["id"]
        client.post(
            f"/messages/{received}/reply",
            json={"text": "Hi Alice,\n\nThe address is right. Thank you!\n\nSupport"},
        )

        def delivered() -> bool:
            messages = client.get(f"/threads/{thread}").json()["messages"]
            return len(messages) == 2 and messages[1]["status"] == "delivered"

        if not poll(delivered, timeout=30):
            raise SystemExit("the reply was never delivered")
    url = f"{platform.printed('Console')}/orgs/{platform.organization_id}/threads/{thread}"
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        page = browser.new_page(viewport={"width": 1100, "height": 860})
        page.goto(url)
        page.locator("iframe.body").content_frame.get_by_text("Thanks,").wait_for()
        page.screenshot(path=str(OUT), full_page=False)
        browser.close()


if __name__ == "__main__":
    main()
