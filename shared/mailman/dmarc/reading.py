"""`read_reports`: every report candidate of a report mail answers one report, read or
failed; nothing in a file escapes as an exception."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from mailman.dmarc.archives import Kind, candidate_kind, unpack
from mailman.dmarc.model import DEFAULT_LIMITS, MAX_DETAIL_CHARS, Limits, Refused
from mailman.dmarc.report import read_xml
from mailman.domain.dmarc import FailedReport, FailureReason, ReadReport, ReportFile


def read_reports(
    files: Sequence[ReportFile],
    limits: Limits = DEFAULT_LIMITS,
    *,
    before_each: Callable[[], None] | None = None,
) -> list[ReadReport]:
    """One `AggregateReport` or `FailedReport` per report candidate of `files`, in order.

    Files that are no candidate (a text body, an image: see `archives.candidate_kind`) are
    skipped: they answer nothing. Candidates past `limits.max_report_files` are not read:
    together they answer one `too_many_files` failure, named by the first of them.
    `before_each` is called before each candidate is read: what it raises (the caller's time
    running out) stops the reading and reaches the caller.
    """
    candidates = [(file, kind) for file in files if (kind := candidate_kind(file)) is not None]
    kept = limits.max_report_files
    read = []
    for file, kind in candidates[:kept]:
        if before_each is not None:
            before_each()
        read.append(read_report(file, kind, limits))
    if len(candidates) > kept:
        detail = f"the mail carries {len(candidates)} report files; {kept} are read"
        read.append(
            FailedReport(FailureReason.TOO_MANY_FILES, detail, candidates[kept][0].filename)
        )
    return read


def read_report(file: ReportFile, kind: Kind, limits: Limits = DEFAULT_LIMITS) -> ReadReport:
    """The report `file` holds, read as `kind` says (its first bytes may overrule)."""
    try:
        return read_xml(unpack(file.content, kind, limits), limits, file.filename)
    except Refused as refusal:
        return FailedReport(refusal.reason, _shortened(refusal.detail), file.filename)


def _shortened(detail: str) -> str:
    if len(detail) <= MAX_DETAIL_CHARS:
        return detail
    return detail[: MAX_DETAIL_CHARS - 1] + "…"
