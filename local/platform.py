"""`make dev`: the whole platform on one machine, in the foreground, until Ctrl-C.

Embedded PostgreSQL (data under the checkout's `.local/`, or `MAILMAN_LOCAL_DIR`), a moto
server standing in for the AWS APIs (with SES's domain-identity behaviour played against a
local DNS zone), a DNS server for that zone,
an API Gateway emulator on 127.0.0.1:8080 calling `functions/api/handler.handler`, the
EventBridge schedules calling the verifier, the dispatcher and the webhook sweep (every
second here, `MAILMAN_WEBHOOK_SWEEP_SECONDS`, so retries fall due on time), SQS event sources
feeding the inbound, outbound and telemetry functions, the webhook dispatcher (from the FIFO
`webhooks.fifo`, message groups and all) and the recorder of its reports, an SMTP port playing
SES receiving, and SES sending played behind moto (`local.ses_outbound`: local inboxes get
their mail, the mailbox simulator's addresses their events, everything lands in
`.local/outbox/`), and a real clamd scanning what arrives (`local.clamd`: the project's
EICAR test signature and the machine's installed definitions; without clamd, scanning is OFF,
said at start, and received mail shows scan verdict `off`), and the web console at `/console`
on the API's port (`local.console`: never deployed).

Durable data: PostgreSQL keeps its data under `.local/postgres/`, and the bucket (raw mail,
attachments) is kept under `.local/s3/`, each object written and synced there before S3
answers the request that stored it (`local.bucket_folder`), so a crash or `kill -9` loses no
object a row points at. moto's queues are in memory too: received mail's notifications are
kept under `.local/inbound-pending/` until the mail is stored, and announced again at start.

While it runs it prints a line per API request and per mail sent or received, and the
functions' logs (`local.terminal`); their metrics go to `.local/logs/metrics.jsonl`.

Webhooks: signing secrets are sealed with a key file (`.local/webhook-secrets.key`, made on
first use) instead of KMS, and receivers may be `http` and on loopback or private addresses
(`WEBHOOK_ALLOW_PRIVATE`, which no deployed stage sets), so `mailman webhooks listen` on
127.0.0.1 receives with no configuration.

Once ready it writes where it is (pid, addresses, database) to `<data>/platform.json`
(`local.runtime`), removed when it stops, so that the `mailman` CLI finds it. From its start
it holds `<data>/platform.lock`: a second platform on the same data folder exits at once.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any

import psycopg

from local.aws import (
    BUCKET,
    OUTBOUND_QUEUE,
    RULE,
    RULE_SET,
    TELEMETRY_QUEUE,
    WEBHOOK_QUEUE,
    WEBHOOK_REPORTS_QUEUE,
    LocalAws,
)
from local.clamd import LocalScanning, start_scanning
from local.dns_server import LocalDnsServer
from local.dns_zone import LocalZone
from local.postgres import local_database
from local.runtime import (
    DataFolderInUse,
    PlatformRecord,
    allow_test_domains,
    hold_data_folder,
    local_dir,
    remove_record,
    start_ticks,
)
from local.state import Seeded
from local.terminal import ReceivedMail, route_metrics

HOST = "127.0.0.1"
CDK_JSON = Path(__file__).resolve().parents[1] / "cdk.json"
QUICKSTART_DOMAIN = "mailman.test"
INBOUND_VISIBILITY_SECONDS = 60
OUTBOUND_VISIBILITY_SECONDS = 60
WEBHOOK_VISIBILITY_SECONDS = 60
WEBHOOK_DISPATCHER_SECONDS = WEBHOOK_VISIBILITY_SECONDS
"""The local webhook dispatcher's timeout, as its context tells it: it stops taking work in
time to report before its batch shows on the queue again."""


@dataclass(frozen=True)
class LocalConfig:
    local_dir: Path
    api_port: int
    aws_port: int
    dns_port: int
    smtp_port: int
    verifier_seconds: float
    dispatcher_seconds: float
    webhook_sweep_seconds: float
    quickstart: bool
    region: str
    cors_origins: str = ""
    """The browser origins the API answers (comma-separated): `CORS_ORIGINS`, else the dev
    stage's `cors_origins` in cdk.json, as deployed."""

    @classmethod
    def from_env(cls) -> LocalConfig:
        env = os.environ
        return cls(
            local_dir=local_dir(env),
            api_port=int(env.get("MAILMAN_API_PORT", "8080")),
            aws_port=int(env.get("MAILMAN_AWS_PORT", "4566")),
            dns_port=int(env.get("MAILMAN_DNS_PORT", "8053")),
            smtp_port=int(env.get("MAILMAN_SMTP_PORT", "2525")),
            verifier_seconds=float(env.get("MAILMAN_VERIFIER_SECONDS", "60")),
            dispatcher_seconds=float(env.get("MAILMAN_DISPATCHER_SECONDS", "5")),
            webhook_sweep_seconds=float(env.get("MAILMAN_WEBHOOK_SWEEP_SECONDS", "1")),
            quickstart=env.get("MAILMAN_QUICKSTART", "") not in ("", "0", "false"),
            region=env.get("AWS_REGION", env.get("AWS_DEFAULT_REGION", "us-east-1")),
            cors_origins=env.get("CORS_ORIGINS", _dev_stage_cors_origins()),
        )

    @property
    def zone_path(self) -> Path:
        return self.local_dir / "dns" / "zone.json"

    @property
    def outbox_dir(self) -> Path:
        """Every message SES was handed, as it sent it (`mailman outbox`)."""
        return self.local_dir / "outbox"

    @property
    def bucket_dir(self) -> Path:
        """Where the bucket's objects (raw mail, attachments) are kept, each written there
        as it is stored (`local.bucket_folder`)."""
        return self.local_dir / "s3"

    @property
    def inbound_journal_dir(self) -> Path:
        """Received mail's notifications, until the inbound function has stored the mail."""
        return self.local_dir / "inbound-pending"

    @property
    def webhook_key_file(self) -> Path:
        """The key that seals webhook signing secrets here (KMS's part in AWS)."""
        return webhook_key_file(self.local_dir)


