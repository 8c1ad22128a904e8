"""Subject rules for threading: reply/forward prefixes, list tags, base subjects.

A subject is reduced to its *base* (RFC 5256 calls it the base subject): the
reply and forward prefixes that mail clients add in many languages (`Re:`,
`RE: RE:`, `Re[2]:`, `AW:`, `SV:`, `Antw:`, `Odp:`, `R:`, `Fwd:`, `WG:`,
`回复:`, `Ответ:` ...), mailing-list tags (`[R]`, `[dev-list]`), the old
`(fwd)` trailer and a `(was: ...)` tail are removed, then Unicode compatibility
forms are folded (full-width letters and colons), case is folded and runs of
whitespace become one space.

`NEW (was: OLD)` renames a conversation: its base is `new`, and `old` is kept
as a second key (`subject_keys`) so the message still finds the thread that was
about OLD.

A generic subject (`Hello`, `Question`, `help needed`, `(no subject)` ...) says
nothing about the conversation; `is_generic` recognises them so that nobody's
mail is grouped by one.
"""

from __future__ import annotations

import functools
import re
import unicodedata

_REPLY_WORDS = (
    "re",  # Latin "in re": English and most languages
    "aw",  # German Antwort
    "antw",  # Dutch antwoord, German Antwort
    "antwort",
    "sv",  # Scandinavian svar
    "vs",  # Finnish vastaus
    "odp",  # Polish, Czech odpověď
    "r",  # Italian risposta (Outlook)
    "rif",  # Italian riferimento
    "ref",
    "réf",  # French référence
    "res",  # Portuguese resposta
    "rés",
    "betr",  # Dutch betreft
    "atb",  # Welsh ateb, Latvian atbilde
    "ynt",  # Turkish yanit
    "vá",  # Hungarian válasz
    "bls",  # Indonesian balas
    "απ",  # Greek απάντηση
    "σχετ",  # Greek σχετικά
    "השב",  # Hebrew
    "ответ",  # Russian
    "отв",
    "回复",  # Chinese (simplified)
    "答复",
    "回覆",  # Chinese (traditional)
    "答覆",
    "返信",  # Japanese
)
_FORWARD_WORDS = (
    "fw",
    "fwd",
    "wg",  # German weitergeleitet
    "tr",  # French transféré
    "enc",  # Portuguese encaminhado
    "rv",  # Spanish reenviado
    "vl",  # Finnish välitetty
    "vb",  # Swedish vidarebefordrat
    "doorst",  # Dutch doorgestuurd
    "pd",  # Polish przekaż dalej
    "trs",  # Indonesian terusan
    "ilt",  # Turkish ilet
    "fs",  # Icelandic framsent
    "πρθ",  # Greek προώθηση
    "הועבר",  # Hebrew
    "пересл",  # Russian переслано
    "转发",  # Chinese (simplified)
    "轉寄",  # Chinese (traditional)
    "转寄",
    "轉發",
    "転送",  # Japanese
)


def _alternation(words: tuple[str, ...]) -> str:
    return "|".join(re.escape(word) for word in sorted(words, key=len, reverse=True))


# A prefix word, an optional counter (Re[2]:, Re(2):, Re^2:), an optional dot
# (Betr.:, Réf. :) and a colon, ASCII or full-width (folded by NFKC).
_PREFIX = r"(?:{words})\.?\s*(?:\[\d{{1,3}}\]|\(\d{{1,3}}\)|\^\d{{1,3}})?\s*:"
_TAG = r"\[[^\[\]]{1,40}\]"
_ANY_PREFIX = _PREFIX.format(words=_alternation(_REPLY_WORDS + _FORWARD_WORDS))
_LEADING_RE = re.compile(rf"^(?:\s*(?:{_TAG}|{_ANY_PREFIX}))+\s*", re.IGNORECASE)
_PREFIXED_RE = re.compile(rf"^(?:\s*{_TAG})*\s*{_ANY_PREFIX}", re.IGNORECASE)
_FWD_TRAILER_RE = re.compile(r"\s*[(\[]\s*fwd?\s*[)\]]\s*$", re.IGNORECASE)
_FORMER = r"(?:was|war|formerly|previously|était|era)"
_WAS_RE = re.compile(
    rf"\s*[-\u2013\u2014,;:]?\s*(?:"
    rf"\(\s*(?:{_FORMER}\s*:|was\s)\s*(?P<paren>.*)\)"
    rf"|\[\s*(?:{_FORMER}\s*:|was\s)\s*(?P<bracket>.*)\]"
    rf"|\bwas\s*:\s*(?P<bare>.+)"
    rf")\s*$",
    re.IGNORECASE,
)
_SPACE_RE = re.compile(r"\s+")
_WORD_RE = re.compile(r"\w+")

