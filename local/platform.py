"""`make dev`: the whole platform on one machine, in the foreground, until Ctrl-C.

Embedded PostgreSQL (data under `.local/`), a moto server standing in for the AWS APIs, and
an API Gateway emulator on 127.0.0.1:8080 calling `functions/api/handler.handler`.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

from local.postgres import local_database

API_HOST = "127.0.0.1"


@dataclass(frozen=True)
class LocalConfig:
    local_dir: Path
    api_port: int
    aws_port: int

    @classmethod
    def from_env(cls) -> LocalConfig:
        return cls(
            local_dir=Path(os.environ.get("MAILMAN_LOCAL_DIR", ".local")).resolve(),
            api_port=int(os.environ.get("MAILMAN_API_PORT", "8080")),
            aws_port=int(os.environ.get("MAILMAN_AWS_PORT", "4566")),
        )


def _function_environment(database_url: str, aws_endpoint: str) -> None:
    """What the deployed functions find in their environment, pointed at the local stand-ins."""
    os.environ.update(
        {
            "DATABASE_URL": database_url,
            "AWS_ENDPOINT_URL": aws_endpoint,
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
            "AWS_DEFAULT_REGION": os.environ.get("AWS_DEFAULT_REGION", "us-east-1"),
            "STAGE": "local",
            "POWERTOOLS_SERVICE_NAME": "mailman",
            "POWERTOOLS_METRICS_NAMESPACE": "MailmanLocal",
            "POWERTOOLS_TRACE_DISABLED": "true",
            "POWERTOOLS_METRICS_DISABLED": "true",
            "POWERTOOLS_LOG_LEVEL": os.environ.get("POWERTOOLS_LOG_LEVEL", "WARNING"),
        }
    )


def main() -> int:
    config = LocalConfig.from_env()
    config.local_dir.mkdir(parents=True, exist_ok=True)
    print("Starting the Mailman local platform...", flush=True)
    database_url = local_database(config.local_dir)

    from moto.server import ThreadedMotoServer

    aws = ThreadedMotoServer(ip_address=API_HOST, port=config.aws_port, verbose=False)
    aws.start()
    aws_endpoint = f"http://{API_HOST}:{config.aws_port}"
    _function_environment(database_url, aws_endpoint)

    # Imported only now: the handler reads its environment when first used.
    from functions.api import handler as api
    from functions.api.dependencies import container
    from local.http_gateway import ApiGateway
    from local.state import seed

    seeded = seed(container(), config.local_dir / "state.json")
    gateway = ApiGateway((API_HOST, config.api_port), api.handler, "mailman-api")
    base_url = f"http://{API_HOST}:{gateway.server_address[1]}"
    org = seeded.state.organization_id
    print(f"  API           {base_url}   (docs: {base_url}/docs)")
    print(f"  AWS (moto)    {aws_endpoint}")
    print(f"  Data          {config.local_dir}")
    print(f"  Organization  {org}")
    if seeded.new_key:
        print(f"  API key       {seeded.new_key}")
        print("                (shown this once: keep it; later starts show only its prefix)")
    else:
        print(f"  API key       {seeded.state.key_prefix}... (made on first start)")
        print(f"                mint another: .venv/bin/mailman keys create --org {org}")
    print("Ready. Ctrl-C stops everything.", flush=True)

    def stop(signum: int, frame: FrameType | None) -> None:
        threading.Thread(target=gateway.shutdown, daemon=True).start()

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        gateway.serve_forever()
    finally:
        gateway.server_close()
        container().database.close()
        aws.stop()
    # Embedded PostgreSQL stops when this process exits (its data stays in .local/).
    print("Stopped.", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
