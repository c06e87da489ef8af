"""Where a cited passage sits in the text a viewer shows (a PDF page's text layer, a rendered note),
and the sentence of it the answer relies on. No Qt here: character ranges in, character ranges out.

The passage was cut from the loader's text, which differs from what the viewer shows in spacing,
line breaks, hyphens, ligatures and Markdown marks; so the match is made on words, in order."""

from __future__ import annotations

import re
import unicodedata
from difflib import SequenceMatcher

WORD = re.compile(r"\w+", re.UNICODE)
STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "for",
        "from",
        "has",
        "have",
        "in",
        "is",
        "it",
        "its",
        "of",
        "on",
        "or",
        "that",
        "the",
        "their",
        "this",
        "to",
        "was",
        "were",
        "will",
        "with",
        "which",
        "who",
        "what",
        "when",
        "where",
        "how",
    ]
)

Span = tuple[int, int]  # [start, end) in the viewer's text


def words(text: str) -> list[tuple[int, int, str]]:
    """(start, end, normalised word) for each word: NFKC (ligatures apart), case-blind."""
    return [
        (m.start(), m.end(), unicodedata.normalize("NFKC", m.group()).casefold()) for m in WORD.finditer(text)
    ]


def find_passage(text: str, passage: str, min_share: float = 0.5) -> tuple[Span, int] | None:
    """The span of `text` that holds `passage`, and how many of the passage's words it took (the
    rest may go on over the next page); None when too little of it is there."""
    shown = words(text)
    wanted = [w for _, _, w in words(passage)]
    if not shown or not wanted:
        return None
    matcher = SequenceMatcher(None, [w for _, _, w in shown], wanted, autojunk=False)
    least = 1 if len(wanted) < 6 else 3  # short runs of common words match by chance
    blocks = [b for b in matcher.get_matching_blocks() if b.size >= least]
    if not blocks:
        return None
    matched = sum(b.size for b in blocks)
    used = blocks[-1].b + blocks[-1].size  # passage words up to the last one found here
    if matched < min_share * min(len(wanted), max(used, 1)) or matched < min(len(wanted), 3):
        return None
    start = shown[blocks[0].a][0]
    end = shown[blocks[-1].a + blocks[-1].size - 1][1]
    return (start, end), used


def rest_of(passage: str, used_words: int) -> str:
    """The passage after its first `used_words` words (what a page break carried over)."""
    found = list(WORD.finditer(passage))
    if used_words >= len(found):
        return ""
    return passage[found[used_words].start() :]


def find_quoted(text: str, quoted: str, near: Span | None = None) -> Span | None:
    """The sentence the answer relies on, in the shown text: inside the passage when it is there."""
    if near is not None:
        found = find_passage(text[near[0] : near[1]], quoted, min_share=0.8)
        if found is not None:
            (start, end), _used = found
            return near[0] + start, near[0] + end
    found = find_passage(text, quoted, min_share=0.8)
    return found[0] if found is not None else None
