"""Each sentence of a finished answer checked against the sources it was written from.

A sentence is matched to the passage that supports it best (by meaning and shared words) and gets
that passage's [n] when the model left it out. Numbers, amounts, dates and proper names that appear
in no source, and not in the question either, are flagged "not found in your documents": small
models invent them, and a user cannot tell an invented figure from a quoted one."""

from __future__ import annotations

import re
from dataclasses import dataclass

from quire.chat.quick import Evidence
from quire.chat.sentences import STOPWORDS, content_words, fold, numbers, split_sentences

SUPPORTED = 0.5  # a sentence scoring this against a source sentence says what that source says
NOT_FOUND = "not found in your documents"
_CITE = re.compile(r"\s*\[(\d+)\]")
# Capitalised words after the first word of a sentence, and runs of two or more at its start.
_CAPITALISED = re.compile(
    r"\b[A-Z][\w’'&-]*[a-z][\w’'&-]*(?:\s+(?:of|de|van|von|the|and|&)?\s*[A-Z][\w’'&-]+)*"
)
_NUMBER_WITH_UNIT = re.compile(
    r"(?<![\w.])[$€£¥]?\s?\d[\d,.\u202f\u00a0]*\s?(?:%|percent|euros?|dollars?|pounds?|eur|usd|gbp|[kKmM]\b|"
    r"(?:million|billion|thousand|hours?|days?|weeks?|months?|years?|minutes?|km|kg|g|m)\b)?"
)
_COMMON_CAPITALISED = frozenset(
    [
        "i",
        "ok",
        "yes",
        "no",
        "note",
        "notes",
        "source",
        "sources",
        "answer",
        "however",
        "also",
        "the",
        "this",
        "that",
        "these",
        "those",
        "it",
        "in",
        "on",
        "at",
        "for",
        "if",
        "when",
        "while",
        "according",
        "based",
        "yes",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "markdown",
        "pdf",
        "slide",
        "slides",
        "page",
        "pages",
        "document",
        "documents",
        "excerpt",
        "excerpts",
    ]
)


@dataclass(frozen=True)
class SentenceSupport:
    sentence: str
    n: int | None  # the source that supports it best; None when none does
    unsupported: list[str]  # numbers, dates and names found in no source
    quoted: str | None = None  # the sentence of source n that says it


@dataclass(frozen=True)
class SupportCheck:
    sentences: list[SentenceSupport]
    cited_text: str  # the answer with a [n] added to each supported sentence that had none

    @property
    def unsupported(self) -> list[str]:
        return [term for s in self.sentences for term in s.unsupported]

    @property
    def all_unsupported(self) -> bool:
        """The answer's checkable claims (numbers, names) are all missing from the sources, or no
        sentence of it could be matched to any source."""
        claims = [s for s in self.sentences if s.unsupported or _has_claim(s.sentence)]
        if claims:
            return all(s.unsupported for s in claims)
        return bool(self.sentences) and all(s.n is None for s in self.sentences)


def check_support(answer: str, evidence: Evidence) -> SupportCheck:
    units = [u.text for u in split_sentences(answer) if content_words(_CITE.sub("", u.text))]
    if not units:
        return SupportCheck([], answer)
    sources = "\n".join(hit.text + "\n" + (hit.heading or "") for hit in evidence.hits)
    known_numbers = numbers(sources) | numbers(evidence.question)
    known_text = fold(f"{sources}\n{evidence.question}")
    best = _best_sources([_CITE.sub("", u) for u in units], evidence)
    checked: list[SentenceSupport] = []
    text = answer
    for unit, (n, score, quoted) in zip(units, best, strict=True):
        cited = [int(c) for c in _CITE.findall(unit) if 1 <= int(c) <= len(evidence.hits)]
        plain = _CITE.sub("", unit)
        missing = _unsupported(plain, known_numbers, known_text)
        supported = n if score >= SUPPORTED else None
        source = cited[0] if cited else supported
        checked.append(SentenceSupport(plain.strip(), source, missing, quoted if source == n else None))
        if supported is not None and not cited:
            text = _add_citation(text, unit, supported)
    return SupportCheck(checked, text)


def _best_sources(sentences: list[str], evidence: Evidence) -> list[tuple[int | None, float, str | None]]:
    """For each answer sentence, the best-matching source (1-based), how well it matches and its
    sentence that matches."""
    candidates = evidence.candidates
    if not candidates:
        return [(None, 0.0, None)] * len(sentences)
    vectors = evidence.encoder.encode(sentences)
    similarity = vectors @ evidence.vectors.T
    found: list[tuple[int | None, float, str | None]] = []
    for row, sentence in zip(similarity, sentences, strict=True):
        words = content_words(sentence)
        best: tuple[int | None, float, str | None] = (None, 0.0, None)
        for value, cand in zip(row, candidates, strict=True):
            shared = len(words & content_words(cand.text)) / len(words) if words else 0.0
            score = 0.6 * float(value) + 0.4 * shared
            if score > best[1]:
                best = (cand.index + 1, score, cand.text)
        found.append(best)
    return found


def _unsupported(sentence: str, known_numbers: set[str], known_text: str) -> list[str]:
    missing: list[str] = []
    for match in _NUMBER_WITH_UNIT.finditer(sentence):
        term = match.group(0).strip().rstrip(",.")  # "January 1, 2025": the 1, not "1,"
        if numbers(term) and not numbers(term) <= known_numbers and term not in missing:
            missing.append(term)
    for name in _names(sentence):
        # Word by word: "Priya Raman" is found in "Project lead: Priya Raman", "Priya Sharma" is not.
        words = [w for w in fold(name).split() if len(w) > 2 and w not in STOPWORDS]
        if any(not re.search(rf"\b{re.escape(w)}\b", known_text) for w in words) and name not in missing:
            missing.append(name)
    return missing


def _names(sentence: str) -> list[str]:
    names = []
    for match in _CAPITALISED.finditer(sentence):
        name = match.group(0)
        at_start = not sentence[: match.start()].strip(" \"'“‘*-•(")
        words = name.split()
        if at_start and len(words) < 2:
            continue  # a capital that only starts the sentence
        if all(fold(w) in _COMMON_CAPITALISED or fold(w) in STOPWORDS for w in words):
            continue
        names.append(name)
    return names


def _has_claim(sentence: str) -> bool:
    return bool(numbers(sentence)) or bool(_names(sentence))


def _add_citation(text: str, unit: str, n: int) -> str:
    """Put [n] after the sentence where it stands in the answer, before its closing stop."""
    position = text.find(unit)
    if position < 0:
        return text
    end = position + len(unit)
    body = unit.rstrip()
    stop = len(body) - len(body.rstrip(".!?:;"))
    insert = position + len(body) - stop
    return f"{text[:insert]} [{n}]{text[insert:end]}{text[end:]}"
