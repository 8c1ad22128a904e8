"""Files a caller sends or uploads under hostile names: the name is kept and answered as given,
object keys take nothing of it but a safe extension, and the mail names the file by its last
path segment without bidi controls."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from .conftest import BUCKET
from .sending_helpers import OutboundPipeline, outbox, parsed, sent_mail

__all__ = ["outbox"]

KEY = re.compile(
    r"attachments/[0-9]{4}/[0-9]{2}/[0-9]{2}/[0-9a-f]{64}/"
    r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(\.[a-z0-9]{1,10})?"
)
UPLOAD_KEY = re.compile(
    r"attachments/uploads/[0-9]{4}/[0-9]{2}/[0-9]{2}/[0-9a-f-]{36}/"
    r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(\.[a-z0-9]{1,10})?"
)
SENT_AS = {
    "../../../etc/passwd": "passwd",
    "..\\..\\boot.ini": "boot.ini",
    "evil\u202etxt.exe": "eviltxt.exe",
    "x.${}": "x.${}",
    "x." + "a" * 200: "x." + "a" * 200,
    "Отчёт №7.pdf": "Отчёт №7.pdf",
}


def test_sent_files_keep_their_names_as_data_and_go_out_under_safe_ones(
    outbox: OutboundPipeline,
) -> None:
    answer = outbox.tenant.api.post(
        f"/inboxes/{outbox.box.support}/messages",
        {
            "to": ["jane@customer.example"],
            "text": "Files",
            "attachments": [{"filename": name, "content": "eA=="} for name in SENT_AS],
        },
    )
    assert answer.status == 202, answer.json()
    sent: dict[str, Any] = answer.json()
    outbox.run()

    assert sorted(a["filename"] for a in sent["attachments"]) == sorted(SENT_AS)
    keys = [key for (key,) in outbox.rows("SELECT storage_key FROM attachments")]
    assert len(keys) == len(SENT_AS)
    assert [k for k in keys if not KEY.fullmatch(k)] == []
    message = parsed(sent_mail()[0].raw_data)
    names = [p.get_filename() for p in message.walk() if p.get_filename()]
    assert sorted(names) == sorted(SENT_AS.values())


def test_an_upload_under_a_hostile_name_gets_a_safe_key_and_no_type_from_it(
    outbox: OutboundPipeline,
) -> None:
    upload = outbox.upload("../../data:text/html,x.${}", b"<script>")

    key = urlsplit(upload["upload_url"]).path.lstrip("/").removeprefix(f"{BUCKET}/")
    assert UPLOAD_KEY.fullmatch(key), key
    assert upload["content_type"] == "application/octet-stream"