def webhook_key_file(local_dir: Path) -> Path:
    return local_dir / "webhook-secrets.key"


@dataclass(frozen=True)
class LocalQueues:
    """The URLs of the work queues, as the stack's functions find them."""

    inbound: str
    outbound: str
    telemetry: str
    webhooks: str
    webhook_reports: str

    @classmethod
    def create(cls, aws: LocalAws) -> LocalQueues:
        return cls(
            inbound=aws.create_mail_resources(visibility_timeout=INBOUND_VISIBILITY_SECONDS),
            outbound=aws.work_queue(OUTBOUND_QUEUE, OUTBOUND_VISIBILITY_SECONDS),
            telemetry=aws.work_queue(TELEMETRY_QUEUE, OUTBOUND_VISIBILITY_SECONDS),
            webhooks=aws.work_queue(WEBHOOK_QUEUE, WEBHOOK_VISIBILITY_SECONDS),
            webhook_reports=aws.work_queue(WEBHOOK_REPORTS_QUEUE, WEBHOOK_VISIBILITY_SECONDS),
        )


def _dev_stage_cors_origins() -> str:
    stages = json.loads(CDK_JSON.read_text())["context"]["mailman"]
    return ",".join(stages["dev"]["cors_origins"])


def function_environment(
    config: LocalConfig,
    database_url: str,
    aws: str,
    dns: str,
    queues: LocalQueues,
    clamd_address: str | None = None,
) -> dict[str, str]:
    """What the deployed functions find in their environment, pointed at the local stand-ins."""
    scanning = {"CLAMD_ADDRESS": clamd_address} if clamd_address else {}
    return {
        **scanning,
        "DATABASE_URL": database_url,
        "CORS_ORIGINS": config.cors_origins,
        "AWS_ENDPOINT_URL": aws,
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        "AWS_REGION": config.region,
        "AWS_DEFAULT_REGION": config.region,
        "STAGE": "local",
        "RECEIPT_RULE_SET_NAME": RULE_SET,
        "RECEIPT_RULE_NAME": RULE,
        "BUCKET_NAME": BUCKET,
        "OUTBOUND_QUEUE_URL": queues.outbound,
        "WEBHOOK_QUEUE_URL": queues.webhooks,
        "WEBHOOK_REPORTS_QUEUE_URL": queues.webhook_reports,
        "WEBHOOK_KEY_FILE": str(config.webhook_key_file),
        "WEBHOOK_ALLOW_PRIVATE": "true",
        "API_BASE_URL": f"http://{HOST}:{config.api_port}",
        "DNS_NAMESERVERS": dns,
        "POWERTOOLS_SERVICE_NAME": "mailman",
        "POWERTOOLS_METRICS_NAMESPACE": "MailmanLocal",
        "POWERTOOLS_TRACE_DISABLED": "true",
        # Written to the metrics file (`local.terminal.route_metrics`), not the console.
        "POWERTOOLS_METRICS_DISABLED": "false",
        "POWERTOOLS_LOG_LEVEL": os.environ.get("POWERTOOLS_LOG_LEVEL", "WARNING"),
    }


