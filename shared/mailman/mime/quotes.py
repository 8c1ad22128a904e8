"""The new part of a reply: quoted history, attribution lines and signatures removed.

Mail clients mark the history of a conversation in a handful of ways, and
stripping lines that start with ">" catches only one of them:

- Gmail: "On Tue, Nov 3, 2026 at 10:00 AM Jane <jane@example.com> wrote:" (wrapped
  over two lines when long, translated: "Am ... schrieb ...:", "Le ... a écrit :",
  "El ... escribió:", ...) above "> " lines; in HTML a `div.gmail_quote`.
- Outlook: no quote marks at all. Everything below "-----Original Message-----" or a
  "From: / Sent: / To: / Subject:" block (after a line of underscores in plain
  text, `div#divRplyFwdMsg` after an `<hr>` in HTML) is history.
- Apple Mail: "On Nov 3, 2026, at 10:00, Jane <jane@example.com> wrote:" and
  `<blockquote type="cite">`; "Begin forwarded message:" for forwards.
- Thunderbird: "On 11/3/26 10:00, Jane wrote:" or "Jane wrote:" above "> " lines,
  often bottom-posted or interleaved: the reply is the unquoted text between quotes.
- Signatures: the "-- " delimiter (RFC 3676) and "Sent from my iPhone" lines.

So: history that is not quote-marked (Outlook blocks, forwarded-message banners,
an attribution followed by unquoted text) cuts everything below it; quote-marked
lines are removed wherever they are, with the attribution line that introduces
them, keeping the text between them (interleaved replies); then the signature goes.

Cost is linear: each line is looked at a bounded number of times, regexes run only
on short lines (at most `_MAX_LINE` characters) that end with ':' or look like
separators, and only the first `_MAX_CHARS` characters of a body are examined.
"""

from __future__ import annotations

import re

_MAX_CHARS = 128 * 1024
_MAX_LINE = 300

_I = re.IGNORECASE
# Attribution lines that start with a recognisable word: tried on up to three joined lines.
_ATTRIBUTION_ANCHORED = re.compile(
    r"(?:On\b.{0,300}\bwrote"  # en: Gmail, Apple Mail, Thunderbird
    r"|Am\b.{0,300}\bschrieb\b.{0,200}"  # de
    r"|Le\b.{0,300}\ba écrit"  # fr
    r"|El\b.{0,300}\bescribió"  # es
    r"|Il giorno\b.{0,300}\bha scritto"  # it
    r"|Op\b.{0,300}\bschreef\b.{0,200}"  # nl
    r"|Em\b.{0,300}\bescreveu"  # pt
    r"|Den\b.{0,300}\bskrev\b.{0,200}"  # sv, da, no
    r"|W dniu\b.{0,300}\bnapisał(?:\(a\))?"  # pl
    r")\s*:",
    _I,
)
# "Jane Doe wrote:", "Jane schrieb:", ... : one line only.
_ATTRIBUTION_TRAILING = re.compile(
    r".{1,200}?\b(?:wrote(?: on .{1,100})?|schrieb|a écrit|escribió|ha scritto|schreef"
    r"|escreveu|skrev|napisał(?:\(a\))?|написал(?:\(\u0430\)|\u0430)?|kirjoitti)\s*:",
    _I,
)
_SEPARATOR = re.compile(
    r"-{2,}\s*(?:Original Message|Forwarded Message|Ursprüngliche Nachricht"
    r"|Weitergeleitete Nachricht|Message d'origine|Message transféré|Mensaje original"
    r"|Mensaje reenviado|Messaggio originale|Messaggio inoltrato|Oorspronkelijk bericht"
    r"|Doorgestuurd bericht|Mensagem original|Mensagem encaminhada|Ursprungligt meddelande"
    r"|Oprindelig meddelelse|Opprinnelig melding|Исходное сообщение|Пересылаемое сообщение)"
    r"\s*-{2,}"
    r"|(?:Begin forwarded message|Anfang der weitergeleiteten Nachricht"
    r"|Début du message réexpédié|Inicio del mensaje reenviado)\s*:",
    _I,
)
_UNDERSCORES = re.compile(r"_{20,}")
_HEADER_FROM = re.compile(
    r"\*?(?:From|Von|De|Van|Da|Från|Fra|Od|От|Lähettäjä|差出人|发件人|寄件者)\s*:\*?\s*\S", _I
)
_HEADER_OTHER = re.compile(
    r"\*?(?:Sent|Date|Gesendet|Datum|Envoyé|Enviado|Fecha|Inviato|Data|Verzonden|Skickat"
    r"|Sendt|To|An|À|Para|A|Aan|Till|Til|Do|Кому|Cc|Subject|Betreff|Objet|Asunto|Oggetto"
    r"|Onderwerp|Ämne|Emne|Assunto|Temat|Тема|送信日時|件名|宛先)\s*:",
    _I,
)
_MOBILE_SIGNATURE = re.compile(
    r"(?:Sent from my .{1,80}|Sent from (?:Mail|Outlook|Yahoo Mail) .{0,80}"
    r"|Get Outlook for .{1,80}|Sent via .{1,80}|Von meinem .{1,80} gesendet"
    r"|Envoyé de mon .{1,80}|Enviado desde mi .{1,80}|Inviato da .{1,80}"
    r"|Verzonden vanaf mijn .{1,80}|Skickat från min .{1,80})",
    _I,
)
# What every line that _history_start accepts begins with: a cheap first filter.
_HISTORY_HINT = re.compile(
    r"[-_*]|(?:From|Von|De|Van|Da|Från|Fra|Od|От|Lähettäjä|差出人|发件人|寄件者|Begin|Anfang"
    r"|Début|Inicio)\b",
    _I,
)
_SIGNATURE_TAIL_LINES = 30
_BLANK_RUN = re.compile(r"\n{3,}")


