"""An aggregate report's XML read into `AggregateReport`, streaming and defused.

The XML goes through defusedxml's parser with DTDs forbidden: a DOCTYPE, an entity
declaration or an external reference refuses the file (`forbidden_xml`) before anything is
expanded. The parser feeds a target of ours chunk by chunk: each top-level section
(`report_metadata`, `policy_published`, one `record`) is turned into values when it ends
and then dropped, so memory holds one section at a time, and the record cap stops the
reading at the first record past it.

Both formats share one shape. RFC 7489 appendix C reports carry no namespace (or one of
their own, such as `http://dmarc.org/dmarc-xml/0.1`); DMARCbis reports are in
`urn:ietf:params:xml:ns:dmarc-2.0`, which is how they are told apart. Elements are matched
by local name, so a namespace on the root or not makes no difference; unknown elements
(extensions, `human_result`, `generator`) are skipped.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from xml.etree.ElementTree import Element, ParseError, TreeBuilder

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

from mailman.dmarc.model import Limits, Refused
from mailman.domain.dmarc import (
    AggregateReport,
    AuthResult,
    FailureReason,
    PolicyPublished,
    ReportFormat,
    ReportRow,
)

DMARCBIS_NAMESPACE = "urn:ietf:params:xml:ns:dmarc-2.0"
_COUNT = re.compile(r"[0-9]{1,19}")
_MAX_COUNT = 2**63 - 1
_SECTIONS = ("report_metadata", "policy_published", "record")


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _not_a_report(detail: str) -> Refused:
    return Refused(FailureReason.NOT_A_REPORT, detail)


class _Section:
    """Typed reads of one element's children, naming the element's path when refusing."""

    def __init__(self, element: Element, path: str, limits: Limits) -> None:
        self.element = element
        self.path = path
        self.limits = limits
        self._children: dict[str, list[Element]] | None = None

    def all(self, name: str) -> list[_Section]:
        if self._children is None:
            self._children = {}
            for child in self.element:
                self._children.setdefault(_local(child.tag), []).append(child)
        path = f"{self.path}/{name}"
        return [_Section(child, path, self.limits) for child in self._children.get(name, ())]

    def one(self, name: str) -> _Section:
        found = self.all(name)
        if not found:
            raise _not_a_report(f"no {self.path}/{name}")
        return found[0]

    def maybe(self, name: str) -> _Section | None:
        found = self.all(name)
        return found[0] if found else None

    def value(self) -> str:
        text = (self.element.text or "").strip()
        if len(text) > self.limits.max_text_chars:
            raise _not_a_report(f"{self.path} is longer than {self.limits.max_text_chars}")
        return text

    def text(self, name: str) -> str:
        """A required value: present and not empty."""
        value = self.one(name).value()
        if not value:
            raise _not_a_report(f"{self.path}/{name} is empty")
        return value

    def optional(self, name: str) -> str | None:
        """An optional value: absent or empty answers None."""
        child = self.maybe(name)
        return (child.value() or None) if child is not None else None

    def lower(self, name: str) -> str:
        return self.text(name).lower()

    def optional_lower(self, name: str) -> str | None:
        value = self.optional(name)
        return value.lower() if value is not None else None

    def integer(self, name: str) -> int:
        value = self.text(name)
        if not _COUNT.fullmatch(value) or int(value) > _MAX_COUNT:
            raise _not_a_report(f"{self.path}/{name} is not a non-negative integer: {value!r}")
        return int(value)

    def timestamp(self, name: str) -> datetime:
        seconds = self.integer(name)
        try:
            return datetime.fromtimestamp(seconds, tz=UTC)
        except (OverflowError, OSError, ValueError) as exc:
            raise _not_a_report(f"{self.path}/{name} is not a date: {seconds}") from exc


@dataclass(frozen=True)
class _Metadata:
    reporter: str
    reporter_email: str | None
    report_id: str
    begin: datetime
    end: datetime
    extra_contact: str | None
    errors: tuple[str, ...]


def _metadata(section: _Section) -> _Metadata:
    dates = section.one("date_range")
    begin, end = dates.timestamp("begin"), dates.timestamp("end")
    if begin > end:
        raise _not_a_report(f"{dates.path} begins after it ends")
    return _Metadata(
        reporter=section.text("org_name"),
        reporter_email=section.optional("email"),
        report_id=section.text("report_id"),
        begin=begin,
        end=end,
        extra_contact=section.optional("extra_contact_info"),
        errors=tuple(error.value() for error in section.all("error") if error.value()),
    )


def _percent(section: _Section) -> int | None:
    if section.optional("pct") is None:
        return None
    pct = section.integer("pct")
    if pct > 100:
        raise _not_a_report(f"{section.path}/pct is over 100: {pct}")
    return pct


def _policy(section: _Section) -> PolicyPublished:
    return PolicyPublished(
        domain=section.lower("domain"),
        p=section.optional_lower("p"),
        sp=section.optional_lower("sp"),
        np=section.optional_lower("np"),
        adkim=section.optional_lower("adkim"),
        aspf=section.optional_lower("aspf"),
        pct=_percent(section),
        testing=section.optional_lower("testing"),
        fo=section.optional("fo"),
        discovery_method=section.optional_lower("discovery_method"),
    )


def _source_ip(row: _Section) -> str:
    value = row.text("source_ip")
    try:
        return str(ipaddress.ip_address(value))
    except ValueError as exc:
        raise _not_a_report(f"{row.path}/source_ip is not an IP address: {value!r}") from exc


def _auth_results(record: _Section) -> tuple[AuthResult, ...]:
    results = record.maybe("auth_results")
    if results is None:
        return ()
    dkim = [
        AuthResult(
            method="dkim",
            domain=one.lower("domain"),
            result=one.lower("result"),
            selector=one.optional("selector"),
        )
        for one in results.all("dkim")
    ]
    spf = [
        AuthResult(
            method="spf",
            domain=one.lower("domain"),
            result=one.lower("result"),
            scope=one.optional_lower("scope"),
        )
        for one in results.all("spf")
    ]
    return (*dkim, *spf)


def _row(record: _Section) -> ReportRow:
    row = record.one("row")
    evaluated = row.one("policy_evaluated")
    identifiers = record.one("identifiers")
    return ReportRow(
        source_ip=_source_ip(row),
        count=row.integer("count"),
        disposition=evaluated.lower("disposition"),
        dkim_aligned=evaluated.lower("dkim"),
        spf_aligned=evaluated.lower("spf"),
        header_from=identifiers.lower("header_from"),
        envelope_from=identifiers.optional_lower("envelope_from"),
        envelope_to=identifiers.optional_lower("envelope_to"),
        reasons=tuple(
            kind for reason in evaluated.all("reason") if (kind := reason.optional_lower("type"))
        ),
        auth_results=_auth_results(record),
    )


class _Reader:
    """The parser's target: builds one top-level section at a time with a tree builder,
    guarding depth and section size as elements open, and reads each section as it closes.
    """

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.builder = TreeBuilder()
        self.root: Element | None = None
        self.depth = 0
        self.section_elements = 0
        self.elements = 0
        self.text_run = 0
        self.metadata: _Metadata | None = None
        self.policy: PolicyPublished | None = None
        self.rows: list[ReportRow] = []

    def start(self, tag: str, attributes: dict[str, str]) -> Element:
        self.depth += 1
        self.elements += 1
        self.text_run = 0
        if self.elements > self.limits.max_elements:
            raise Refused(FailureReason.TOO_LARGE, f"more than {self.limits.max_elements} elements")
        if self.depth > self.limits.max_depth:
            raise _not_a_report(f"elements nested deeper than {self.limits.max_depth}")
        if self.root is None:
            if _local(tag) != "feedback":
                raise _not_a_report(f"the root element is <{_local(tag)}>, not <feedback>")
            self.root = self.builder.start(tag, {})
            return self.root
        self.section_elements += 1
        if self.section_elements > self.limits.max_section_elements:
            raise _not_a_report(
                f"a section holds more than {self.limits.max_section_elements} elements"
            )
        return self.builder.start(tag, {})

    def data(self, text: str) -> None:
        self.text_run += len(text)
        if self.text_run > self.limits.max_text_run:
            raise _not_a_report(f"a text of more than {self.limits.max_text_run} characters")
        self.builder.data(text)

    def end(self, tag: str) -> Element:
        self.text_run = 0
        element = self.builder.end(tag)
        self.depth -= 1
        if self.depth == 1 and self.root is not None:
            name = _local(tag)
            if name in _SECTIONS:
                self._section(name, element)
            self.root.clear()
            self.section_elements = 0
        return element

    def close(self) -> None:
        """The document ended (the parser checked it was well-formed)."""

    def _section(self, name: str, element: Element) -> None:
        if name == "record":
            if len(self.rows) >= self.limits.max_records:
                raise Refused(
                    FailureReason.TOO_MANY_RECORDS,
                    f"more than {self.limits.max_records} records",
                )
            self.rows.append(_row(_Section(element, f"record {len(self.rows) + 1}", self.limits)))
        elif name == "report_metadata" and self.metadata is None:
            self.metadata = _metadata(_Section(element, name, self.limits))
        elif name == "policy_published" and self.policy is None:
            self.policy = _policy(_Section(element, name, self.limits))
        else:
            raise _not_a_report(f"more than one {name}")

    def report(self, filename: str | None) -> AggregateReport:
        if self.metadata is None:
            raise _not_a_report("no report_metadata")
        if self.policy is None:
            raise _not_a_report("no policy_published")
        root_tag = self.root.tag if self.root is not None else ""
        bis = root_tag.startswith(f"{{{DMARCBIS_NAMESPACE}}}")
        meta = self.metadata
        return AggregateReport(
            format=ReportFormat.DMARCBIS if bis else ReportFormat.RFC7489,
            reporter=meta.reporter,
            reporter_email=meta.reporter_email,
            report_id=meta.report_id,
            begin=meta.begin,
            end=meta.end,
            policy=self.policy,
            rows=tuple(self.rows),
            extra_contact=meta.extra_contact,
            errors=meta.errors,
            filename=filename,
        )


def read_xml(chunks: Iterator[bytes], limits: Limits, filename: str | None) -> AggregateReport:
    """The report the XML in `chunks` holds; raises `Refused` saying why it holds none."""
    reader = _Reader(limits)
    parser = DefusedXMLParser(target=reader, forbid_dtd=True)
    try:
        for chunk in chunks:
            parser.feed(chunk)
        parser.close()
    except DefusedXmlException as exc:
        raise Refused(FailureReason.FORBIDDEN_XML, str(exc)) from exc
    except ParseError as exc:
        raise Refused(FailureReason.NOT_XML, f"not well-formed XML: {exc}") from exc
    return reader.report(filename)
