"""Passages into sentences, and sentences into the words, numbers and names that carry a fact.

Extracted text is not prose: PDF lines wrap mid-sentence and hyphenate words, notes have bullet
lists, decks have table rows ("Item | Cost") and titles without a full stop. Each of those becomes
a unit of its own here, so the quick answer and the claim check can quote and compare them."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_BULLET = re.compile(r"^\s*(?:[-*•‣◦▪●–]|\d{1,3}[.)]|[a-zA-Z][.)])\s+")
_HEADING = re.compile(r"^\s*#{1,6}\s+")
# A sentence ends at . ! ? (and their closing quotes/brackets) before a space and a capital,
# a digit or an opening quote; the look-behinds keep abbreviations and initials whole.
_ABBREVIATIONS = (
    "e.g|i.e|etc|vs|cf|approx|incl|no|nr|fig|figs|p|pp|vol|dr|mr|mrs|ms|prof|st|mt|jr|sr|inc|ltd|co|corp|"
    "jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec|mon|tue|wed|thu|fri|sat|sun|approx|dept|est|min|max"
)
_ABBREVIATION_END = re.compile(rf"(?i)(?:\b(?:{_ABBREVIATIONS})|\b[A-Z])\.$")
_END = re.compile(r"[.!?。]+[\"'”’)\]]*\s+(?=[\"'“‘(\[]?[A-Z0-9À-Ý])")
_HYPHEN_BREAK = re.compile(r"(\w)-\n(?=[a-z])")
_MIN_WORDS = 3


@dataclass(frozen=True)
class Sentence:
    text: str  # tidied: line breaks and hyphenation undone, spaces collapsed
    kind: str = "prose"  # prose | bullet | row | title


def split_sentences(text: str, lines: bool = False) -> list[Sentence]:
    """The sentences, list items and table rows of a passage, in order. With `lines` (a slide's
    text), every line is a unit of its own: slides put one point per line, without full stops."""
    text = _HYPHEN_BREAK.sub(r"\1", text.replace("\r\n", "\n").replace("\u00ad\n", ""))
    units: list[Sentence] = []
    paragraph: list[str] = []
    bullet: list[str] | None = None

    def flush() -> None:
        nonlocal bullet
        if bullet:
            units.append(Sentence(_clean(" ".join(bullet)), "bullet"))
        bullet = None
        if len(paragraph) == 1 and _is_title(paragraph[0]):
            units.append(Sentence(_clean(paragraph[0]), "title"))
        elif paragraph:
            units.extend(_prose(" ".join(paragraph)))
        paragraph.clear()

    for line in text.split("\n"):
        stripped = line.strip()
        if not stripped:
            flush()
        elif _HEADING.match(line):
            flush()
            units.append(Sentence(_clean(_HEADING.sub("", line)), "title"))
        elif _BULLET.match(line):
            flush()
            bullet = [_BULLET.sub("", line)]
        elif lines:
            flush()
            units.append(
                Sentence(_clean(stripped), "bullet" if len(stripped.split()) >= _MIN_WORDS else "title")
            )
        elif bullet is not None and stripped[:1].islower():  # a list item wrapped onto a new line
            bullet.append(stripped)
        elif "|" in stripped or "\t" in stripped:
            flush()
            cells = [c.strip() for c in re.split(r"\s*(?:\||\t)\s*", stripped) if c.strip()]
            units.append(Sentence(" | ".join(cells), "row"))
        else:
            if bullet is not None:
                flush()
            paragraph.append(stripped)
    flush()
    return [u for u in units if u.text]


def _prose(paragraph: str) -> list[Sentence]:
    paragraph = _clean(paragraph)
    pieces: list[str] = []
    start = 0
    for match in _END.finditer(paragraph):
        candidate = paragraph[start : match.start() + len(match.group(0).rstrip())]
        if _ABBREVIATION_END.search(candidate.rstrip("\"'”’)]")):
            continue
        pieces.append(candidate.strip())
        start = match.end()
    pieces.append(paragraph[start:].strip())
    sentences: list[Sentence] = []
    for piece in filter(None, pieces):
        # A fragment too short to stand alone (a PDF's running title, "Introduction.") joins the
        # sentence after it rather than being quoted on its own.
        if sentences and len(sentences[-1].text.split()) < _MIN_WORDS and not _ends(sentences[-1].text):
            sentences[-1] = Sentence(f"{sentences[-1].text} {piece}")
        else:
            sentences.append(Sentence(piece))
    return sentences


def _is_title(line: str) -> bool:
    """A line alone in its paragraph, short and without a stop: a title ("Grandmother's lemon cake")."""
    return len(line.split()) <= 6 and not _ends(line) and not line.rstrip().endswith((",", ";"))


def end_of_sentences(text: str, count: int) -> int | None:
    """Where the first `count` sentences of a text being written end (with the [n] after them), once
    the next one has begun; None until then."""
    seen = 0
    for match in _END.finditer(text):
        if _ABBREVIATION_END.search(text[: match.start() + 1]):
            continue
        seen += 1
        if seen == count:
            end = match.start() + len(match.group().rstrip())
            cited = _CITATIONS.match(text, end)
            return cited.end() if cited else end
    return None


_CITATIONS = re.compile(r"(?:\s*\[\d+\])+")


def _ends(text: str) -> bool:
    return text.rstrip("\"'”’)]").endswith((".", "!", "?", ":"))


def _clean(text: str) -> str:
    return " ".join(text.split())


# Words, numbers and names --------------------------------------------------------------------------

_STOP = """
    a an the and or but if then than so of to in on at by for from with without into onto over under
    about above below after before between during through per via as is are was were be been being
    am do does did done have has had having can could may might must shall should will would it its
    it's this that these those there here their them they we our us you your i me my he she his her
    him who whom whose which what when where why how all any both each few more most other some such
    no nor not only own same too very just also again once up down out off further s t don doesn isn
    aren wasn weren won wouldn shouldn couldn tell say says said please give list show explain
    describe many much long does know let get got use used one two documents document library file
    files notes note
