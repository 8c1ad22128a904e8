"""Parsing benchmark: `mailman.mime.parse` against fast-mail-parser and the stdlib `email`.

    .venv/bin/python bench/parse.py [--messages 2000] [--timeout 60]

Generates, deterministically, everyday mail of 5-50 KB (replies with quoted
history, multipart/alternative newsletters, mail with PDF/PNG attachments,
ISO-8859-1 and KOI8-R bodies) and the hostile corpus of issue 5, then prints
markdown tables: messages/s, p50/p99 per message and peak memory for each parser
on everyday mail; time, peak memory and outcome per hostile case; and
`mailman.mime.parse` on the worst inputs that still pass its limits (what the
in-process path must bound without a child process).

Every measurement runs in a child process of its own, so "peak MB" is how far that
process's resident memory rose above where it stood once the messages were loaded
(Linux VmHWM after resetting it; it sees the Rust parser's memory, which tracemalloc
would not), and a parser that runs away is killed at `--timeout`. For the isolated
path the worker's memory is its own process and is not included. Nothing here
asserts on time: the numbers are for people.

The hostile generators (`hostile_message`, `nested_parts`, `sibling_parts`) are shared
with tests/unit/test_mime_hostile.py, and `quantile` and `cpu_model` with the other
benches.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import json
import os
import platform
import quopri
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from importlib.metadata import version
from pathlib import Path
from typing import Any

# --- parsers ------------------------------------------------------------------------------


def _mailman(raw: bytes) -> str:
    from mailman.mime import parse

    mail = parse(raw)
    return f"quarantined: {mail.quarantine_reason}" if mail.quarantine_reason else "parsed"


def _fmp_flat(raw: bytes) -> str:
    import fast_mail_parser

    mail = fast_mail_parser.parse_email(raw)
    _ = (mail.subject, mail.to, mail.from_, mail.text_plain, mail.text_html, mail.headers)
    return "parsed"


def _fmp_tree(raw: bytes) -> str:
    import fast_mail_parser

    tree = fast_mail_parser.parse_email_tree(raw, mode="lazy")
    for node in fast_mail_parser.walk(tree):
        _ = node.content
    return "parsed"


def _stdlib_default(raw: bytes) -> str:
    from email import message_from_bytes, policy
    from email.message import EmailMessage

    message = message_from_bytes(raw, policy=policy.default)
    assert isinstance(message, EmailMessage)
    _ = (str(message["subject"]), str(message["to"]), str(message["from"]))
    body = message.get_body(preferencelist=("plain", "html"))
    if body is not None:
        body.get_content()
    for attachment in message.iter_attachments():
        attachment.get_content()
    return "parsed"


def _stdlib_compat32(raw: bytes) -> str:
    from email import message_from_bytes

    message = message_from_bytes(raw)
    _ = (message["subject"], message["to"], message["from"])
    for part in message.walk():
        part.get_payload(decode=True)
    return "parsed"


PARSERS: dict[str, Callable[[bytes], str]] = {
    "mailman.mime.parse": _mailman,
    "fast-mail-parser parse_email": _fmp_flat,
    "fast-mail-parser tree (lazy)": _fmp_tree,
    "email policy.default": _stdlib_default,
    "email compat32": _stdlib_compat32,
}

# --- everyday mail ------------------------------------------------------------------------

_WORDS = (
    "the", "project", "review", "budget", "meeting", "thursday", "numbers", "quarter", "team",
    "please", "attached", "report", "contract", "delivery", "schedule", "update", "thanks",
    "question", "customer", "invoice", "server", "migration", "backup", "plan", "release",
    "draft", "version", "comments", "agreed", "next", "week", "friday", "call",
)  # fmt: skip
_NAMES = ["Jane Doe", "John Smith", "Anna Müller", "Tomás Ruiz", "Priya Patel", "Li Wei"]


def _sentence(rng: random.Random) -> str:
    words = rng.choices(_WORDS, k=rng.randint(6, 16))
    return " ".join(words).capitalize() + "."


def _paragraphs(rng: random.Random, size: int) -> str:
    out: list[str] = []
    total = 0
    while total < size:
        para = " ".join(_sentence(rng) for _ in range(rng.randint(2, 5)))
        out.append(para)
        total += len(para) + 2
    return "\n\n".join(out)


def _headers(rng: random.Random, index: int, extra: str) -> str:
    sender, recipient = rng.sample(_NAMES, 2)
    hops = "".join(
        f"Received: from mx{hop}.example.net (mx{hop}.example.net [198.51.100.{hop}])\r\n"
        f"\tby inbound-smtp.us-east-1.amazonaws.com with SMTP id {index:08x}{hop}\r\n"
        f"\tfor <inbox@example.org>; Tue, 03 Nov 2026 10:4{hop}:00 +0000\r\n"
        for hop in range(rng.randint(2, 4))
    )
    signature = base64.b64encode(rng.randbytes(256)).decode()
    return (
        f"Return-Path: <bounce-{index}@example.net>\r\n{hops}"
        "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.net; s=s1;\r\n"
        "\th=from:to:subject:date:message-id; bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=;\r\n"
        f"\tb={signature}\r\n"
        f"From: {sender} <{sender.split()[0].lower()}@example.net>\r\n"
        f"To: {recipient} <{recipient.split()[0].lower()}@example.org>\r\n"
        f"Subject: Re: {_sentence(rng)[:60]}\r\n"
        f"Date: Tue, 3 Nov 2026 10:{index % 60:02d}:00 +0100\r\n"
        f"Message-ID: <bench-{index}@example.net>\r\n"
        f"In-Reply-To: <bench-{index - 1}@example.org>\r\n"
        f"References: <bench-root@example.org> <bench-{index - 1}@example.org>\r\n"
        f"MIME-Version: 1.0\r\n{extra}"
    )


def _reply(rng: random.Random, index: int, size: int) -> bytes:
    new = _paragraphs(rng, size // 3)
    old = _paragraphs(rng, size - size // 3)
    quoted = "\n".join("> " + line for line in old.split("\n"))
    body = f"{new}\n\nOn Mon, Nov 2, 2026 at 9:00 AM Jane Doe <jane@example.org> wrote:\n{quoted}\n"
    head = _headers(rng, index, "Content-Type: text/plain; charset=utf-8\r\n")
    return (head + "\r\n" + body.replace("\n", "\r\n")).encode()


def _alternative(rng: random.Random, index: int, size: int) -> bytes:
    text = _paragraphs(rng, size // 3)
    html = "".join(
        f'<tr><td style="padding:8px;font-family:Arial"><p>{para}</p></td></tr>'
        for para in _paragraphs(rng, size * 2 // 3).split("\n\n")
    )
    style = "<style>td{color:#333}</style>"
    html = f"<html><head>{style}</head><body><table>{html}</table></body></html>"
    head = _headers(rng, index, 'Content-Type: multipart/alternative; boundary="alt"\r\n')
    body = (
        "--alt\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        f"{text}\r\n--alt\r\nContent-Type: text/html; charset=utf-8\r\n"
        "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
        f"{quopri.encodestring(html.encode()).decode()}\r\n--alt--\r\n"
    )
    return (head + "\r\n" + body).encode()


def _with_attachments(rng: random.Random, index: int, size: int) -> bytes:
    text = _paragraphs(rng, 1500)
    parts = [f"--mix\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{text}\r\n"]
    for number in range(rng.randint(1, 2)):
        kind, ext = rng.choice([("application/pdf", "pdf"), ("image/png", "png")])
        payload = base64.encodebytes(rng.randbytes(max(1000, (size - 3000) // 2 * 3 // 4)))
        parts.append(
            f'--mix\r\nContent-Type: {kind}; name="file{number}.{ext}"\r\n'
            f'Content-Disposition: attachment; filename="file{number}.{ext}"\r\n'
            "Content-Transfer-Encoding: base64\r\n\r\n"
            f"{payload.decode().replace(chr(10), chr(13) + chr(10))}"
        )
    head = _headers(rng, index, 'Content-Type: multipart/mixed; boundary="mix"\r\n')
    return (head + "\r\n" + "".join(parts) + "--mix--\r\n").encode()


def _legacy_charset(rng: random.Random, index: int, size: int) -> bytes:
    if rng.random() < 0.5:
        text = _paragraphs(rng, size).replace("the", "für").replace("team", "Grüße")
        head = _headers(
            rng,
            index,
            "Content-Type: text/plain; charset=iso-8859-1\r\n"
            "Content-Transfer-Encoding: quoted-printable\r\n",
        )
        return head.encode() + b"\r\n" + quopri.encodestring(text.encode("iso-8859-1"))
    text = _paragraphs(rng, size).replace("the", "счёт").replace("team", "Привет")
    head = _headers(rng, index, "Content-Type: text/plain; charset=koi8-r\r\n")
    return head.encode() + b"\r\n" + text.encode("koi8-r")


def everyday(count: int, seed: int = 5) -> list[bytes]:
    """`count` messages of 5-50 KB: 35% replies, 30% HTML newsletters, 25% attachments."""
    rng = random.Random(seed)
    makers = [_reply] * 35 + [_alternative] * 30 + [_with_attachments] * 25 + [_legacy_charset] * 10
    return [rng.choice(makers)(rng, index, rng.randint(4_000, 46_000)) for index in range(count)]


# --- hostile mail -------------------------------------------------------------------------


def hostile_message(headers: bytes = b"", body: bytes = b"hello\r\n") -> bytes:
    """A message from Mallory with From, Subject, Message-ID and Date, then `headers`."""
    return (
        b"From: Mallory <mallory@example.net>\r\nSubject: hostile\r\n"
        b"Message-ID: <hostile@example.net>\r\nDate: Sat, 21 Nov 2026 10:00:00 +0000\r\n"
        + headers
        + b"\r\n"
        + body
    )


def nested_parts(depth: int) -> bytes:
    """multipart/mixed nested `depth` deep, text/plain "inner" at the bottom."""
    opening = b"".join(
        b'--=_%d_=\r\nContent-Type: multipart/mixed; boundary="=_%d_="\r\n\r\n' % (i - 1, i)
        for i in range(1, depth)
    )
    last = depth - 1
    inner = b"--=_%d_=\r\nContent-Type: text/plain\r\n\r\ninner\r\n--=_%d_=--\r\n" % (last, last)
    closing = b"".join(b"--=_%d_=--\r\n" % i for i in range(depth - 2, -1, -1))
    return hostile_message(
        b'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="=_0_="\r\n',
        opening + inner + closing,
    )


def sibling_parts(count: int) -> bytes:
    """One multipart/mixed holding `count` text/plain parts."""
    body = b"".join(b"--s\r\nContent-Type: text/plain\r\n\r\npart %d\r\n" % i for i in range(count))
    return hostile_message(
        b'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="s"\r\n', body + b"--s--\r\n"
    )


def _big_attachment(megabytes: int) -> bytes:
    payload = base64.encodebytes(random.Random(1).randbytes(megabytes * 1024 * 1024 * 3 // 4))
    return hostile_message(
        b'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="m"\r\n',
        b"--m\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n--m\r\n"
        b"Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        + payload
        + b"\r\n--m--\r\n",
    )


HOSTILE: dict[str, Callable[[], bytes]] = {
    "32 KB Content-Type of semicolons": lambda: hostile_message(
        b"Content-Type: text/plain" + b";" * 32_768 + b"\r\n"
    ),
    "To: of 20,000 addresses": lambda: hostile_message(
        b"To: " + b", ".join(b"user%d@example.com" % i for i in range(20_000)) + b"\r\n"
    ),
    # The long Subject goes after the other fields: those before an overlong one are read.
    "Subject of 10,000 encoded words": lambda: hostile_message(
        b"Subject: " + b" ".join(b"=?utf-8?q?abc?=" for _ in range(10_000)) + b"\r\n"
    ).replace(b"Subject: hostile\r\n", b"", 1),
    "1,000 nested parts": lambda: nested_parts(1_000),
    "50,000 sibling parts": lambda: sibling_parts(50_000),
    "100,000 header fields": lambda: hostile_message(
        b"".join(b"X-H%d: v\r\n" % i for i in range(100_000))
    ),
    "10 MB header": lambda: hostile_message(b"X-Big: " + b"a" * (10 * 1024 * 1024) + b"\r\n"),
}

# Inputs that pass every limit and are as expensive as possible for the in-process path.
WITHIN_LIMITS: dict[str, Callable[[], bytes]] = {
    "60 KB Content-Type of semicolons": lambda: hostile_message(
        b"Content-Type: text/plain" + b";" * 60_000 + b"\r\n"
    ),
    "To: of 3,000 addresses (60 KB)": lambda: hostile_message(
        b"To: " + b", ".join(b"user%d@example.com" % i for i in range(3_000)) + b"\r\n"
    ),
    "1,000 header fields": lambda: hostile_message(  # 996 + From, Subject, Message-ID, Date
        b"".join(b"X-H%d: v\r\n" % i for i in range(996))
    ),
    "nesting 50 deep": lambda: nested_parts(50),
    "998 sibling parts": lambda: sibling_parts(998),
    "1 MB of HTML tags": lambda: hostile_message(
        b"Content-Type: text/html\r\n", b"<div><b>x</b><br>" * 61_000
    ),
    "1 MB of unclosed <!-- in HTML": lambda: hostile_message(
        b"Content-Type: text/html\r\n", b"<!--a" * 209_000
    ),
    "1 MB of quote and attribution lines": lambda: hostile_message(
        b"Content-Type: text/plain\r\n",
        b"On 1 Jan 2026, a@b wrote:\r\n> quoted\r\nFrom: x\r\n" * 22_000,
    ),
    "1 MB of '--' signature lines": lambda: hostile_message(
        b"Content-Type: text/plain\r\n", b"--\r\n" * 261_000
    ),
    "40 MB message, one attachment (isolated)": lambda: _big_attachment(39),
}

# --- measuring ----------------------------------------------------------------------------


def quantile(values: Iterable[float], q: float) -> float:
    """The value at fraction `q` of `values` sorted (by index, no interpolation)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def cpu_model() -> str:
    """The CPU's model name from /proc/cpuinfo, else what `platform` knows."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _status_mb(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _reset_peak() -> float:
    """Restart the peak-RSS mark (Linux: clear_refs 5) and answer the RSS now, in MB."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")
    return _status_mb("VmRSS")


