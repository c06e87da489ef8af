"""Stop an answer that has started to repeat itself, and trim the repeat.

Small models fall into loops: one sentence again and again, a line with the same start ("The
document contains the following pages:" sixteen times), a long run of words seen before, counting
("1 2 3 4 5 …"), or a stutter inside one word ("us-us-us-…"). Sampling penalties make loops
rarer; this guard makes them end early, whoever writes the answer."""

from __future__ import annotations

import re

NGRAM_WORDS = 10  # a run of this many words seen before is a loop; real prose rarely repeats so much
LONG_LINE = 25  # a sentence or line of at least this many characters may appear once
SHORT_LINE = 8  # a shorter one (a list item) may appear twice
RUN_TOKENS = 12  # this many bare numbers or dots in a row is counting, not an answer
_WORD = re.compile(r"\S+")
_UNIT_END = re.compile(r"(?<=[.!?:])\s+|\n+")
_STUTTER = re.compile(r"(\S{2,12}?)\1{9,}")  # ten copies of one short piece, back to back
_FILLER = re.compile(r"^(?:\d+[.,)]?|[.…·-]{1,3})$")  # "1 2 3", "1. 2. 3.", ". . ."; table bars reset


class LoopGuard:
    """Fed the answer as it streams; `check()` gives where to cut once it has started to loop."""

    def __init__(self) -> None:
        self._text = ""
        self._checked = 0

    def feed(self, piece: str) -> int | None:
        """Add streamed text; the length to trim the answer to when it now loops, else None."""
        self._text += piece
        stutter = _stutter(self._text)  # (within one word: no word end may ever come)
        if stutter is not None:
            return _trim_end(self._text, stutter)
        # Only at word ends: a half-written word cannot complete a repeat yet.
        if not piece or not piece[-1].isspace() and piece[-1] not in ".!?:;,":
            return None
        if len(self._text) - self._checked < 4:
            return None
        self._checked = len(self._text)
        return self.check()

    def check(self) -> int | None:
        text = self._text
        cuts = [c for c in (_repeated_unit(text), _repeated_ngram(text), _filler_run(text)) if c is not None]
        return _trim_end(text, min(cuts)) if cuts else None


def _units(text: str) -> list[tuple[int, str]]:
    """(start, normalised text) of each finished sentence or line."""
    units, start = [], 0
    for match in _UNIT_END.finditer(text):
        piece = text[start : match.start()]
        key = " ".join(re.sub(r"\[\d+\]", "", piece).casefold().split()).strip(" -*•#>")
        if key:
            units.append((start + len(piece) - len(piece.lstrip()), key))
        start = match.end()
    return units


def _repeated_unit(text: str) -> int | None:
    seen: dict[str, int] = {}
    for start, key in _units(text):
        if len(key) < SHORT_LINE:
            continue
        seen[key] = seen.get(key, 0) + 1
        if seen[key] >= (2 if len(key) >= LONG_LINE else 3):
            return start
    return None


def _repeated_ngram(text: str) -> int | None:
    """Where the text began repeating itself, when its last NGRAM_WORDS words appeared before."""
    matches = list(_WORD.finditer(text))
    words = [m.group(0).casefold().strip("[](),.;:") for m in matches]
    if len(words) < NGRAM_WORDS * 2:
        return None
    tail = words[-NGRAM_WORDS:]
    if sum(len(w) for w in tail) < 30:  # short tokens repeat legitimately (tables, lists of numbers)
        return None
    end = len(words) - NGRAM_WORDS
    for earlier in range(end - 1, -1, -1):
        if words[earlier : earlier + NGRAM_WORDS] == tail:
            period = end - earlier
            start = end
            while start - period > 0 and words[start - 1] == words[start - 1 - period]:
                start -= 1  # back to where the repeating block began: one whole copy stays
            start = max(start, period)
            return matches[start].start()
    return None


def _stutter(text: str) -> int | None:
    """Where a few characters start repeating without a break ("us-us-us-us-…" in a made-up URL)."""
    for match in _STUTTER.finditer(text, max(0, len(text) - 400)):
        if any(c.isalpha() for c in match.group(1)):  # not a rule of dashes or a row of zeros
            return match.start()
    return None


def _filler_run(text: str) -> int | None:
    run_start, run = None, 0
    for match in _WORD.finditer(text):
        if _FILLER.match(match.group(0)):
            run_start = match.start() if run == 0 else run_start
            run += 1
            if run >= RUN_TOKENS:
                return run_start
        else:
            run = 0
    return None


def _trim_end(text: str, cut: int) -> int:
    """Cut where the repeat starts, back over the space and any half-sentence before it."""
    kept = text[:cut].rstrip()
    end = max(kept.rfind(". "), kept.rfind("\n"), kept.rfind("! "), kept.rfind("? "))
    if kept and kept[-1] not in ".!?:\n" and end > len(kept) * 0.6:
        kept = kept[: end + 1].rstrip()
    return len(kept)
