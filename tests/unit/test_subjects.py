import pytest

from mailman.domain import subjects
from mailman.domain.subjects import (
    has_reply_prefix,
    is_generic,
    normalize_subject,
    subject_keys,
)


@pytest.mark.parametrize(
    "subject",
    [
        "Re: Quarterly report",
        "RE: RE: Quarterly report",
        "Re:Quarterly report",
        "Re : Quarterly report",
        "Re[2]: Quarterly report",
        "Re(3): Quarterly report",
        "Re: AW: Quarterly report",
        "Fwd: Quarterly report",
        "FW: Quarterly report",
        "AW: Quarterly report",
        "WG: Quarterly report",
        "SV: Quarterly report",
        "VS: Quarterly report",
        "Antw: Quarterly report",
        "Odp: Quarterly report",
        "R: Quarterly report",
        "Rif: Quarterly report",
        "Betr.: Quarterly report",
        "Réf. : Quarterly report",
        "回复\uff1aQuarterly report",
        "答复: Quarterly report",
        "转发: Quarterly report",
        "Ответ: Quarterly report",
        "\uff32\uff25\uff1aQuarterly report",
    ],
)
def test_reply_and_forward_prefixes_are_removed(subject: str) -> None:
    assert normalize_subject(subject) == "quarterly report"
    assert has_reply_prefix(subject)


@pytest.mark.parametrize(
    "subject",
    ["[dev] Re: Quarterly report", "Re: [dev] Quarterly report", "[dev] [ext] Quarterly report"],
)
def test_list_tags_are_removed_before_and_after_the_prefix(subject: str) -> None:
    assert normalize_subject(subject) == "quarterly report"


def test_a_list_tag_before_the_prefix_still_counts_as_a_reply() -> None:
    assert has_reply_prefix("[dev] Re: Quarterly report")


@pytest.mark.parametrize(
    "subject",
    ["Quarterly report", "Results: Q3", "Rejected: invitation", "Re-post: lost mail", "[dev] X"],
)
def test_subjects_without_a_reply_prefix_are_not_replies(subject: str) -> None:
    assert not has_reply_prefix(subject)


def test_case_and_whitespace_are_folded() -> None:
    assert normalize_subject("  Quarterly\t  REPORT \r\n") == "quarterly report"


def test_the_fwd_trailer_is_removed() -> None:
    assert normalize_subject("Quarterly report (fwd)") == "quarterly report"


def test_a_renamed_subject_keeps_its_former_one_as_a_second_key() -> None:
    keys = subject_keys("Re: Budget 2027 (was: Re: [dev] Quarterly report)")

    assert keys == ("budget2027", "quarterlyreport")
    assert normalize_subject("Re: Budget 2027 (was: Quarterly report)") == "budget 2027"


@pytest.mark.parametrize(
    "subject", ["Budget [was: Quarterly report]", "Budget - was: Quarterly report"]
)
def test_other_spellings_of_was_are_understood(subject: str) -> None:
    assert subject_keys(subject) == ("budget", "quarterlyreport")


def test_a_generic_former_subject_is_no_key() -> None:
    assert subject_keys("Row echelon form (was: no subject)") == ("rowechelonform",)


def test_keys_ignore_whitespace_so_a_word_folded_by_a_mailer_still_matches() -> None:
    assert subject_keys("Re: functions from a loaded pack age") == subject_keys(
        "functions from a loaded package"
    )


def test_keys_keep_punctuation_that_tells_subjects_apart() -> None:
    assert subject_keys("install.packages") != subject_keys("install packages")


def test_an_empty_subject_has_no_key() -> None:
    assert normalize_subject(None) == ""
    assert subject_keys("Re: [dev]") == ()


@pytest.mark.parametrize(
    "subject",
    [
        "Hello",
        "Re: hi!",
        "(no subject)",
        "",
        "Help needed!!",
        "R question",
        "urgent help",
        "newbie question",
        "Question about R",
        "Frage",
        "你好",
    ],
)
def test_subjects_that_name_no_topic_are_generic(subject: str) -> None:
    assert is_generic(subject)


@pytest.mark.parametrize(
    "subject",
    ["Quarterly report", "question about lme", "Invoice 2027-113", "help with glm weights"],
)
def test_one_word_of_topic_makes_a_subject_specific(subject: str) -> None:
    assert not is_generic(subject)


def test_only_ordinary_subjects_are_remembered() -> None:
    long = "Re: " + "budget " * 200  # over 512 characters: a header may hold 64 KiB
    subjects._remembered_bases.cache_clear()
    subjects._remembered_generic.cache_clear()

    assert normalize_subject(long) == ("budget " * 200).strip()
    assert not is_generic(long)
    assert subjects._remembered_bases.cache_info().currsize == 0
    assert subjects._remembered_generic.cache_info().currsize == 0

    assert subject_keys("Re: Budget (was: Hello)") == ("budget",)
    assert subject_keys("Re: Budget (was: Hello)") == ("budget",)
    assert subjects._remembered_bases.cache_info().hits >= 1
