"""CloudWatch metrics per sending domain, as Powertools writes them (EMF): what one batch of
SES events came to for each domain, one EMF block per domain with the `Domain` dimension.

The function's own metrics (`functions.runtime.metrics`) are one block per invocation
without a domain; these are apart, so that each block carries its domain's dimension
only (no `service` dimension either: a domain's figures are found by the domain alone).
CloudWatch sums the blocks of a minute, so a domain's graph is its counts over time.
"""

from __future__ import annotations

from collections.abc import Mapping

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.metrics.provider.cloudwatch_emf.cloudwatch import (
    AmazonCloudWatchEMFProvider,
)

from mailman.domain.reputation import KINDS

DIMENSION = "Domain"
METRIC_NAMES: Mapping[str, str] = {
    kind: "Recipients" + "".join(part.capitalize() for part in kind.split("_")) for kind in KINDS
}
"""Each kind counted (`delivery_counts`' columns) and its metric: `sent` is
`RecipientsSent`, `hard_bounced` `RecipientsHardBounced`."""


def emit_domain_counts(counts: Mapping[str, Mapping[str, int]]) -> None:
    """Write one EMF block per domain (by name) of its non-zero counts (by kind, as
    `METRIC_NAMES` names them); a domain with nothing counted writes nothing. ValueError,
    before anything is written, for a kind that is not counted."""
    unknown = {kind for kinds in counts.values() for kind in kinds} - set(METRIC_NAMES)
    if unknown:
        raise ValueError(f"not a counted kind: {', '.join(sorted(unknown))}")
    for domain, kinds in sorted(counts.items()):
        figures = {kind: n for kind, n in kinds.items() if n}
        if not figures:
            continue
        block = AmazonCloudWatchEMFProvider(service="", default_dimensions={DIMENSION: domain})
        for kind, n in figures.items():
            block.add_metric(name=METRIC_NAMES[kind], unit=MetricUnit.Count, value=n)
        block.flush_metrics()