"""
STOPWORDS = frozenset(_STOP.split())
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)?")
_NUMBER = re.compile(
    r"(?<![\w.])\d{1,3}(?:[,\u202f\u00a0]\d{3})+(?:\.\d+)?(?![\w])|(?<![\w.,])\d+(?:\.\d+)?(?!\w)"
)


def fold(text: str) -> str:
    """Lower case without accents, for comparing words across sources and answers."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def stem(word: str) -> str:
    """A light English stem: enough that "flights" meets "flight", "submitted" "submit" and
    "decisions" "decided"."""
    for suffix, keep in (
        ("isions", "id"),
        ("ision", "id"),
        ("ies", "y"),
        ("ing", ""),
        ("ed", ""),
        ("es", ""),
        ("s", ""),
    ):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)] + keep
    return word[:-1] if word.endswith("e") and len(word) >= 4 else word  # "decide" as "decided"


def content_words(text: str) -> set[str]:
    """The stems of the words that carry meaning (no stop words, no numbers)."""
    return {stem(w) for w in _WORD.findall(fold(text)) if w not in STOPWORDS and not w.isdigit()}


def numbers(text: str) -> set[str]:
    """The numbers in a text, written one way: "4,200" and "4200" are one number, "9.50" is "9.5",
    and "eight" or "twenty-five" is "8" or "25" (a source that spells a number supports its digits)."""
    found = set()
    for raw in _NUMBER.findall(text):
        digits = re.sub(r"[,\u202f\u00a0]", "", raw)
        if "." in digits:
            digits = digits.rstrip("0").rstrip(".")
        found.add(digits)
    for tens, unit, single in _NUMBER_WORDS.findall(text.casefold()):
        found.add(str(_WORD_VALUES[tens] + _WORD_VALUES[unit] if tens else _WORD_VALUES[single]))
    return found


_UNIT_WORDS = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen twenty"
)
_TENS = "twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety"
_WORD_VALUES = {word: value for value, word in enumerate(_UNIT_WORDS.split())}
_WORD_VALUES |= {word: 30 + 10 * i for i, word in enumerate(_TENS.split("|")[1:])}
_NUMBER_WORDS = re.compile(
    rf"\b(?:({_TENS})[- ](one|two|three|four|five|six|seven|eight|nine)|({'|'.join(_WORD_VALUES)}))\b"
)