def _live_domains(database_url: str) -> list[tuple[str, str, bool]]:
    with psycopg.connect(database_url) as conn:
        rows = conn.execute(
            "SELECT name, mail_from_domain, mx_verified FROM domains "
            "WHERE deleted_at IS NULL AND mail_from_domain IS NOT NULL"
        ).fetchall()
    return [(name, mail_from, receiving) for name, mail_from, receiving in rows]


_SCANNING_ON = "(clamd: received mail is scanned before it is stored)"
_SCANNING_OFF = "(no clamd: received mail is NOT scanned, verdict off)"


def _banner(addresses: dict[str, str], seeded: Seeded) -> None:
    notes = {
        "API": f"(docs: {addresses['API']}/docs)",
        "SMTP": "(plays SES receiving for verified domains)",
        "Outbox": "(every message sent: mailman outbox)",
        "DNS": "(the local zone: mailman dns publish DOMAIN)",
        "Webhooks": "(a receiver on 127.0.0.1 that verifies and prints every delivery)",
        "Console": "(mail, outbox, events and compose in a browser; local only)",
        "Scanning": _SCANNING_OFF if addresses.get("Scanning") == "OFF" else _SCANNING_ON,
        "Metrics": "(the functions' EMF; their logs, WARNING and up, print here)",
    }
    for label, address in addresses.items():
        print(f"  {label:<13} {address}   {notes.get(label, '')}".rstrip())
    org = seeded.state.organization_id
    print(f"  Organization  {org}")
    if seeded.new_key:
        print(f"  API key       {seeded.new_key}")
        print("                (shown this once: keep it; later starts show only its prefix)")
    else:
        print(f"  API key       {seeded.state.key_prefix}... (made on first start)")
        print(f"                mint another: .venv/bin/mailman keys create --org {org}")
    print("Ready. Ctrl-C stops everything.", flush=True)


