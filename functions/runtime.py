"""What the functions share: Powertools' logger, metrics and tracer, the container built on
first use, the metrics per sending domain, and (for the SQS-driven ones) the SQS batch with
its partial failures.

A handler is `@entrypoint` over one call. Tracing costs only what tracing needs: where X-Ray
records nothing (outside Lambda, or `POWERTOOLS_TRACE_DISABLED`) no tracer is made, so the
X-Ray SDK (a quarter of a second to import) is never loaded; in Lambda it patches only the
libraries the functions call out through, not every library X-Ray knows that is installed.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Collection, Mapping, Sequence
from types import ModuleType
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, cast

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.metrics.provider.cloudwatch_emf.cloudwatch import (
    AmazonCloudWatchEMFProvider,
)

from mailman.composition import Container, build_container
from mailman.domain.reputation import KINDS

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
    from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
    from aws_lambda_powertools.utilities.typing import LambdaContext

    from mailman.domain.webhook_work import WebhookWork

F = TypeVar("F", bound=Callable[..., Any])

TRACED_LIBRARIES = ("botocore", "httplib")
"""What the functions call out through: AWS and HTTP calls are subsegments, and so are
PostgreSQL's (`TRACED_ON_IMPORT`)."""
TRACED_ON_IMPORT = ("psycopg",)
"""Patched when a function first imports them: the webhook dispatcher, which reaches no
database, never loads the driver (patching it would import it, about 40 ms)."""


def tracing() -> bool:
    """Whether X-Ray records this process's traces: Powertools' rule, in Lambda (not under
    SAM's local emulator) unless `POWERTOOLS_TRACE_DISABLED` is true."""
    disabled = os.environ.get("POWERTOOLS_TRACE_DISABLED", "false").lower()
    in_lambda = bool(os.environ.get("LAMBDA_TASK_ROOT")) and not os.environ.get("AWS_SAM_LOCAL")
    return in_lambda and disabled not in {"1", "true", "t", "yes", "y", "on"}


def _tracer() -> Tracer | None:
    if not tracing():
        return None
    import wrapt
    from aws_xray_sdk.core import patch

    # As lenient as Powertools' default patch_all(): X-Ray's psycopg patch wraps
    # `psycopg.connect`, then fails on psycopg_pool, which the functions do not use.
    patch(TRACED_LIBRARIES, raise_errors=False)

    def patch_imported(module: ModuleType) -> None:
        patch((module.__name__,), raise_errors=False)

    for library in TRACED_ON_IMPORT:
        wrapt.register_post_import_hook(patch_imported, library)
    return Tracer(auto_patch=False)


logger = Logger()
metrics = Metrics()
tracer = _tracer()


def count(name: str, value: int = 1) -> None:
    """Adds `value` to the invocation's metric `name`."""
    metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)


def gauge(name: str, value: float) -> None:
    """Records `value` as the invocation's metric `name`: a level (an age, a size), not a
    count; its alarms read the maximum."""
    metrics.add_metric(name=name, unit=MetricUnit.NoUnit, value=value)


DOMAIN_DIMENSION = "Domain"
DOMAIN_METRICS: Mapping[str, str] = {
    kind: "Recipients" + "".join(part.capitalize() for part in kind.split("_")) for kind in KINDS
}
"""Each kind counted per sending domain (`delivery_counts`' columns) and its metric: `sent`
is `RecipientsSent`, `hard_bounced` `RecipientsHardBounced`."""


def emit_domain_counts(counts: Mapping[str, Mapping[str, int]]) -> None:
    """Write one EMF block per sending domain (by name) of its non-zero counts (by kind, as
    `DOMAIN_METRICS` names them); a domain with nothing counted writes nothing. ValueError,
    before anything is written, for a kind that is not counted.

    The invocation's own metrics (`count`) are one block without a domain; these are apart,
    so that each block carries its domain's dimension only (no `service` dimension either: a
    domain's figures are found by the domain alone). CloudWatch sums the blocks of a minute,
    so a domain's graph is its counts over time, whichever function wrote them: the
    outbound function the recipients it handed to SES, the telemetry function what SES
    reported of them."""
    unknown = {kind for kinds in counts.values() for kind in kinds} - set(DOMAIN_METRICS)
    if unknown:
        raise ValueError(f"not a counted kind: {', '.join(sorted(unknown))}")
    for domain, kinds in sorted(counts.items()):
        figures = {kind: n for kind, n in kinds.items() if n}
        if not figures:
            continue
        block = AmazonCloudWatchEMFProvider(
            service="", default_dimensions={DOMAIN_DIMENSION: domain}
        )
        for kind, n in figures.items():
            block.add_metric(name=DOMAIN_METRICS[kind], unit=MetricUnit.Count, value=n)
        block.flush_metrics()


