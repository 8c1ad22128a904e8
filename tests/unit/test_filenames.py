"""Attachment names are data: what reaches an object key, a media type guess and a download
header is derived from them under strict rules, whatever the sender or caller wrote."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime

import pytest

from mailman.domain.filenames import content_disposition, download_name
from mailman.domain.inbound import attachment_key, content_type_of, file_extension

KEY = re.compile(
    r"attachments/[0-9]{4}/[0-9]{2}/[0-9]{2}/[0-9a-f]{64}/"
    r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(\.[a-z0-9]{1,10})?"
)

HOSTILE_NAMES = [
    ("../../../etc/passwd", ".png"),
    ("a.b/../../x", ".png"),
    ("evil\u202etxt.exe", ".exe"),
    ("noext", ".png"),
    ("x.ABC", ".abc"),
    ("x.tar.gz", ".gz"),
    ("x.", ".png"),
    (".bashrc", ".png"),
    ("x.${}", ".png"),
    ("x." + "a" * 300, ".png"),
    ("x.12345678901", ".png"),
    ("x.1234567890", ".1234567890"),
    ("nul\x00.pdf", ".pdf"),
    ("x.p\x00df", ".png"),
    ("..\\..\\windows\\win.ini", ".ini"),
    ("a.b\\c", ".png"),
    ("x.pdf/", ".png"),
    ("x.pdf ", ".png"),
    ("x.\u212a", ".png"),  # KELVIN SIGN, which lower() turns into an ASCII k
    ("x.\u0661\u0662", ".png"),  # Arabic-Indic digits
]


@pytest.mark.parametrize(("name", "extension"), HOSTILE_NAMES)
def test_an_object_key_takes_only_a_safe_extension_from_a_name(name: str, extension: str) -> None:
    when = datetime(2026, 11, 21, tzinfo=UTC)

    ext = file_extension(name, "image/png")
    key = attachment_key("<m1@elsewhere.example>", when, str(uuid.uuid4()), ext)

    assert ext == extension
    assert KEY.fullmatch(key), key


def test_without_a_usable_name_or_known_type_a_key_has_no_extension() -> None:
    assert file_extension(None, "application/pdf") == ".pdf"
    assert file_extension("../x", "application/x-unheard-of") == ""
    assert file_extension("x.${}", "x/../../y") == ""


def test_a_key_refuses_an_extension_that_is_not_safe() -> None:
    when = datetime(2026, 11, 21, tzinfo=UTC)

    with pytest.raises(ValueError, match="extension"):
        attachment_key("<m1@x>", when, str(uuid.uuid4()), "./../../etc/passw")


@pytest.mark.parametrize(
    ("name", "content_type"),
    [
        ("x.PDF", "application/pdf"),
        ("scans/page.png", "image/png"),
        ("data:text/html,evil", "application/octet-stream"),
        ("page.html/..", "application/octet-stream"),
        ("noext", "application/octet-stream"),
    ],
)
def test_the_media_type_is_guessed_from_the_safe_extension_alone(
    name: str, content_type: str
) -> None:
    assert content_type_of(name) == content_type


@pytest.mark.parametrize(
    ("name", "header"),
    [
        (None, "attachment"),
        ("report.pdf", "attachment; filename=\"report.pdf\"; filename*=UTF-8''report.pdf"),
        (
            "résumé.pdf",
            "attachment; filename=\"resume.pdf\"; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf",
        ),
        (
            "файл.pdf",
            'attachment; filename="attachment.pdf"; '
            "filename*=UTF-8''%D1%84%D0%B0%D0%B9%D0%BB.pdf",
        ),
        (
            'say "hi" 100%.txt',
            'attachment; filename="say _hi_ 100.txt"; '
            "filename*=UTF-8''say%20%22hi%22%20100%25.txt",
        ),
        ("../../../etc/passwd", "attachment; filename=\"passwd\"; filename*=UTF-8''passwd"),
        ("C:\\Users\\me\\a;b.txt", "attachment; filename=\"a_b.txt\"; filename*=UTF-8''a%3Bb.txt"),
        ("evil\u202etxt.exe", "attachment; filename=\"eviltxt.exe\"; filename*=UTF-8''eviltxt.exe"),
        (
            "line\r\nbreak\x00\t.txt",
            "attachment; filename=\"linebreak.txt\"; filename*=UTF-8''linebreak.txt",
        ),
        ("\u2066/..", "attachment; filename=\"attachment\"; filename*=UTF-8''attachment"),
        (".bashrc", "attachment; filename=\"bashrc\"; filename*=UTF-8''bashrc"),
    ],
)
def test_a_download_is_named_per_rfc_6266_with_an_ascii_fallback(
    name: str | None, header: str
) -> None:
    assert content_disposition(name) == header


FALLBACK = re.compile(r'attachment; filename="([^"]*)"; filename\*=UTF-8\'\'([^\s;]*)')
BIDI = [chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C)]


@pytest.mark.parametrize(
    "name",
    [
        "",
        "日本語.docx",
        "\u202etxt.exe",
        "".join(BIDI) + "x",
        '"\\"',
        "a/b\\c\"d'e%41f;g:h*i?j<k>l|m.txt",
        "\x00\x01\x1f\x7f\x85",
        "😀 party.jpg",
        "x" * 400 + ".pdf",
        "é" * 400,
    ],
)
def test_the_fallback_is_plain_ascii_never_empty_and_neither_form_has_bidi_controls(
    name: str,
) -> None:
    header = content_disposition(name)

    match = FALLBACK.fullmatch(header)
    assert match, header
    fallback, encoded = match.groups()
    assert re.fullmatch(r"[A-Za-z0-9 !#$&'()+\-.=@\[\]^_`{}~]+", fallback)
    assert re.search("[A-Za-z0-9]", fallback)
    assert re.fullmatch(r"[A-Za-z0-9!#$&+\-.^_`|~%]+", encoded)
    assert not any(c in download_name(name) for c in BIDI)


def test_a_long_name_is_cut_to_255_bytes_keeping_its_extension() -> None:
    name = download_name("é" * 400 + ".PDF")

    assert name.endswith("é.PDF")
    assert len(name.encode()) <= 255
    assert len(name.encode()) >= 253