@dataclass(frozen=True)
class _Background:
    """What runs behind the API: the schedules, the queue pumps, SES sending's post office."""

    schedules: list[Any]
    pumps: list[Any]
    post_office: Any
    ses_inbound: Any
    functions: list[Any]

    @classmethod
    def start(
        cls, config: LocalConfig, aws: LocalAws, queues: LocalQueues, received: ReceivedMail
    ) -> _Background:
        # Imported only now: the handlers read their environment when first used.
        from functions.dispatcher import handler as dispatcher
        from functions.inbound import handler as inbound
        from functions.outbound import handler as outbound
        from functions.telemetry import handler as telemetry
        from functions.verifier import handler as verifier
        from functions.webhook_reports import handler as webhook_reports
        from functions.webhook_sweep import handler as webhook_sweep
        from functions.webhooks import handler as webhooks
        from local.durable_files import DurableFolder
        from local.scheduler import Schedule
        from local.ses_outbound import PostOffice
        from local.smtp_receiver import ANNOUNCEMENTS_AT_START, SesInbound
        from local.sqs_pump import SqsPump

        schedules = [
            Schedule(name, function.handler, name, seconds, region=config.region).start()
            for name, function, seconds in (
                ("mailman-verifier", verifier, config.verifier_seconds),
                ("mailman-dispatcher", dispatcher, config.dispatcher_seconds),
                ("mailman-webhook-sweep", webhook_sweep, config.webhook_sweep_seconds),
            )
        ]
        sqs = aws.client("sqs")
        ses_inbound = SesInbound(
            aws.client("s3"),
            sqs,
            BUCKET,
            queues.inbound,
            aws.inbound_topic_arn,
            journal=DurableFolder(config.inbound_journal_dir),
        )
        unsettled = ses_inbound.announce_unsettled()
        if unsettled.announced:
            print(
                f"  [ses] announced again {unsettled.announced} received mail not stored yet",
                flush=True,
            )
        for mail in unsettled.dropped:
            print(
                f"  [ses] gave up on received mail {mail.message_id}: announced again at "
                f"{ANNOUNCEMENTS_AT_START} starts and still not stored; its raw mail stays in "
                f"the bucket at {mail.key} ({config.bucket_dir / mail.key})",
                flush=True,
            )
        pumps = [
            SqsPump(
                sqs,
                url,
                handler,
                name,
                region=config.region,
                timeout_seconds=timeout,
                on_done=ses_inbound.settle if url == queues.inbound else None,
            ).start()
            for url, handler, name, timeout in (
                (queues.inbound, received.observing(inbound.handler), "mailman-inbound", None),
                (queues.outbound, outbound.handler, "mailman-outbound", None),
                (queues.telemetry, telemetry.handler, "mailman-telemetry", None),
                (queues.webhooks, webhooks.handler, "mailman-webhooks", WEBHOOK_DISPATCHER_SECONDS),
                (queues.webhook_reports, webhook_reports.handler, "mailman-webhook-reports", None),
            )
        ]
        post_office = PostOffice(
            sqs=sqs,
            telemetry_queue=queues.telemetry,
            topic_arn=aws.events_topic_arn,
            inbound=ses_inbound,
            local_domains=aws.accepted_domains,
            outbox=config.outbox_dir,
            region=config.region,
        ).start()
        # The ones with a database to close (the webhook dispatcher has none).
        functions = [
            verifier,
            inbound,
            outbound,
            telemetry,
            dispatcher,
            webhook_reports,
            webhook_sweep,
        ]
        return cls(schedules, pumps, post_office, ses_inbound, functions)

    def stop(self) -> None:
        self.post_office.stop()
        for worker in (*self.pumps, *self.schedules):
            worker.stop()
        for function in self.functions:
            function.container().database.close()


def _start_scanning() -> LocalScanning:
    """clamd for the inbound function, said plainly either way (`local.clamd`)."""
    from mailman.config import Settings

    settings = Settings()
    scanning = start_scanning(os.environ, settings.scan_max_bytes, settings.scan_max_file_bytes)
    print(f"Scanning: {scanning.note}", flush=True)
    if scanning.address is None:
        print(
            "  Received mail is NOT scanned for viruses and shows scan verdict `off`. "
            "`make dev` installs clamd (Debian's clamav-daemon) when run as root with apt-get.",
            flush=True,
        )
    return scanning


def _already_running(local_dir: Path, holder: int | None) -> None:
    """Say on stderr that the platform with pid `holder` holds `local_dir` (its API too, once
    it is ready)."""
    running = PlatformRecord.read(local_dir)
    if running is not None and running.alive() and holder in (None, running.pid):
        where = f"pid {running.pid}, API {running.api_url}"
    else:
        where = f"pid {holder if holder is not None else 'unknown'}, starting or stopping"
    print(f"A Mailman platform is already running for {local_dir} ({where}).", file=sys.stderr)


