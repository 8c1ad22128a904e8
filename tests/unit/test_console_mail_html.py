"""The console's rendering of a message's HTML: sanitised, remote images left out and
counted unless asked for, `cid:` images pointed at the console, a policy of its own."""

from __future__ import annotations

from local.console.mail_html import mail_document

ORIGIN = "http://127.0.0.1:8080"
INLINE = {"logo@x": f"{ORIGIN}/console/inline/logo"}


def _render(html: str, *, remote_images: bool = False) -> tuple[str, int]:
    shown = mail_document(html, origin=ORIGIN, inline_image=INLINE.get, remote_images=remote_images)
    body = shown.srcdoc.split("<body>", 1)[1]
    return body, shown.blocked_images


def test_scripts_handlers_frames_forms_and_meta_are_dropped() -> None:
    body, _ = _render(
        '<meta http-equiv="refresh" content="0;url=http://t/"><script>alert(1)</script>'
        '<p onclick="alert(2)">hi</p><a href="javascript:alert(3)">x</a>'
        '<iframe src="http://t/f"></iframe><form action="http://t/"><input></form>'
        "<svg><script>alert(4)</script></svg><style>p{color:red}</style>"
    )

    for gone in ("<script", "alert", "onclick", "javascript:", "<iframe", "<form", "<input"):
        assert gone not in body
    assert "http-equiv" not in body
    assert "<p>hi</p>" in body


def test_remote_images_are_left_out_and_counted_until_asked_for() -> None:
    html = '<img src="http://t/a.gif"><img src="https://t/b.gif"><img src="//t/c.gif">'

    blocked_body, blocked = _render(html)
    shown_body, none_blocked = _render(html, remote_images=True)

    assert blocked == 3
    assert "t/" not in blocked_body
    assert none_blocked == 0
    assert 'src="http://t/a.gif"' in shown_body


def test_cid_images_point_at_the_console_and_unknown_ones_go() -> None:
    body, blocked = _render('<img src="cid:logo@x"><img src="cid:nothing@x">')

    assert f'src="{ORIGIN}/console/inline/logo"' in body
    assert "cid:" not in body
    assert blocked == 0


def test_style_that_fetches_is_dropped_and_the_rest_kept() -> None:
    body, _ = _render(
        '<p style="color: red; background-image: url(http://t/x.gif); '
        'background: url(http://t/y.gif); font-weight: bold">s</p>'
    )

    assert "url(" not in body
    assert "color:red" in body.replace(" ", "")
    assert "font-weight:bold" in body.replace(" ", "")


def test_raster_data_images_stay_and_svg_ones_go() -> None:
    body, _ = _render(
        '<img src="data:image/png;base64,iVBORw0KGgo="><img src="data:image/svg+xml,<svg/>">'
    )

    assert "data:image/png" in body
    assert "svg" not in body


def test_the_document_forbids_all_but_images_from_the_console_and_inline_style() -> None:
    shown = mail_document("<p>x</p>", origin=ORIGIN, inline_image=INLINE.get, remote_images=False)
    opened = mail_document("<p>x</p>", origin=ORIGIN, inline_image=INLINE.get, remote_images=True)

    assert f"default-src 'none'; img-src data: {ORIGIN}; style-src 'unsafe-inline'" in shown.srcdoc
    assert f"img-src data: {ORIGIN} http: https:;" in opened.srcdoc