def _worker(parser: str, corpus: Path) -> dict[str, Any]:
    messages: list[bytes] = []
    with corpus.open("rb") as stream:  # one message at a time: no copy of the whole corpus
        while header := stream.read(8):
            messages.append(stream.read(int.from_bytes(header, "big")))
    function = PARSERS[parser]
    function(b"From: warm@example.net\r\nSubject: up\r\n\r\nwarm up\r\n")
    baseline = _reset_peak()
    times: list[float] = []
    outcome = ""
    started = time.perf_counter()
    for raw in messages:
        begin = time.perf_counter()
        try:
            outcome = function(raw)
        except Exception as exc:  # the stdlib's failures are the point of the comparison
            outcome = f"error: {type(exc).__name__}"
        times.append(time.perf_counter() - begin)
    total = time.perf_counter() - started
    return {
        "count": len(times),
        "total_s": total,
        "p50_ms": quantile(times, 0.5) * 1000,
        "p99_ms": quantile(times, 0.99) * 1000,
        "peak_mb": max(0.0, _status_mb("VmHWM") - baseline),
        "worker_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
        "outcome": outcome,
    }


def _measure(parser: str, messages: list[bytes], timeout: float) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        corpus = Path(folder) / "corpus.bin"
        corpus.write_bytes(b"".join(len(m).to_bytes(8, "big") + m for m in messages))
        command = [sys.executable, __file__, "--worker", parser, str(corpus)]
        try:
            done = subprocess.run(  # noqa: S603 - this script, this interpreter
                command, capture_output=True, timeout=timeout, check=False
            )
        except subprocess.TimeoutExpired:
            return {"outcome": f"killed after {timeout:.0f} s", "total_s": None}
        if done.returncode != 0:
            tail = done.stderr.decode(errors="replace").strip().splitlines()[-1:]
            return {"outcome": f"crashed: {' '.join(tail)[:60]}", "total_s": None}
        result: dict[str, Any] = json.loads(done.stdout)
        return result


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    options.add_argument("--messages", type=int, default=2_000)
    options.add_argument("--timeout", type=float, default=60.0)
    options.add_argument("--worker", nargs=2, metavar=("PARSER", "CORPUS"))
    args = options.parse_args()
    if args.worker:
        print(json.dumps(_worker(args.worker[0], Path(args.worker[1]))))
        return

    print(
        f"Machine: {os.cpu_count()} CPUs ({cpu_model()}), Python {platform.python_version()}, "
        f"fast-mail-parser {version('fast-mail-parser')}\n"
    )
    corpus = everyday(args.messages)
    sizes = sorted(len(m) for m in corpus)
    print(
        f"Everyday mail: {len(corpus)} messages, {sizes[0] / 1024:.0f}-{sizes[-1] / 1024:.0f} KB "
        f"(median {sizes[len(sizes) // 2] / 1024:.0f} KB), one process, one message at a time.\n"
    )
    print("| parser | messages/s | p50 ms | p99 ms | peak MB |")
    print("|---|---:|---:|---:|---:|")
    for parser in PARSERS:
        got = _measure(parser, corpus, args.timeout * 10)
        if got.get("total_s") is None:
            print(f"| {parser} | {got['outcome']} | | | |")
            continue
        rate = got["count"] / got["total_s"]
        print(
            f"| {parser} | {rate:,.0f} | {got['p50_ms']:.2f} | {got['p99_ms']:.2f} "
            f"| {got['peak_mb']:.0f} |"
        )

    print("\nHostile mail: one message per run; time, growth of peak RSS, outcome.\n")
    print("| case | size | " + " | ".join(PARSERS) + " |")
    print("|---|---:|" + "---|" * len(PARSERS))
    for name, make in HOSTILE.items():
        raw = make()
        cells = []
        for parser in PARSERS:
            got = _measure(parser, [raw], args.timeout)
            if got.get("total_s") is None:
                cells.append(got["outcome"])
            else:
                cells.append(
                    f"{got['total_s'] * 1000:,.0f} ms, {got['peak_mb']:.0f} MB: {got['outcome']}"
                )
        print(f"| {name} | {len(raw) / 1024:,.0f} KB | " + " | ".join(cells) + " |")

    print(
        "\nmailman.mime.parse on the worst inputs that pass the default limits"
        " (in-process up to 1 MiB).\n"
    )
    print("| case | size | time | peak MB | worker peak MB | outcome |")
    print("|---|---:|---:|---:|---:|---|")
    for name, make in WITHIN_LIMITS.items():
        raw = make()
        got = _measure("mailman.mime.parse", [raw], args.timeout)
        if got.get("total_s") is None:
            print(f"| {name} | {len(raw) / 1024:,.0f} KB | | | | {got['outcome']} |")
            continue
        worker = f"{got['worker_mb']:.0f}" if got["worker_mb"] else "-"
        print(
            f"| {name} | {len(raw) / 1024:,.0f} KB | {got['total_s'] * 1000:,.1f} ms "
            f"| {got['peak_mb']:.0f} | {worker} | {got['outcome']} |"
        )


if __name__ == "__main__":
    main()