def main() -> int:
    config = LocalConfig.from_env()
    config.local_dir.mkdir(parents=True, exist_ok=True)
    try:
        hold_data_folder(config.local_dir)  # held until this process exits, however it exits
    except DataFolderInUse as exc:
        _already_running(config.local_dir, exc.holder)
        return 1
    metrics = route_metrics(config.local_dir)
    print("Starting the Mailman local platform...", flush=True)
    database_url = local_database(config.local_dir)
    zone = LocalZone(config.zone_path)
    dns = LocalDnsServer(zone, port=config.dns_port).start()
    aws = LocalAws(HOST, config.aws_port, zone, config.region).start()
    aws.restore(_live_domains(database_url))
    queues = LocalQueues.create(aws)
    aws.load_bucket(config.bucket_dir)
    scanning = _start_scanning()
    os.environ.update(
        function_environment(
            config, database_url, aws.endpoint, dns.address, queues, scanning.address
        )
    )
    allow_test_domains()

    # Imported only now: the handlers read their environment when first used.
    from functions.api import handler as api
    from functions.api.dependencies import container
    from local.console import Console
    from local.http_gateway import ApiGateway
    from local.quickstart import quickstart
    from local.smtp_receiver import LocalSmtp
    from local.state import seed
    from mailman.composition import build_container

    seeded = seed(container(), config.local_dir / "state.json")
    if config.quickstart and seeded.new_key:
        quickstart(container(), zone, seeded.state.organization_id, QUICKSTART_DOMAIN)
    elif config.quickstart:
        print(
            f"MAILMAN_QUICKSTART is for a first start: {config.local_dir} has its data "
            "already (delete it to start over with the quick start).",
            flush=True,
        )
    received = ReceivedMail(database_url, aws.accepted_domains)
    background = _Background.start(config, aws, queues, received)
    smtp = LocalSmtp(aws.accepted_domains, background.ses_inbound, port=config.smtp_port).start()
    console = Console(build_container())
    gateway = ApiGateway((HOST, config.api_port), api.handler, "mailman-api", console)
    record = PlatformRecord(
        pid=os.getpid(),
        pid_started=start_ticks(os.getpid()),
        started_at=datetime.now(UTC).isoformat(timespec="seconds"),
        local_dir=str(config.local_dir),
        api_url=f"http://{HOST}:{gateway.server_address[1]}",
        aws_endpoint=aws.endpoint,
        smtp_address=f"{HOST}:{smtp.port}",
        dns_address=dns.address,
        region=config.region,
        database_url=database_url,
        outbound_queue_url=queues.outbound,
        webhook_key_file=str(config.webhook_key_file),
    )
    record.write(config.local_dir)
    _banner(
        {
            "API": record.api_url,
            "Console": f"{record.api_url}/console",
            "AWS (moto)": aws.endpoint,
            "SMTP": record.smtp_address,
            "DNS": dns.address,
            "Webhooks": "mailman webhooks listen",
            "Scanning": scanning.address or "OFF",
            "Outbox": str(config.outbox_dir),
            "Metrics": str(metrics),
            "Data": str(config.local_dir),
        },
        seeded,
    )

    def stop(signum: int, frame: FrameType | None) -> None:
        threading.Thread(target=gateway.shutdown, daemon=True).start()

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        gateway.serve_forever()
    finally:
        remove_record(config.local_dir)
        # In this order: the API first, each part before what it uses.
        for close in (
            gateway.server_close,
            console.close,
            smtp.stop,
            background.stop,
            received.close,
            scanning.stop,
            container().database.close,
            aws.stop,
            dns.stop,
        ):
            close()
    # Embedded PostgreSQL stops when this process exits (its data stays in .local/).
    print("Stopped.", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