# Words that carry no topic: greetings, requests for help, "question",
# "(no subject)" in a few languages, and the filler around them.
_GENERIC_WORDS = frozenset(
    {
        # English
        "about", "again", "an", "and", "another", "any", "anyone", "asap", "ask",
        "basic", "can", "could", "dear", "doubt", "easy", "enquiry", "error", "errors",
        "fyi", "for", "from", "general", "hello", "help", "helpme", "hey", "hi",
        "important", "in", "info", "information", "inquiry", "is", "issue", "issues",
        "me", "message", "more", "my", "need", "needed", "newbie", "no", "none", "novice",
        "of", "on", "one", "or", "please", "pls", "plz", "problem", "problems", "quick",
        "query", "question", "questions", "request", "simple", "small", "some", "someone",
        "subject", "test", "testing", "thank", "thanks", "the", "this", "to", "untitled",
        "update", "urgent", "very", "with", "you", "your",
        # German, Dutch, Scandinavian
        "betreff", "bitte", "dringend", "eine", "ein", "frage", "fragen", "fråga", "hallo",
        "hej", "hilfe", "hjälp", "kein", "problém", "vraag",
        # French, Spanish, Italian, Portuguese
        "aide", "aiuto", "ajuda", "asunto", "ayuda", "bonjour", "ciao", "domanda", "hola",
        "objet", "oggetto", "olá", "pergunta", "pregunta", "problema", "problème", "sans",
        "senza", "sin", "salut",
        # Polish, Russian
        "pomoc", "pytanie", "вопрос", "помощь", "привет", "проблема",
        # Chinese, Japanese
        "你好", "您好", "问题", "問題", "帮助", "求助", "こんにちは", "質問",
    }
)  # fmt: skip


def _fold(text: str) -> str:
    return _SPACE_RE.sub(" ", text).strip().casefold()


def _strip_decoration(text: str) -> str:
    previous = None
    while previous != text:
        previous = text
        text = _LEADING_RE.sub("", text)
        text = _FWD_TRAILER_RE.sub("", text)
    return text


def _split_was(text: str) -> tuple[str, str | None]:
    match = _WAS_RE.search(text)
    if match is None:
        return text, None
    former = match.group("paren") or match.group("bracket") or match.group("bare")
    return text[: match.start()], former


_REMEMBERED_CHARS = 512
"""Subjects up to this long are remembered (2,048 of them: a few MB at most); a header may be
64 KiB, and a few thousand of those must not sit in a function's memory."""


def _bases(subject: str | None) -> tuple[str, ...]:
    """Remembered for ordinary subjects: threading asks several questions of one subject,
    and a conversation's messages share theirs."""
    if subject is not None and len(subject) > _REMEMBERED_CHARS:
        return _derive_bases(subject)
    return _remembered_bases(subject)


def _derive_bases(subject: str | None) -> tuple[str, ...]:
    text = _strip_decoration(unicodedata.normalize("NFKC", subject or ""))
    current, former = _split_was(text)
    bases = [_fold(_strip_decoration(current))]
    if former is not None:
        bases.extend(base for base in _bases(former) if not _generic_base(base))
    return tuple(bases)


_remembered_bases = functools.lru_cache(maxsize=2048)(_derive_bases)


def normalize_subject(subject: str | None) -> str:
    """The base subject: prefixes, list tags, `(fwd)` and `(was: ...)` removed, folded."""
    return _bases(subject)[0]


def subject_keys(subject: str | None) -> tuple[str, ...]:
    """Keys to compare subjects by: the base subject, then the former one of a
    `(was: ...)` unless that one is generic.

    A key has no whitespace, so that a subject folded mid-word by a mailer
    (`pack age`, `(PR#6560 )`) still matches; no key is empty.
    """
    keys = (_SPACE_RE.sub("", base) for base in _bases(subject))
    return tuple(key for key in dict.fromkeys(keys) if key)


def has_reply_prefix(subject: str | None) -> bool:
    """Whether the subject starts, list tags aside, with a reply or forward prefix."""
    return _PREFIXED_RE.match(unicodedata.normalize("NFKC", subject or "")) is not None


def is_generic(subject: str | None) -> bool:
    """Whether the base subject says nothing about its topic (empty, "Hello", "R question").

    Generic means every word is a greeting, a request for help, filler, a
    number or a single character; one word of real topic makes it specific.
    """
    return _generic_base(normalize_subject(subject))


def _generic_base(base: str) -> bool:
    if len(base) > _REMEMBERED_CHARS:
        return _derive_generic(base)
    return _remembered_generic(base)


def _derive_generic(base: str) -> bool:
    words = _WORD_RE.findall(base)
    return all(len(word) == 1 or word.isdigit() or word in _GENERIC_WORDS for word in words)


_remembered_generic = functools.lru_cache(maxsize=2048)(_derive_generic)
