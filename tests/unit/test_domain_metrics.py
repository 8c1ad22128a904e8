"""The functions' metrics per sending domain: one EMF block per domain, its counts under
their metric names, the `Domain` dimension alone."""

from __future__ import annotations

import json
from typing import Any

import pytest

from functions.runtime import DOMAIN_METRICS, emit_domain_counts


@pytest.fixture(autouse=True)
def _metrics_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "false")
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "Mailman")


def blocks(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    return [json.loads(line) for line in capsys.readouterr().out.splitlines() if line]


def test_each_domain_gets_a_block_of_its_own(capsys: pytest.CaptureFixture[str]) -> None:
    emit_domain_counts(
        {
            "example.com": {"sent": 10, "delivered": 8, "hard_bounced": 2},
            "example.net": {"complained": 1},
        }
    )

    found = blocks(capsys)

    assert [b["Domain"] for b in found] == ["example.com", "example.net"]
    first = found[0]
    [directive] = first["_aws"]["CloudWatchMetrics"]
    assert directive["Namespace"] == "Mailman"
    assert directive["Dimensions"] == [["Domain"]]
    assert [m["Name"] for m in directive["Metrics"]] == [
        "RecipientsSent",
        "RecipientsDelivered",
        "RecipientsHardBounced",
    ]
    assert all(m["Unit"] == "Count" for m in directive["Metrics"])
    assert (first["RecipientsSent"], first["RecipientsHardBounced"]) == ([10.0], [2.0])
    assert found[1]["RecipientsComplained"] == [1.0]


def test_every_counted_kind_has_a_metric() -> None:
    assert DOMAIN_METRICS == {
        "sent": "RecipientsSent",
        "delivered": "RecipientsDelivered",
        "hard_bounced": "RecipientsHardBounced",
        "soft_bounced": "RecipientsSoftBounced",
        "complained": "RecipientsComplained",
        "rejected": "RecipientsRejected",
        "delayed": "RecipientsDelayed",
    }


def test_nothing_counted_writes_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    emit_domain_counts({"example.com": {"sent": 0}, "example.net": {}})

    assert blocks(capsys) == []


def test_a_kind_not_counted_is_refused_before_anything_is_written(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(ValueError, match="opened"):
        emit_domain_counts({"a.example": {"sent": 1}, "b.example": {"opened": 1}})

    assert blocks(capsys) == []
