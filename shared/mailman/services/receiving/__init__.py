"""Receiving mail: parsed, scanned (`scan`) and judged (`prepare`), routed to its inboxes
(`route`), threaded, stored and announced (`store`). Callers use only the names below."""

from mailman.services.receiving.pipeline import (
    Received,
    import_message,
    receive,
    receive_batch,
)
from mailman.services.receiving.prepare import Incoming
from mailman.services.receiving.scan import Scanning

__all__ = ["Incoming", "Received", "Scanning", "import_message", "receive", "receive_batch"]
