"""DMARC aggregate reports for the tests: report values built in code, the XML a reporter
sends (RFC 7489 appendix C), its gzip and zip files, and the mail that carries them to
`dmarc-reports@<domain>`."""

from __future__ import annotations

import gzip
import io
import zipfile
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid

from mailman.domain.dmarc import (
    AggregateReport,
    AuthResult,
    FailedReport,
    FailureReason,
    PolicyPublished,
    ReadReport,
    ReportFile,
    ReportFormat,
    ReportRow,
)

DAY = timedelta(days=1)
START = datetime(2026, 11, 1, tzinfo=UTC)


def row(
    source_ip: str,
    count: int,
    *,
    dkim: str = "pass",
    spf: str = "pass",
    header_from: str = "example.com",
) -> ReportRow:
    return ReportRow(
        source_ip=source_ip,
        count=count,
        disposition="none",
        dkim_aligned=dkim,
        spf_aligned=spf,
        header_from=header_from,
        envelope_from=header_from,
        reasons=("forwarded",) if dkim == spf == "fail" else (),
        auth_results=(
            AuthResult("dkim", header_from, dkim, selector="s1"),
            AuthResult("spf", header_from, spf, scope="mfrom"),
        ),
    )


def report(
    report_id: str,
    rows: Sequence[ReportRow],
    *,
    reporter: str = "google.com",
    day: int = 0,
    policy: str = "none",
    domain: str = "example.com",
) -> AggregateReport:
    begin = START + day * DAY
    return AggregateReport(
        format=ReportFormat.RFC7489,
        reporter=reporter,
        reporter_email="noreply-dmarc-support@google.com",
        report_id=report_id,
        begin=begin,
        end=begin + DAY - timedelta(seconds=1),
        policy=PolicyPublished(domain=domain, p=policy, adkim="r", aspf="r", pct=100),
        rows=tuple(rows),
        filename=f"{reporter}!{domain}!{report_id}.xml",
    )


def report_xml(
    report_id: str,
    records: Sequence[tuple[str, int, str, str]],
    *,
    reporter: str = "google.com",
    domain: str = "example.com",
    day: int = 0,
) -> bytes:
    """An aggregate report as a reporter writes it: (source ip, count, aligned dkim, aligned
    spf) per record."""
    begin = int((START + day * DAY).timestamp())
    rows = "".join(
        f"<record><row><source_ip>{ip}</source_ip><count>{count}</count>"
        f"<policy_evaluated><disposition>none</disposition><dkim>{dkim}</dkim>"
        f"<spf>{spf}</spf></policy_evaluated></row>"
        f"<identifiers><header_from>{domain}</header_from></identifiers>"
        f"<auth_results><dkim><domain>{domain}</domain><result>{dkim}</result></dkim>"
        f"<spf><domain>{domain}</domain><result>{spf}</result></spf></auth_results></record>"
        for ip, count, dkim, spf in records
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<feedback>'
        f"<report_metadata><org_name>{reporter}</org_name>"
        f"<email>noreply-dmarc@{reporter}</email><report_id>{report_id}</report_id>"
        f"<date_range><begin>{begin}</begin><end>{begin + 86399}</end></date_range>"
        "</report_metadata>"
        f"<policy_published><domain>{domain}</domain><adkim>r</adkim><aspf>r</aspf>"
        "<p>none</p><sp>none</sp><pct>100</pct></policy_published>"
        f"{rows}</feedback>"
    ).encode()


def gzipped(xml: bytes) -> bytes:
    return gzip.compress(xml, mtime=0)


def zipped(xml: bytes, name: str = "report.xml") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, xml)
    return buffer.getvalue()


def report_mail(
    files: Sequence[tuple[str, str, bytes]],
    *,
    to: str = "dmarc-reports@example.com",
    sender: str = "noreply-dmarc-support@google.com",
    message_id: str | None = None,
) -> bytes:
    """A report mail: a short text and each (filename, content type, content) attached."""
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = to
    mail["Subject"] = f"Report domain: {to.rpartition('@')[2]} Submitter: google.com"
    mail["Message-ID"] = message_id or make_msgid(domain="google.com")
    mail["Date"] = "Sat, 21 Nov 2026 11:00:00 +0000"
    mail.set_content("This is an aggregate report from google.com.")
    for filename, content_type, content in files:
        maintype, _, subtype = content_type.partition("/")
        mail.add_attachment(content, maintype=maintype, subtype=subtype, filename=filename)
    return mail.as_bytes(policy=mail.policy.clone(linesep="\r\n"))


class FakeReader:
    """Reads a file by its content: the report registered under it, or a failure."""

    def __init__(self) -> None:
        self.reports: dict[bytes, ReadReport] = {}
        self.calls: list[list[ReportFile]] = []

    def __call__(
        self, files: Sequence[ReportFile], *, before_each: Callable[[], None] | None = None
    ) -> list[ReadReport]:
        self.calls.append(list(files))
        for _ in files:
            if before_each is not None:
                before_each()
        return [
            self.reports.get(f.content)
            or FailedReport(FailureReason.BAD_ARCHIVE, "not a gzip file", f.filename)
            for f in files
        ]
