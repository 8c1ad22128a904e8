"""Sending benchmark, first part: building outgoing MIME.

    .venv/bin/python bench/send.py [--messages 2000]

Times `mailman.mime_compose.compose` (checks included) on a text reply, an HTML message
with an inline logo, and a message carrying a 5 MB PDF, and prints a table. The sends per
second from API call to SES hand-off join this script when the outbound path exists.
Nothing here asserts on time: the numbers are for people.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import resource
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from mailman.domain.outbound import Address, Outgoing, OutgoingAttachment, check_outgoing
from mailman.mime_compose import compose

# Run as a script, bench/ is importable from the repository root.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.parse import quantile

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


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    options.add_argument("--messages", type=int, default=2000)
    args = options.parse_args()
    rng = random.Random(6)
    print(
        f"Machine: {len(os.sched_getaffinity(0))} CPUs, Python {platform.python_version()}; "
        f"{args.messages:,} builds per case (a tenth for the 5 MB case).\n"
    )
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
    print(f"\nPeak RSS {peak:,.0f} MB.")


if __name__ == "__main__":
    main()
