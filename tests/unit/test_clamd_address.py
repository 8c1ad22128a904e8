"""Which clamd addresses `ClamdScanner` takes; a wrong one fails at start, not at each scan."""

from __future__ import annotations

import pytest

from mailman.adapters.clamav import ClamdScanner


@pytest.mark.parametrize(
    "address",
    ["tcp://127.0.0.1:3310", "tcp://clamd.internal:3310", "unix:///run/clamav/clamd.ctl"],
)
def test_tcp_and_unix_addresses_are_taken(address: str) -> None:
    ClamdScanner(address)


@pytest.mark.parametrize(
    "address",
    [
        "",
        "127.0.0.1:3310",
        "tcp://127.0.0.1",
        "tcp://:3310",
        "http://127.0.0.1:3310",
        "unix://",
        "clamd",
    ],
)
def test_other_addresses_are_refused(address: str) -> None:
    with pytest.raises(ValueError, match="not a clamd address"):
        ClamdScanner(address)
