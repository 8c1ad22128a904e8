"""One module per use case; services see ports and the domain, never Lambda, HTTP or SQL.

The use cases the API's routes name by module (`from mailman.services import domains`) are
imported when a route first calls one (`mailman.lazy.submodules`): a request loads its own
use case and the domain rules behind it, not every route's.
"""

from mailman.lazy import submodules

__getattr__ = submodules(
    __name__,
    {
        "domains",
        "events",
        "inboxes",
        "mailbox",
        "mailbox_state",
        "mailbox_trash",
        "reputation",
        "search",
        "verify_domain",
    },
)
