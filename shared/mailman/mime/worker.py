"""The isolated parser: a child process for large messages, and its wire format.

`parse_isolated` runs `python -m mailman.mime.worker '<limits as JSON>'`, which reads
one raw message on stdin and writes `to_wire(parse(...))` on stdout. Before reading
anything the worker lowers its own address-space limit (RLIMIT_AS) to
`Limits.memory_budget_bytes` and its CPU-time limit to the time budget, so a message
that would need more fails there, in that process, and not in the Lambda function that
started it; the parent also kills it at the wall-clock budget. Exit status
`EXIT_MEMORY` means it ran out of memory. docs/mime.md says why a spawned interpreter.
"""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
from dataclasses import asdict
from datetime import datetime
from typing import Any

from mailman.domain.addresses import Mailbox
from mailman.mime.model import Limits, ParsedAttachment, ParsedMail, QuarantineReason, ReplyText

EXIT_MEMORY = 3  # the worker's exit status when it ran out of its address space
_WORKER_ENV = ("PATH", "LD_LIBRARY_PATH", "LANG", "LC_ALL", "TZ")
_WIRE_MAGIC = b"MMW1"


def parse_isolated(raw: bytes, limits: Limits) -> ParsedMail | tuple[QuarantineReason, str]:
    """`raw` parsed in the worker within `limits`, or why the worker gave no answer.

    The worker parses in-process (it is the isolation) and is killed after
    `limits.time_budget_seconds` of wall-clock time. It gets no credentials: only what the
    interpreter needs to start and find our code.
    """
    command = [sys.executable, "-s", "-m", "mailman.mime.worker", json.dumps(asdict(limits))]
    env = {key: os.environ[key] for key in _WORKER_ENV if key in os.environ}
    env["PYTHONPATH"] = os.pathsep.join(entry for entry in sys.path if entry)
    with subprocess.Popen(  # noqa: S603 - this interpreter and our module; no shell, no input
        command,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    ) as child:
        try:
            out, err = child.communicate(raw, timeout=limits.time_budget_seconds)
        except subprocess.TimeoutExpired:
            child.kill()
            child.communicate()
            out, err = b"", b""
            child.returncode = -signal.SIGXCPU  # report it as the CPU limit would
    if child.returncode == 0:
        try:
            return from_wire(out)
        except (ValueError, KeyError, TypeError, IndexError):
            return QuarantineReason.PARSER_FAILED, "bad_worker_answer"
    return _worker_failure(child.returncode, err)


def _worker_failure(returncode: int, stderr: bytes) -> tuple[QuarantineReason, str]:
    """Why the worker ended without an answer: out of memory, out of time, or a crash."""
    if returncode == EXIT_MEMORY or b"memory" in stderr.lower():
        return QuarantineReason.MEMORY_BUDGET_EXCEEDED, "memory_budget: isolated parse"
    if returncode == -signal.SIGXCPU:  # killed at the wall clock, or by RLIMIT_CPU
        return QuarantineReason.TIME_BUDGET_EXCEEDED, "time_budget: isolated parse"
    return QuarantineReason.PARSER_FAILED, f"worker_exit: {returncode}"


def _mailbox_json(box: Mailbox | None) -> list[str | None] | None:
    return None if box is None else [box.name, box.address]


