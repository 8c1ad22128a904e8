"""Cold-start benchmark: what importing each function's handler costs beside its libraries.

    .venv/bin/python bench/coldstart.py [--runs 15] [--tracing on|off] [--clock cpu|wall]
                                        [--against DIR]

For every Lambda function (`functions/<name>/handler.py`), a fresh Python process imports
the handler module, builds what the function builds once, on its first request, before it
reaches the outside (`FIRST_REQUEST` below: the API function's resolver and routes, the unit
of work of each function that reaches the database), and then imports the third-party
libraries that function needs to serve its first request (`LIBRARIES` below: the Powertools
pieces it uses, pydantic, psycopg, boto3, ...; those the handler leaves to its first request
are imported then anyway), and reports how long that took, interpreter start-up excluded.
Another fresh process imports only the libraries. The two alternate, function after
function, `--runs` times (after one unmeasured warm-up round that writes the bytecode
caches), so both see the same machine, and which of them goes first turns round by round:
the process that follows another's imports of the same files runs faster. The table gives
the median of each and their ratio. The ratio is the handler's own cost: 1.0 would be a
handler that imports nothing its first request does not need.

"How long" is the CPU time the process spent (`--clock cpu`, the default): importing is
all computing, and on a machine that other work shares, the wall-clock time
(`--clock wall`) counts that work's turns on the CPU as well.

Each process gets the environment a deployed function has (`stacks/functions.py` and the
constructs that add to it): `LAMBDA_TASK_ROOT`, the Powertools settings, the database
secret and proxy, the bucket, queue and SES names, all dummy values; no AWS call is made.
In AWS the functions run with active tracing, so by default (`--tracing on`) the X-Ray SDK
is one of every function's libraries; `--tracing off` sets `POWERTOOLS_TRACE_DISABLED`, as
the local platform and the tests do, and leaves it out.

`--against DIR` also imports the handlers of another checkout (its `shared/` and
functions), interleaved with this one's, for a before-and-after in the same run. Nothing
here asserts on time: the numbers are for people.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
from datetime import date
from pathlib import Path

# Run as a script, bench/ is importable from the repository root.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.parse import cpu_model

ROOT = Path(__file__).resolve().parents[1]

# What every function's first request runs: Powertools' Logger and Metrics (and its Tracer,
# see `--tracing`), the settings, PostgreSQL, and boto3 (the database secret is read from
# Secrets Manager on connecting).
_COMMON = (
    "aws_lambda_powertools.logging",
    "aws_lambda_powertools.metrics",
    "pydantic_settings",
    "psycopg",
    "boto3",
)
_SQS = (
    "aws_lambda_powertools.utilities.batch",
    "aws_lambda_powertools.utilities.data_classes.sqs_event",
)
# The domain rules every sending path checks addresses and names with.
_ADDRESSES = ("email_validator", "publicsuffixlist")

LIBRARIES: dict[str, tuple[str, ...]] = {
    "api": (
        *_COMMON,
        *_ADDRESSES,
        "aws_lambda_powertools.event_handler",
        "aws_lambda_powertools.event_handler.middlewares.openapi_validation",
        "aws_lambda_powertools.event_handler.openapi.params",
    ),
    "inbound": (*_COMMON, *_SQS, "fast_mail_parser"),
    "outbound": (*_COMMON, *_SQS, *_ADDRESSES),
    "telemetry": (*_COMMON, *_SQS, *_ADDRESSES),
    "dispatcher": (*_COMMON, *_ADDRESSES),
    "verifier": (*_COMMON, *_ADDRESSES, "dns.resolver"),
    "migrate": _COMMON,
    # Outside the VPC: no database; KMS opens the secrets, httpx's core makes the request.
    "webhooks": (
        "aws_lambda_powertools.logging",
        "aws_lambda_powertools.metrics",
        "pydantic_settings",
        "boto3",
        *_SQS,
        "httpx",
        "cryptography.hazmat.primitives.ciphers.aead",
    ),
    "webhook_reports": (*_COMMON, *_SQS),
    "webhook_sweep": _COMMON,
}
TRACING_LIBRARIES = ("aws_lambda_powertools.tracing", "aws_xray_sdk.core")
# What a handler builds on its first request, before that request reaches the database or
# AWS: the API function's pipeline (its resolver, every route and its models), and in every
# function that reaches the database its unit of work (the PostgreSQL adapters it loads
# before it connects). Otherwise a function builds only its container there, whose clients
# are the libraries' cost.
_UNIT_OF_WORK = "functions.{}.handler.container().uow"
FIRST_REQUEST = {
    "api": f"functions.api.handler.pipeline(); {_UNIT_OF_WORK.format('api')}",
    **{
        name: _UNIT_OF_WORK.format(name)
        for name in (
            "inbound",
            "outbound",
            "telemetry",
            "dispatcher",
            "verifier",
            "webhook_reports",
            "webhook_sweep",
        )
    },
}

# Dummy values of the variables the stacks give the functions, and those Lambda sets.
DEPLOYED_ENVIRONMENT = {
    "LAMBDA_TASK_ROOT": "/var/task",
    "AWS_EXECUTION_ENV": "AWS_Lambda_python3.12",
    "AWS_REGION": "eu-west-1",
    "AWS_DEFAULT_REGION": "eu-west-1",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_XRAY_DAEMON_ADDRESS": "169.254.79.129:2000",
    "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR",
    "AWS_LAMBDA_LOG_FORMAT": "JSON",
    "AWS_LAMBDA_LOG_LEVEL": "INFO",
    "STAGE": "dev",
    "POWERTOOLS_METRICS_NAMESPACE": "Mailman",
    "POWERTOOLS_LOG_LEVEL": "INFO",
    "DB_SECRET_ARN": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:mailman-db-AbCdEf",
    "DB_HOST": "mailman-proxy.proxy-abc.eu-west-1.rds.amazonaws.com",
    "DB_NAME": "mailman",
    "BUCKET_NAME": "mailman-dev-mail",
    "OUTBOUND_QUEUE_URL": "https://sqs.eu-west-1.amazonaws.com/123456789012/mailman-outbound",
    "SES_CONFIGURATION_SET": "mailman-dev",
    "RECEIPT_RULE_SET_NAME": "mailman-dev",
    "RECEIPT_RULE_NAME": "mailman-inboxes",
    "RATE_LIMIT_PER_MINUTE": "100",
    "ORGANIZATION_RATE_LIMIT_PER_MINUTE": "1000",
    "MAX_API_KEYS_PER_ORGANIZATION": "100",
    "CORS_ORIGINS": "https://app.example.com",
    "RESERVED_DOMAINS": "mail.example.com",
    "WEBHOOK_QUEUE_URL": "https://sqs.eu-west-1.amazonaws.com/123456789012/mailman-webhooks.fifo",
    "WEBHOOK_REPORTS_QUEUE_URL": "https://sqs.eu-west-1.amazonaws.com/123456789012/mailman-reports",
    "WEBHOOK_KMS_KEY_ID": "1234abcd-12ab-34cd-56ef-1234567890ab",
    "API_BASE_URL": "https://abc123.execute-api.eu-west-1.amazonaws.com/dev",
}

_TIMED_IMPORT = """
import time
started = time.{clock}()
{imports}
print(time.{clock}() - started)
"""
CLOCKS = {"cpu": "process_time", "wall": "perf_counter"}


def environment(function: str, checkout: Path, tracing: bool) -> dict[str, str]:
    """A deployed function's environment, with `checkout`'s code importable."""
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", ""),
        "PYTHONPATH": f"{checkout / 'shared'}{os.pathsep}{checkout}",
        **DEPLOYED_ENVIRONMENT,
        "AWS_LAMBDA_FUNCTION_NAME": f"mailman-dev-{function}",
        "POWERTOOLS_SERVICE_NAME": f"mailman-{function}",
    }
    if not tracing:
        env["POWERTOOLS_TRACE_DISABLED"] = "true"
    return env


def libraries(function: str, tracing: bool) -> tuple[str, ...]:
    return LIBRARIES[function] + (TRACING_LIBRARIES if tracing else ())


def timed_import(
    modules: tuple[str, ...], env: dict[str, str], clock: str, then: str = ""
) -> float:
    """Seconds a fresh process takes (on `clock`) to import `modules` and run `then` (after
    the first), start-up excluded."""
    lines = [f"import {m}" for m in modules]
    code = _TIMED_IMPORT.format(
        clock=CLOCKS[clock], imports="\n".join([*lines[:1], then, *lines[1:]])
    )
    # -P: the checkout on PYTHONPATH, not the working directory, is what gets imported.
    done = subprocess.run(  # noqa: S603 - our own interpreter, our own code
        [sys.executable, "-P", "-c", code], env=env, capture_output=True, text=True, check=False
    )
    if done.returncode:
        raise SystemExit(f"importing {', '.join(modules)} failed:\n{done.stderr}")
    return float(done.stdout.strip().splitlines()[-1])


def _order(kinds: list[str], run: int) -> list[str]:
    """The order of round `run`: turned by one each round, and every other cycle of turns
    backwards, so that each kind follows each other as often as it precedes it (with three
    kinds, turning alone put the other checkout straight after this one in two rounds of
    three, where it ran on warmer caches)."""
    turn = run % len(kinds)
    order = kinds[turn:] + kinds[:turn]
    return order[::-1] if (run // len(kinds)) % 2 else order


def measure(
    runs: int, tracing: bool, clock: str, against: Path | None
) -> dict[str, dict[str, list[float]]]:
    """Per function: the handler's, the libraries' (and the other checkout's) import times."""
    checkouts = {"handler": ROOT} | ({"against": against} if against else {})
    kinds = [*checkouts, "libraries"]
    times: dict[str, dict[str, list[float]]] = {
        name: {kind: [] for kind in kinds} for name in LIBRARIES
    }
    for run in range(runs + 1):
        for name in LIBRARIES:
            needed = libraries(name, tracing)
            for kind in _order(kinds, run):
                if kind == "libraries":
                    seconds = timed_import(needed, environment(name, ROOT, tracing), clock)
                else:
                    seconds = timed_import(
                        (f"functions.{name}.handler", *needed),
                        environment(name, checkouts[kind], tracing),
                        clock,
                        FIRST_REQUEST.get(name, ""),
                    )
                if run:  # the first round only writes the bytecode caches
                    times[name][kind].append(seconds)
        print(f"round {run}/{runs}", file=sys.stderr)
    return times


def report(times: dict[str, dict[str, list[float]]], runs: int, tracing: bool, clock: str) -> None:
    against = any("against" in kinds for kinds in times.values())
    print(
        f"{date.today()}, {runs} fresh processes each, tracing {'on' if tracing else 'off'},"
        f" {clock} time;"
        f" {os.cpu_count()} CPUs, {cpu_model()}, Python {platform.python_version()}\n"
    )
    header = "| function | handler ms | libraries ms | ratio |"
    rule = "|---|---:|---:|---:|"
    if against:
        header += " other checkout ms | its ratio |"
        rule += "---:|---:|"
    print(header)
    print(rule)
    for name, kinds in times.items():
        handler = statistics.median(kinds["handler"]) * 1000
        libs = statistics.median(kinds["libraries"]) * 1000
        row = f"| {name} | {handler:,.0f} | {libs:,.0f} | {handler / libs:.2f} |"
        if against:
            other = statistics.median(kinds["against"]) * 1000
            row += f" {other:,.0f} | {other / libs:.2f} |"
        print(row)


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    options.add_argument("--runs", type=int, default=15, help="measured processes per row")
    options.add_argument("--tracing", choices=("on", "off"), default="on")
    options.add_argument("--clock", choices=tuple(CLOCKS), default="cpu")
    options.add_argument(
        "--against", type=Path, help="another checkout whose handlers are timed alongside"
    )
    args = options.parse_args()
    tracing = args.tracing == "on"
    against = args.against.resolve() if args.against else None
    times = measure(args.runs, tracing, args.clock, against)
    report(times, args.runs, tracing, args.clock)


if __name__ == "__main__":
    main()
