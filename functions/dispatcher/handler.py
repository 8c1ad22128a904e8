"""Once a minute: queues the outgoing mail that is due (scheduled sends, and any the API
could not queue), settles hand-offs SES never confirmed, forgets expired idempotency keys,
erases the mail marked for erasure and the trash past its retention; then queues the
webhooks due (`message.failed`, `message.erased`, ...) at once."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.runtime import cached_container, count, entrypoint, logger, publish_webhooks
from mailman.composition import Container
from mailman.domain.trash import ErasureRun
from mailman.services.mailbox_trash import erase_due
from mailman.services.sending import dispatch

container = cached_container()


@entrypoint
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    c = container()
    done = dispatch(c.outbound, c.queue)
    count("MessagesQueued", done.queued)
    count("HandOffsUnconfirmed", done.unconfirmed)
    if done.unconfirmed:
        logger.warning("hand-offs SES never confirmed", extra={"count": done.unconfirmed})
    erased = _erase(c)
    count("MessagesErased", erased.erased)
    publish_webhooks(c)
    return {
        "queued": done.queued,
        "unconfirmed": done.unconfirmed,
        "keys_forgotten": done.keys_forgotten,
        "trash_expired": erased.expired,
        "erased": erased.erased,
        "objects_deleted": erased.objects,
    }


def _erase(c: Container) -> ErasureRun:
    """Erase what is due; a failure (S3, or a message that cannot be erased) is logged and
    left to the next run, which starts again from what is marked: the webhooks are queued
    all the same."""
    try:
        return erase_due(c.uow, c.blobs, c.clock)
    except Exception:
        logger.warning("erasure failed: the next run takes it up again", exc_info=True)
        count("ErasureFailed")
        return ErasureRun()
