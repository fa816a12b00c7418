"""The pre-generation prompt filter: evasions are caught, innocent prompts pass, refusals explain themselves."""
from __future__ import annotations

import pytest

from app.moderation.prompt_filter import (
    DEFAULT_TERMS_PATH,
    FilterVerdict,
    PromptFilter,
    load_filter,
    normalize_text,
    parse_term_lines,
)

BLOCKED = [
    ("the knight will kill the dragon", "kill"),
    ("KILL the dragon", "kill"),
    ("k i l l the dragon", "kill"),
    ("k.i.l.l the dragon", "kill"),
    ("k-i-l-l", "kill"),
    ("then ki.ll everyone", "kill"),
    ("kiiilllll the dragon", "kill"),
    ("k1ll the dragon", "kill"),
    ("ki11 the dragon", "kill"),
    ("k\u0456ll the dragon", "kill"),  # Cyrillic і
    ("\uff4b\uff49\uff4c\uff4c the dragon", "kill"),  # full-width letters
    ("\U0001d424\U0001d422\U0001d425\U0001d425 the dragon", "kill"),  # mathematical bold letters
    ("k\u200bi\u200dl\u00adl the dragon", "kill"),  # zero-width space, zero-width joiner, soft hyphen
    ("k\u00edll the dragon", "kill"),  # í
    ("what an @$$", "ass"),
    ("a s s", "ass"),
    ("A$$", "ass"),
    ("he beheads the king", "behead*"),
    ("b3h3ad1ng at dawn", "behead*"),
    ("\u0421hild p\u043ern", "child porn"),  # Cyrillic С and о
    ("childporn", "child porn"),
    ("child\u00a0\u00a0porn", "child porn"),  # non-breaking spaces
    ("c h i l d p o r n", "child porn"),
    ("crowd shouts S I E G heil", "sieg heil"),
    ("sieg-heil", "sieg heil"),
]

ALLOWED = [
    "a class of students paints the harbour",
    "the assassin's creed, told as a stage play",
    "grass and glass in the morning light",
    "as the sun sets over the bay",
    "a killer whale breaches beside the boat",
    "the skill tree of a role-playing game",
    "an ill-fated voyage in 1911",
    "a Scottish piper in a kilt",
    "children playing in the park",
    "a 4k shot of a $5 bill, 3 seconds long",
    "headphones behind the head",
    "Привет, мир",
    "",
]


@pytest.mark.parametrize(("prompt", "term"), BLOCKED)
def test_disguised_blocked_terms_are_caught(word_filter, prompt, term):
    """Spacing, punctuation, stretched letters, leetspeak, look-alikes and invisible characters don't hide a term."""
    verdict = word_filter.check(prompt)
    assert not verdict.allowed
    assert verdict.matched == term


@pytest.mark.parametrize("prompt", ALLOWED)
def test_innocent_prompts_pass(word_filter, prompt):
    """Words that merely contain or resemble a blocked term are not refused."""
    assert word_filter.check(prompt) == FilterVerdict(allowed=True)


def test_only_three_or_more_repeats_count_as_stretching(word_filter):
    """'kiiill' is read as 'kill', but a doubled letter is not squeezed, so 'as' never becomes 'ass'."""
    assert not word_filter.check("kiiill").allowed
    assert word_filter.check("kiill").allowed
    assert word_filter.check("as").allowed
    assert not word_filter.check("asssss").allowed


def test_refusal_reason_names_category_and_term(word_filter):
    """A refusal says what was wrong and what to do next, in one sentence."""
    verdict = word_filter.check("he beheads the king")
    assert verdict.category == "violence"
    assert verdict.reason == (
        "Your prompt was refused because it contains a blocked term (violence: “behead…”). Reword it and try again."
    )
    assert word_filter.check("child porn").reason == (
        "Your prompt was refused because it contains a blocked term (child safety: “child porn”). "
        "Reword it and try again."
    )


def test_uncategorised_terms_fall_under_general(word_filter):
    """Terms passed without a category are refused under the 'general' category."""
    verdict = word_filter.check("what an ass")
    assert (verdict.category, verdict.matched) == ("general", "ass")


def test_normalisation_maps_lookalikes_and_drops_marks():
    """normalize_text casefolds, removes accents and invisible characters, and maps homoglyphs to Latin."""
    assert normalize_text("Ｃаfé\u200b Ωмega") == "cafe wmega"
    assert normalize_text("ΚΙΝΟ") == "kino"


def test_term_without_letters_is_refused_at_setup():
    """A term that cannot match anything is a configuration mistake, reported when the filter is built."""
    with pytest.raises(ValueError, match="no letters or digits"):
        PromptFilter(["***"])


def test_term_file_lines_are_parsed_by_category():
    """'category: term' lines are grouped, comments and blank lines ignored, bare terms filed under general."""
    lines = ["# heading", "", "gore: behead*  # stems are fine", "Hate Speech: sieg heil", "plainword"]
    assert parse_term_lines(lines) == {
        "gore": ["behead*"],
        "hate_speech": ["sieg heil"],
        "general": ["plainword"],
    }


def test_load_filter_reads_a_custom_file_plus_extra_terms(tmp_path):
    """load_filter uses the given file and adds configured extra terms in the same format."""
    path = tmp_path / "terms.txt"
    path.write_text("# ours\nviolence: smash\n", encoding="utf-8")
    prompt_filter = load_filter(path, ["spam: buy now"])
    assert prompt_filter.check("s m a s h it").category == "violence"
    assert prompt_filter.check("BUY   NOW").category == "spam"
    assert prompt_filter.check("behead the king").allowed


def test_every_shipped_term_blocks_itself(default_filter):
    """Each line of the shipped list is matchable and refuses under its own category."""
    entries = parse_term_lines(DEFAULT_TERMS_PATH.read_text(encoding="utf-8").splitlines())
    assert len(default_filter) == sum(len(terms) for terms in entries.values()) >= 20
    for category, terms in entries.items():
        for term in terms:
            verdict = default_filter.check(f"a scene where {term.rstrip('*')} happens")
            assert (verdict.allowed, verdict.category) == (False, category), term


@pytest.mark.parametrize(
    "prompt",
    [
        "a lighthouse keeper feeds the gulls at dawn",
        "rapeseed fields under a stormy sky",
        "a grape harvest in Tuscany",
        "the detective examines the crime scene",
        "a pediatrician comforts a child in the clinic",
    ],
)
def test_shipped_list_lets_everyday_prompts_through(default_filter, prompt):
    """The shipped list does not refuse ordinary story prompts that share letters with its terms."""
    assert default_filter.check(prompt).allowed
