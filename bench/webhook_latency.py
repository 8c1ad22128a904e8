"""Webhook latency on the local platform: from an event's append to its receipt.

    .venv/bin/python bench/webhook_latency.py [--messages 200] [--rate 10]

Starts the local platform as `make dev` does (its own data folder and free ports), creates
an endpoint for a receiver on 127.0.0.1 that verifies every delivery with `standardwebhooks`,
then sends `--messages` mails to the SMTP port, `--rate` a second. Each mail's
`message.received` goes the whole way: the inbound queue and function (the event appended,
its delivery created by the fan-out, published as the inbound function's work commits), the
`webhooks.fifo` queue, the dispatcher, the receiver. The latency of one delivery is its
receipt time less the event's `timestamp` (the time of the transaction that appended it: a
little before its commit, so the figure errs long). The first delivery is untimed (the
dispatcher's first connection). Nothing here asserts on time; the table is the result.
"""

from __future__ import annotations

import argparse
import os
import platform
import smtplib
import statistics
import sys
import tempfile
import time
import uuid
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "shared"), str(ROOT)]

from local.webhook_receiver import WebhookReceiver  # noqa: E402
from tests.e2e.conftest import LocalPlatform, Ports  # noqa: E402

SETTLE_SECONDS = 120.0


def _mail(to: str, index: int) -> EmailMessage:
    message = EmailMessage()
    message["From"] = "Bench Sender <bench@customer.example>"
    message["To"] = to
    message["Subject"] = f"Latency {index}"
    message["Message-ID"] = f"<{uuid.uuid4()}@customer.example>"
    message.set_content(f"Message {index} of the webhook latency benchmark.\n")
    return message


def _smtp_port(running: LocalPlatform) -> int:
    address = running.printed("SMTP")
    assert address is not None, running.output
    return int(address.rpartition(":")[2])


def _inbox(client: httpx.Client) -> str:
    domain = client.get("/domains").json()["data"][0]
    created = client.post("/inboxes", json={"domain_id": domain["id"], "local_part": "bench"})
    created.raise_for_status()
    return str(created.json()["address"])


def run(messages: int, rate: float) -> list[float]:
    """Each delivery's latency in ms, the first one left out."""
    with tempfile.TemporaryDirectory() as folder:
        running = LocalPlatform(
            Path(folder) / ".local",
            Ports.free(),
            {"MAILMAN_QUICKSTART": "1", "POWERTOOLS_LOG_LEVEL": "ERROR"},
        ).start()
        try:
            with running.client(running.api_key) as client, WebhookReceiver() as receiver:
                address = _inbox(client)
                created = client.post(
                    "/webhooks", json={"url": receiver.url, "event_types": ["message.received"]}
                )
                created.raise_for_status()
                receiver.secrets = (created.json()["secret"],)
                with smtplib.SMTP("127.0.0.1", _smtp_port(running), timeout=30) as smtp:
                    for index in range(messages + 1):
                        smtp.send_message(_mail(address, index))
                        time.sleep(1 / rate)
                received = receiver.wait_for(messages + 1, SETTLE_SECONDS)
        finally:
            running.stop()
    unverified = [r for r in received if not r.verified]
    if unverified:
        raise SystemExit(f"{len(unverified)} deliveries did not verify")
    latencies = []
    for delivery in received:
        payload = delivery.payload or {}
        if payload.get("data", {}).get("message", {}).get("subject") == "Latency 0":
            continue
        appended = datetime.fromisoformat(str(payload["timestamp"])).timestamp()
        latencies.append((delivery.at - appended) * 1000)
    return latencies


def report(latencies: list[float], messages: int, rate: float) -> None:
    ordered = sorted(latencies)
    cut = statistics.quantiles(ordered, n=100)
    print(
        f"# webhook latency, append to receipt, local platform: {messages} mails at {rate}/s"
        f" over SMTP; {platform.machine()}, {os.cpu_count()} CPUs, Python"
        f" {platform.python_version()}"
    )
    print("| deliveries | p50 ms | p95 ms | p99 ms | max ms |")
    print("|---:|---:|---:|---:|---:|")
    print(f"| {len(ordered)} | {cut[49]:.0f} | {cut[94]:.0f} | {cut[98]:.0f} | {ordered[-1]:.0f} |")


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    options.add_argument("--messages", type=int, default=200)
    options.add_argument("--rate", type=float, default=10.0, help="mails a second")
    args = options.parse_args()
    latencies = run(args.messages, args.rate)
    report(latencies, args.messages, args.rate)


if __name__ == "__main__":
    main()