def entrypoint(handler: F) -> F:
    """A Lambda handler with its Lambda context in the logs, its metrics flushed when it
    returns, and (where tracing is on) its own subsegment, its response left out of it."""
    traced = tracer.capture_lambda_handler(handler, capture_response=False) if tracer else handler
    return cast(F, logger.inject_lambda_context(metrics.log_metrics(traced)))


def traced(method: F) -> F:
    """`method` as a subsegment of its own where tracing is on, its response left out."""
    return tracer.capture_method(capture_response=False)(method) if tracer else method


class CachedContainer(Protocol):
    """A function's container: built on first call, then the same one."""

    def __call__(self) -> Container: ...

    def cache_clear(self) -> None: ...


def cached_container(*, prepared_statements: bool = False) -> CachedContainer:
    """A function's container, built on first use and kept for the Lambda container's life;
    `prepared_statements` as `Database` explains."""
    return functools.cache(
        functools.partial(build_container, prepared_statements=prepared_statements)
    )


class _QueueOnFirstSend:
    """The container's webhook queue, made (and the AWS SDK loaded) only when there is work
    to send: with nothing due, a function that uses no other AWS client loads none."""

    def __init__(self, container: Container) -> None:
        self._container = container

    def send(self, work: Sequence[WebhookWork]) -> None:
        self._container.webhook_queue.send(work)


def publish_webhooks(container: Container) -> int:
    """Queue the webhooks due now (those of the events the caller just committed, and any
    others), so they need not wait for the sweep; answers how many were queued.

    Never fails its caller, whose work is committed: on any error it logs and counts
    (`WebhookPublishFailed`), and the sweep queues them within a minute. Does nothing
    where no webhook queue is configured. With nothing due it costs three statements (the
    right to publish taken, a claim, the right given back); while another function holds
    that right it costs one, and that function queues what this one committed."""
    settings = container.settings
    if not settings.webhook_queue_url:
        return 0
    from mailman.services.webhooks import publish_due

    try:
        queued = publish_due(
            container.uow,
            _QueueOnFirstSend(container),
            container.clock,
            api_base_url=settings.api_base_url,
        )
    except Exception:
        logger.warning("webhooks not queued: the sweep queues them", exc_info=True)
        count("WebhookPublishFailed")
        return 0
    if queued:
        count("WebhooksQueued", queued)
    return queued


def process_batch(
    event: dict[str, Any],
    context: LambdaContext,
    record_handler: Callable[[SQSRecord], None],
    *,
    raise_on_entire_batch_failure: bool = False,
) -> PartialItemFailureResponse:
    """Hands each SQS record to `record_handler`; the records it raised on come back alone
    (a partial batch response). Unless `raise_on_entire_batch_failure`, every record failing
    is answered the same way rather than raised as an error of the whole invocation."""
    from aws_lambda_powertools.utilities.batch import (
        BatchProcessor,
        EventType,
        process_partial_response,
    )

    processor = BatchProcessor(
        event_type=EventType.SQS, raise_on_entire_batch_failure=raise_on_entire_batch_failure
    )
    return process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )


def process_whole_batch(
    event: dict[str, Any],
    handle: Callable[[list[SQSRecord]], Collection[str]],
) -> PartialItemFailureResponse:
    """Hands every SQS record of the batch to `handle` at once, for a consumer that does its
    work over the whole batch; `handle` answers the message ids of the records that failed,
    which come back alone (the partial batch response `process_batch` answers)."""
    from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSEvent

    records = list(SQSEvent(event).records)
    failed = set(handle(records))
    return {
        "batchItemFailures": [
            {"itemIdentifier": r.message_id} for r in records if r.message_id in failed
        ]
    }