def _quoted(line: str) -> bool:
    return line.lstrip().startswith(">")


def _next_content(lines: list[str], index: int) -> int | None:
    """Index of the first non-blank line after `index`, or None."""
    for nxt in range(index + 1, len(lines)):
        if lines[nxt].strip():
            return nxt
    return None


def _attribution_start(lines: list[str], index: int, quoted_next: bool) -> int | None:
    """Where the attribution line(s) ending at line `index` start, or None when it is not one.

    "On <date>, <name> wrote:" (and its translations), possibly wrapped over three
    lines, must name a date or an address; it introduces history whether or not that
    history is quote-marked. Weaker forms ("Jane wrote:", any short "...:" line with a
    date or address) count only right above quote-marked lines.
    """
    for back in (0, 1, 2):
        first = index - back
        if first < 0:
            break
        window = lines[first : index + 1]
        if any(not line.strip() or _quoted(line) for line in window):
            break
        joined = " ".join(line.strip() for line in window)
        if len(joined) > 2 * _MAX_LINE:
            break
        if _ATTRIBUTION_ANCHORED.fullmatch(joined) and _names_date_or_address(joined):
            return first
    if not quoted_next:
        return None
    line = lines[index].strip()
    if _ATTRIBUTION_TRAILING.fullmatch(line) or _names_date_or_address(line):
        return index
    return None


def _names_date_or_address(line: str) -> bool:
    return "@" in line or any(ch.isdigit() for ch in line)


def _header_block_at(lines: list[str], index: int) -> bool:
    """Whether an Outlook-style "From: ... Sent: ... Subject: ..." block starts at `index`."""
    if not _HEADER_FROM.match(lines[index].strip()):
        return False
    others = 0
    for line in lines[index + 1 : index + 9]:
        if _HEADER_OTHER.match(line.strip()):
            others += 1
    return others >= 2


def _history_start(lines: list[str], index: int) -> bool:
    """Whether unquoted history (everything below is old mail) starts at line `index`."""
    line = lines[index].strip()
    if not _HISTORY_HINT.match(line):
        return False
    if _SEPARATOR.fullmatch(line) or _header_block_at(lines, index):
        return True
    if _UNDERSCORES.fullmatch(line):
        nxt = _next_content(lines, index)
        return nxt is not None and _header_block_at(lines, nxt)
    return False


def _without_history(lines: list[str]) -> list[str]:
    """The lines above the history, quoted lines and their attributions dropped."""
    kept: list[str] = []
    dropping_quote = False
    for index, raw in enumerate(lines):
        line = raw.strip()
        if _quoted(raw):
            if not dropping_quote:
                kept.append("")
            dropping_quote = True
            continue
        dropping_quote = False
        if not line or len(line) > _MAX_LINE:
            kept.append(raw)
            continue
        if _history_start(lines, index):
            return kept
        if line.endswith(":"):
            nxt = _next_content(lines, index)
            quoted_next = nxt is not None and _quoted(lines[nxt])
            start = _attribution_start(lines, index, quoted_next)
            if start is not None:
                del kept[len(kept) - (index - start) :]
                if not quoted_next:
                    return kept  # an attribution above unquoted history: the rest is old
                continue
        kept.append(raw)
    return kept


def _without_signature(lines: list[str]) -> list[str]:
    """Drop a trailing "-- " signature block, or a "Sent from my ..." line at the end."""
    content = [i for i, line in enumerate(lines) if line.strip()]
    for position, index in enumerate(content):
        tail = len(content) - position - 1
        if tail <= _SIGNATURE_TAIL_LINES and lines[index].rstrip() in ("--", "—"):
            return lines[:index]
    for index in content[-3:]:
        if _MOBILE_SIGNATURE.fullmatch(lines[index].strip()):
            return lines[:index]
    return lines


def extract_reply_text(text: str) -> str:
    """The new part of a plain-text reply (or of any message: then all of it, unsigned)."""
    lines = text[:_MAX_CHARS].replace("\r\n", "\n").split("\n")
    lines = _without_signature(_without_history(lines))
    tidy = "\n".join(line.rstrip() for line in lines)
    if "\n\n\n" in tidy:  # a substring test is far quicker than the regular expression
        tidy = _BLANK_RUN.sub("\n\n", tidy)
    return tidy.strip("\n")
