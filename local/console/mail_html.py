"""A message's HTML as the console shows it: sanitised with nh3, its remote images left out
unless asked for, its `cid:` images served from the message's own attachments, and wrapped in
a document with a Content-Security-Policy of its own, for a sandboxed frame (`srcdoc`).

Hostile mail is normal input: nh3 drops scripts, event handlers, `javascript:` links, frames,
forms, `<meta>`, `<style>` and style properties that can fetch (`url()`); the frame's sandbox
runs no script whatever gets through, and its policy lets it fetch nothing but images from
the console and `data:` (and remote images once the reader asks for them).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import unquote

import nh3

STYLE_PROPERTIES = frozenset(
    {
        "background-color",
        "border",
        "border-bottom",
        "border-collapse",
        "border-color",
        "border-left",
        "border-radius",
        "border-right",
        "border-spacing",
        "border-style",
        "border-top",
        "border-width",
        "color",
        "display",
        "font",
        "font-family",
        "font-size",
        "font-style",
        "font-weight",
        "height",
        "letter-spacing",
        "line-height",
        "margin",
        "margin-bottom",
        "margin-left",
        "margin-right",
        "margin-top",
        "max-width",
        "min-width",
        "padding",
        "padding-bottom",
        "padding-left",
        "padding-right",
        "padding-top",
        "text-align",
        "text-decoration",
        "text-transform",
        "vertical-align",
        "white-space",
        "width",
    }
)
"""What a message may style. Nothing that takes a URL (`background`, `background-image`,
`list-style`, `border-image`, `content`, `cursor`): those would fetch."""

_ATTRIBUTES = copy.deepcopy(nh3.ALLOWED_ATTRIBUTES)
_ATTRIBUTES.setdefault("*", set()).update({"style", "align", "valign", "bgcolor", "dir"})
_ATTRIBUTES.setdefault("table", set()).update({"cellpadding", "cellspacing", "border", "width"})
_ATTRIBUTES.setdefault("td", set()).update({"width", "height"})
_ATTRIBUTES.setdefault("img", set()).update({"width", "height"})
_URL_SCHEMES = {"http", "https", "mailto", "cid", "data"}
_LINK_SCHEMES = ("http://", "https://", "mailto:")
_REMOTE = ("http://", "https://", "//")
_RASTER_DATA = ("data:image/png", "data:image/jpeg", "data:image/gif", "data:image/webp")

FRAME_STYLE = (
    "body{font:14px/1.45 system-ui,sans-serif;color:#1d2330;margin:12px;overflow-wrap:anywhere}"
    "img{max-width:100%;height:auto}"
)


@dataclass(frozen=True)
class MailDocument:
    """What goes in the frame's `srcdoc`, and how many remote images were left out of it."""

    srcdoc: str
    blocked_images: int


def frame_policy(origin: str, *, remote_images: bool) -> str:
    """The frame's own policy: images from the console (`cid:` parts) and `data:` only, or
    from anywhere once the reader asks; inline style; nothing else at all."""
    images = f"data: {origin}" + (" http: https:" if remote_images else "")
    return f"default-src 'none'; img-src {images}; style-src 'unsafe-inline'"


def mail_document(
    html: str,
    *,
    origin: str,
    inline_image: Callable[[str], str | None],
    remote_images: bool,
) -> MailDocument:
    """`html` sanitised into a whole document for a sandboxed frame. `inline_image` answers
    the console URL of the attachment a `cid:` names (None: no such image part)."""
    blocked = 0

    def attribute(tag: str, name: str, value: str) -> str | None:
        nonlocal blocked
        lowered = value.strip().lower()
        if tag == "img" and name == "src":
            if lowered.startswith("cid:"):
                # RFC 2392: a `cid:` URL is the Content-ID percent-encoded.
                return inline_image(unquote(value.strip()[4:]))
            if lowered.startswith(_RASTER_DATA):
                return value
            if lowered.startswith(_REMOTE):
                if remote_images:
                    return value
                blocked += 1
            return None
        if tag == "a" and name == "href":
            return value if lowered.startswith(_LINK_SCHEMES) else None
        return value

    cleaned = nh3.clean(
        html,
        attributes=_ATTRIBUTES,
        attribute_filter=attribute,
        url_schemes=_URL_SCHEMES,
        filter_style_properties=set(STYLE_PROPERTIES),
        set_tag_attribute_values={"a": {"target": "_blank"}},
        link_rel="noopener noreferrer",
    )
    policy = frame_policy(origin, remote_images=remote_images)
    srcdoc = (
        '<!doctype html><html><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{policy}">'
        '<meta name="referrer" content="no-referrer">'
        f"<style>{FRAME_STYLE}</style></head><body>{cleaned}</body></html>"
    )
    return MailDocument(srcdoc, blocked)
