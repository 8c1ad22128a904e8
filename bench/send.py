"""Sending benchmark: sends per second through the local platform, and MIME build time.

    .venv/bin/python bench/send.py [--sends 400] [--concurrency 8] [--messages 2000]

First, the local platform (`python -m local.platform`, as `make dev` runs it, in a
temporary folder on free ports, quick-started) takes `--sends` sends over real HTTP from
`--concurrency` clients at once, each a small text message to an outside address. A send
is timed from the API call to its hand-off to SES (moto's, played by the local post office,
which files each message in the outbox as SES takes it: the file's time is the hand-off).
The path between is the real one: the API function stores the message Pending and queues
it, the outbound pump hands the SQS batch to the outbound function, which claims the
message, builds the MIME, checks suppression, calls SES v2 and records it Sent.

Then `mailman.mime.compose` (checks included) is timed alone on a text reply, an
HTML message with an inline logo, and a message carrying a 5 MB PDF. Each part prints a
table; nothing here asserts on time: the numbers are for people.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import resource
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from email.parser import BytesHeaderParser
from pathlib import Path

from mailman.domain.outbound import Address, Outgoing, OutgoingAttachment, check_outgoing
from mailman.mime import compose

# Run as a script, bench/ and tests/ are importable from the repository root.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.parse import quantile
from tests.e2e.conftest import LocalPlatform, Ports, poll

SENDER = Address("support@acme.example", "Acme Support")
SENT = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
_WORDS = [
    "order",
    "shipping",
    "invoice",
    "refund",
    "delivery",
    "thanks",
    "question",
    "account",
    "update",
    "team",
]


def _prose(rng: random.Random, words: int) -> str:
    lines = []
    for _ in range(max(1, words // 12)):
        lines.append(" ".join(rng.choice(_WORDS) for _ in range(12)).capitalize() + ".")
    return "\n".join(lines)


def _cases(rng: random.Random) -> dict[str, Outgoing]:
    to = (Address("jane@customer.example", "Jane Doe"),)
    chain = tuple(f"<m{n}@customer.example>" for n in range(8))
    html = "".join(f"<p>{_prose(rng, 40)}</p>" for _ in range(20))
    return {
        "text reply": Outgoing(
            SENDER, to, subject="Re: Your order", text=_prose(rng, 500),
            in_reply_to=chain[-1], references=chain,
        ),
        "HTML with an inline logo": Outgoing(
            SENDER, to, subject="Your invoice", html=html + '<img src="cid:logo@acme">',
            attachments=(
                OutgoingAttachment("logo.png", "image/png", rng.randbytes(8_000), "logo@acme"),
            ),
        ),
        "text with a 5 MB PDF": Outgoing(
            SENDER, to, subject="The contract", text=_prose(rng, 200),
            attachments=(
                OutgoingAttachment("contract.pdf", "application/pdf", rng.randbytes(5 * 2**20)),
            ),
        ),
    }  # fmt: skip


def _handed_off(outbox: Path) -> dict[str, float]:
    """Subject -> when the local SES filed the message (SES gives it a Message-ID of its
    own, so the bench's subjects tell the messages apart)."""
    found = {}
    for path in outbox.glob("*.eml"):
        with path.open("rb") as raw:
            headers = BytesHeaderParser().parse(raw)
        found[str(headers["Subject"])] = path.stat().st_mtime
    return found


def through_the_platform(sends: int, concurrency: int) -> None:
    """Sends over HTTP to the local platform, each timed from the call to SES's hand-off."""
    with tempfile.TemporaryDirectory(prefix="mailman-bench-send-") as folder:
        local = LocalPlatform(
            Path(folder) / ".local",
            Ports.free(),
            # Neither the organisation's rate limit nor the key's is what is measured.
            {
                "MAILMAN_QUICKSTART": "1",
                "MAILMAN_DISPATCHER_SECONDS": "1",
                "ORGANIZATION_RATE_LIMIT_PER_MINUTE": "100000",
            },
        )
        try:
            local.start()
            with local.client(local.api_key) as http:
                domain = http.get("/domains").json()["data"][0]["id"]
                inbox = http.post(
                    "/inboxes", json={"domain_id": domain, "local_part": "bench"}
                ).json()["id"]
                # A key as fast as its organisation (a key may not be faster).
                key = http.post(
                    "/api-keys", json={"name": "bench", "rate_limit_per_minute": 100_000}
                ).json()["key"]

            def send(number: int) -> tuple[str, float, float]:
                with local.client(key) as client:
                    started = time.time()
                    answer = client.post(
                        f"/inboxes/{inbox}/messages",
                        json={
                            "to": [f"reader{number}@elsewhere.example"],
                            "subject": f"Bench {number}",
                            "text": "A short note, as a transactional message would be.\n" * 8,
                        },
                    )
                    assert answer.status_code == 202, answer.text
                    return answer.json()["subject"], started, time.time()

            began = time.time()
            with ThreadPoolExecutor(concurrency) as pool:
                calls = list(pool.map(send, range(sends)))
            accepted = time.time()
            outbox = local.local_dir / "outbox"
            if not poll(lambda: len(list(outbox.glob("*.eml"))) >= sends, 600, 0.5):
                raise SystemExit(f"not every send reached SES:\n{local.output[-3000:]}")
            handed = _handed_off(outbox)
        finally:
            local.stop()
    api = [end - start for _, start, end in calls]
    end_to_end = [handed[subject] - start for subject, start, _ in calls]
    last = max(handed.values())
    print(f"{sends:,} sends from {concurrency} HTTP clients at once, to outside addresses.\n")
    print("| stage | p50 ms | p99 ms | max ms | per second |")
    print("|---|---:|---:|---:|---:|")
    for name, times, rate in (
        ("API call (202 Pending)", api, sends / (accepted - began)),
        ("API call to SES hand-off", end_to_end, sends / (last - began)),
    ):
        print(
            f"| {name} | {quantile(times, 0.5) * 1000:,.0f} | {quantile(times, 0.99) * 1000:,.0f} "
            f"| {max(times) * 1000:,.0f} | {rate:,.1f} |"
        )
    print()


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    options.add_argument("--sends", type=int, default=400)
    options.add_argument("--concurrency", type=int, default=8)
    options.add_argument("--messages", type=int, default=2000)
    args = options.parse_args()
    rng = random.Random(6)
    print(f"Machine: {len(os.sched_getaffinity(0))} CPUs, Python {platform.python_version()}.\n")
    if args.sends:
        through_the_platform(args.sends, args.concurrency)
    print(f"MIME builds: {args.messages:,} per case (a tenth for the 5 MB case).\n")
    print("| message | bytes out | p50 ms | p99 ms | builds/s |")
    print("|---|---:|---:|---:|---:|")
    for name, message in _cases(rng).items():
        count = args.messages // 10 if "5 MB" in name else args.messages
        times, size = [], 0
        for number in range(count):
            started = time.perf_counter()
            size = len(
                compose(check_outgoing(message), message_id=f"<{number}@acme.example>", date=SENT)
            )
            times.append(time.perf_counter() - started)
        print(
            f"| {name} | {size:,} | {quantile(times, 0.5) * 1000:.2f} "
            f"| {quantile(times, 0.99) * 1000:.2f} "
            f"| {count / sum(times):,.0f} |"
        )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\nPeak RSS of the MIME builds {peak:,.0f} MB.")


if __name__ == "__main__":
    main()
