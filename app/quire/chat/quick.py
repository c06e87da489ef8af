"""The instant answer: the sentences of the retrieved passages that answer the question, with [n].

Shown as soon as retrieval returns, before any model runs: on a 2-core laptop this is what the
user reads first, and it can only say what the documents say. Each sentence is scored against the
question by meaning (the embedder already loaded for search), by the question's own words and by
the kind of answer asked for (a number for "how many", a name for "who")."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

from quire.chat.sentences import STOPWORDS, content_words, fold, numbers, split_sentences, stem
from quire.search.retrieve import Hit

MAX_SENTENCES = 3
MAX_CANDIDATES = 24  # sentences embedded per question (the likeliest by words): ~100 ms on 2 cores
MIN_SCORE = 0.45  # below this the best sentence does not answer the question: show none (bench QA set)
_WANTS_NUMBER = re.compile(
    r"(?i)\b(how (many|much|long|often|old|far|big|large)|cost|price|amount|number of|limit|percent|"
    r"budget|duration|total|rate|age|size|count|figure|spent|spend)\b"
)
_WANTS_TIME = re.compile(
    r"(?i)\b(when|what (year|date|time|day)|which (year|date|day)|deadline|how (soon|late|early))\b"
)
_YEAR = re.compile(r"^(1[89]|20)\d\d$")
_MONTH = re.compile(
    r"(?i)\b(jan(uary)?|feb(ruary)?|mar(ch)?|apr(il)?|may|june?|july?|aug(ust)?|sep(tember)?|oct(ober)?|"
    r"nov(ember)?|dec(ember)?|monday|tuesday|wednesday|thursday|friday|saturday|sunday|\d{1,2}:\d\d)\b"
)
_WANTS_NAME = re.compile(
    r"(?i)^\s*(who|whom|whose)\b|\b(which|what) (\w+ )?(app|tool|software|program|product|system|service|"
    r"company|firm|vendor|supplier|client|customer|person|team|office|city|country|town|place|lead|name)s?\b"
)
_WORDS = re.compile(r"[^\W_]+")
_SPEAKER_NOTES = re.compile(r"^Speaker notes:\s*")
_NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-z]+(?:\s+[A-Z][a-z]+)*")


class Encoder(Protocol):
    def encode(self, texts: list[str], batch_size: int = 32) -> Any: ...


@dataclass(frozen=True)
class QuickSentence:
    text: str
    n: int  # the source's number, 1-based, as in the answer's citations; 0 = about the library itself
    score: float
    label: str = ""  # shown before it (the document's name, in an answer over a set of documents)

    @property
    def shown(self) -> str:
        text = f"{self.label}: {self.text}" if self.label else self.text
        return f"{text} [{self.n}]" if self.n else text


@dataclass(frozen=True)
class QuickAnswer:
    sentences: list[QuickSentence]
    hit_scores: list[float] = field(default_factory=list)  # best sentence score per hit, for reranking
    separator: str = " "  # "\n" when it lists documents, one per line

    @property
    def text(self) -> str:
        return self.separator.join(s.shown for s in self.sentences)

    @property
    def n(self) -> int | None:
        return next((s.n for s in self.sentences if s.n), None)

    def as_json(self) -> dict[str, Any] | None:
        if not self.sentences:
            return None
        data: dict[str, Any] = {"text": self.text, "n": self.n}
        if len({s.n for s in self.sentences if s.n}) > 1:
            data["sentences"] = [{"text": s.text, "n": s.n} for s in self.sentences]
        return data


@dataclass(frozen=True)
class _Candidate:
    text: str
    index: int  # the hit's position, 0-based
    order: int  # the sentence's position in its passage
    lexical: float
    bonus: float
    quotable: bool = True  # a sentence that can state a fact; titles and fragments only give context


class Evidence:
    """The sentences of one question's hits, scored against it; embedded once, on first use, and
    shared by the quick answer and the claim check."""

    def __init__(self, question: str, hits: list[Hit], encoder: Encoder, question_vector: Any = None) -> None:
        self.question = question
        self.hits = hits
        self.encoder = encoder
        self._question_vector = question_vector
        # Lexical and answer-kind evidence first: only the likeliest sentences are embedded.
        ranked = sorted(
            _candidates(question, hits), key=lambda c: c.lexical + c.bonus - 0.02 * c.index, reverse=True
        )
        self.candidates = ranked[:MAX_CANDIDATES]
        self._vectors: Any = None
        self._scored: list[tuple[float, _Candidate]] | None = None

    def reordered(self, order: list[int]) -> Evidence:
        """The same evidence over the hits in a new order (order[i] = the old index of hit i)."""
        moved = Evidence.__new__(Evidence)
        position = {old: new for new, old in enumerate(order)}
        moved.question, moved.encoder = self.question, self.encoder
        moved.hits = [self.hits[old] for old in order]
        moved._question_vector, moved._vectors = self._question_vector, self._vectors
        moved.candidates = [replace(c, index=position[c.index]) for c in self.candidates]
        moved._scored = None
        return moved

    @property
    def vectors(self) -> Any:
        """One normalised vector per candidate sentence."""
        if self._vectors is None:
            texts = [_SPEAKER_NOTES.sub("", c.text) for c in self.candidates]
            if self._question_vector is None:
                both = self.encoder.encode([self.question, *texts])
                self._question_vector, self._vectors = both[0], both[1:]
            else:
                self._vectors = self.encoder.encode(texts)
        return self._vectors

    def scored(self) -> list[tuple[float, _Candidate]]:
        """The candidates best first, by meaning, the question's words and the answer kind."""
        if self._scored is None:
            if not self.candidates:
                self._scored = []
            else:
                meaning = self.vectors @ self._question_vector
                self._scored = sorted(
                    (
                        (0.6 * float(m) + 0.3 * c.lexical + c.bonus - 0.01 * c.index, c)
                        for m, c in zip(meaning, self.candidates, strict=True)
                    ),
                    key=lambda pair: pair[0],
                    reverse=True,
                )
        return self._scored

    def hit_scores(self) -> list[float]:
        """Each hit's best sentence score (0 for a hit with none), for reranking."""
        best = [0.0] * len(self.hits)
        for score, cand in self.scored():
            best[cand.index] = max(best[cand.index], round(score, 4))
        return best