def to_wire(mail: ParsedMail) -> bytes:
    """ParsedMail as bytes for the worker's pipe: a JSON head, then the attachments' bytes."""
    head = {
        "message_id": mail.message_id,
        "message_id_generated": mail.message_id_generated,
        "in_reply_to": mail.in_reply_to,
        "references": list(mail.references),
        "subject": mail.subject,
        "from_": _mailbox_json(mail.from_),
        "to": [_mailbox_json(box) for box in mail.to],
        "cc": [_mailbox_json(box) for box in mail.cc],
        "reply_to": [_mailbox_json(box) for box in mail.reply_to],
        "date": mail.date.isoformat() if mail.date else None,
        "headers": [list(pair) for pair in mail.headers],
        "text": mail.text,
        "html": mail.html,
        "preview": mail.preview,
        "extracted_text": mail.extracted_text,
        "attachments": [
            {
                "filename": item.filename,
                "content_type": item.content_type,
                "size": item.size,
                "sha256": item.sha256,
                "content_id": item.content_id,
                "inline": item.inline,
            }
            for item in mail.attachments
        ],
        "defects": list(mail.defects),
        "quarantine_reason": mail.quarantine_reason,
        "raw_sha256": mail.raw_sha256,
        "size": mail.size,
    }
    encoded = json.dumps(head, ensure_ascii=True).encode("ascii")
    blobs = b"".join(item.content for item in mail.attachments)
    return _WIRE_MAGIC + len(encoded).to_bytes(8, "big") + encoded + blobs


def _mailbox(value: Any) -> Mailbox:
    name, address = value
    if not (name is None or isinstance(name, str)) or not isinstance(address, str):
        raise TypeError("mailbox")
    return Mailbox(name, address)


def _opt_str(value: Any) -> str | None:
    if value is not None and not isinstance(value, str):
        raise TypeError("string")
    return value


def from_wire(data: bytes) -> ParsedMail:
    """The inverse of `to_wire`; raises ValueError/TypeError/KeyError on anything else."""
    if not data.startswith(_WIRE_MAGIC) or len(data) < 12:
        raise ValueError("not a worker answer")
    length = int.from_bytes(data[4:12], "big")
    head = json.loads(data[12 : 12 + length])
    offset = 12 + length
    attachments = []
    for item in head["attachments"]:
        size = int(item["size"])
        content = data[offset : offset + size]
        if len(content) != size:
            raise ValueError("truncated attachment")
        offset += size
        attachments.append(
            ParsedAttachment(
                filename=_opt_str(item["filename"]),
                content_type=str(item["content_type"]),
                size=size,
                sha256=str(item["sha256"]),
                content_id=_opt_str(item["content_id"]),
                inline=bool(item["inline"]),
                content=content,
            )
        )
    reason = head["quarantine_reason"]
    date = head["date"]
    return ParsedMail(
        message_id=str(head["message_id"]),
        message_id_generated=bool(head["message_id_generated"]),
        in_reply_to=_opt_str(head["in_reply_to"]),
        references=tuple(str(ref) for ref in head["references"]),
        subject=str(head["subject"]),
        from_=None if head["from_"] is None else _mailbox(head["from_"]),
        to=tuple(_mailbox(box) for box in head["to"]),
        cc=tuple(_mailbox(box) for box in head["cc"]),
        reply_to=tuple(_mailbox(box) for box in head["reply_to"]),
        date=None if date is None else datetime.fromisoformat(str(date)),
        headers=tuple((str(name), str(value)) for name, value in head["headers"]),
        text=str(head["text"]),
        html=_opt_str(head["html"]),
        reply=ReplyText.known(str(head["extracted_text"]), str(head["preview"])),
        attachments=tuple(attachments),
        defects=tuple(str(defect) for defect in head["defects"]),
        quarantine_reason=None if reason is None else QuarantineReason(reason),
        raw_sha256=str(head["raw_sha256"]),
        size=int(head["size"]),
    )


def _limit_resources(limits: Limits) -> None:
    try:
        import resource
    except ImportError:  # not POSIX: the parent's wall-clock kill still applies
        return
    memory = limits.memory_budget_bytes
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    seconds = max(1, math.ceil(limits.time_budget_seconds))
    resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds + 1))


def main(argv: list[str]) -> int:
    """The worker process: parse the message on stdin within the limits in `argv[1]`."""
    from mailman.mime.parsing import parse  # which imports this module: import it when run

    limits = Limits(**json.loads(argv[1]))
    try:
        _limit_resources(limits)
        raw = sys.stdin.buffer.read()
        answer = to_wire(parse(raw, limits))
    except MemoryError:
        return EXIT_MEMORY
    sys.stdout.buffer.write(answer)
    sys.stdout.buffer.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