def quick_answer(evidence: Evidence) -> QuickAnswer:
    """The best 1-3 sentences across the hits; none when nothing answers well enough."""
    scored = [pair for pair in evidence.scored() if pair[1].quotable]
    if not scored or scored[0][0] < MIN_SCORE:
        return QuickAnswer([], evidence.hit_scores())
    best, top = scored[0]
    chosen = [(best, top)]
    covered = content_words(top.text)
    wanted = content_words(evidence.question)
    for score, cand in scored[1:]:
        if len(chosen) == MAX_SENTENCES or score < max(MIN_SCORE, best * 0.8):
            break
        words = content_words(cand.text)
        # Another sentence earns its place by answering a part of the question the first did not,
        # or by scoring nearly as well (a second source that says it too).
        adds = (wanted & words) - covered
        if (adds or score >= best * 0.92) and cand.quotable and not _near_copy(words, covered):
            chosen.append((score, cand))
            covered |= words
    # In reading order within a source, best source first: quoted text reads as it was written.
    first = {c.index: i for i, (_, c) in enumerate(chosen)}
    chosen.sort(key=lambda pair: (first[pair[1].index], pair[1].order))
    sentences = [QuickSentence(c.text, c.index + 1, round(s, 4)) for s, c in chosen]
    return QuickAnswer(sentences, evidence.hit_scores())


def quick_per_source(evidence: Evidence, min_score: float = MIN_SCORE * 0.8) -> QuickAnswer:
    """For a question over a set of documents: each source's best sentence for it, one per line
    (the sources in their order), where one answers well enough."""
    best: dict[int, tuple[float, _Candidate]] = {}
    for score, cand in evidence.scored():
        if cand.quotable and score >= min_score and cand.index not in best:
            best[cand.index] = (score, cand)
    sentences = [
        QuickSentence(c.text, i + 1, round(s, 4), Path(evidence.hits[i].path).name)
        for i, (s, c) in sorted(best.items())
    ]
    return QuickAnswer(sentences, evidence.hit_scores(), separator="\n")


def _candidates(question: str, hits: list[Hit]) -> list[_Candidate]:
    wanted = content_words(question)
    asked_numbers = numbers(question)
    wants_number = bool(_WANTS_NUMBER.search(question))
    wants_time = bool(_WANTS_TIME.search(question))
    wants_name = bool(_WANTS_NAME.search(question))
    found: list[_Candidate] = []
    seen: set[str] = set()
    pairs = _pairs(question)
    for index, hit in enumerate(hits):
        # Where a passage sits counts for all its sentences: its heading, and its file's name (a
        # question often names the document: "the biggest risk in the Q3 review").
        context = content_words(
            f"{hit.heading or ''} {Path(hit.path).stem.replace('-', ' ').replace('_', ' ')}"
        )
        title = (hit.heading or "").rsplit(" > ", 1)[-1].casefold()
        for order, sentence in enumerate(split_sentences(hit.text, lines=hit.slide is not None)):
            key = sentence.text.casefold()
            words = content_words(sentence.text)
            if key in seen or not words:
                continue
            seen.add(key)
            overlap = len(wanted & (words | context)) / len(wanted) if wanted else 0.0
            # The question's own phrases ("biggest risk", "annual leave") in order are a strong sign.
            bonus = min(0.16, 0.08 * len(pairs & _pairs(sentence.text)))
            # The kind of answer asked for: a number the question does not already give, a name.
            found_numbers = numbers(sentence.text) - asked_numbers
            if wants_number and any(not _YEAR.match(n) for n in found_numbers):
                bonus += 0.15  # an amount or a count; a year does not answer "how many"
            elif wants_time and (found_numbers or _MONTH.search(sentence.text)):
                bonus += 0.15
            if wants_name and any(content_words(n) - wanted for n in _NAME.findall(sentence.text)):
                bonus += 0.15
            quotable = sentence.kind != "title" and len(sentence.text.split()) >= 4 and key != title
            found.append(_Candidate(sentence.text, index, order, overlap, bonus, quotable))
    return found


def _pairs(text: str) -> set[tuple[str, str]]:
    """Neighbouring content words, stemmed: the phrases of a text."""
    words = [stem(w) for w in _WORDS.findall(fold(text)) if w not in STOPWORDS]
    return set(zip(words, words[1:], strict=False))


def _near_copy(words: set[str], covered: set[str]) -> bool:
    return bool(words) and len(words - covered) <= len(words) // 5
