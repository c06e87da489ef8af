"""Questions about whole documents: "What are the main points in my documents?", "What is this
deck about?", "Summarise report.pdf". They are answered from per-document overviews
(library/overview.py), one source per document, and cite the documents; the quick answer lists
them as they are, so even the smallest model's user reads a correct summary first."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from quire.chat.quick import QuickAnswer, QuickSentence
from quire.chat.sentences import content_words
from quire.library.overview import Overview
from quire.search.retrieve import Hit

# "What does X say about leave?" asks about leave, not about X: the open-ended forms must end the question.
_ABOUT_ALL = re.compile(
    r"(?i)\b(main|key|important) (points|topics|themes|ideas)\b|\b(summar(y|ise|ize)|overview|outline)\b|"
    r"\bwhat (is|are|'s) (in|inside) (my|the|this|these)\b|\b(topics|subjects) (of|in)\b|"
    r"\bwhat (do|does) .{0,40}\b(say|cover|contain|talk about)\s*\??\s*$|"
    r"\bwhat (is|are|'s) .{0,40}\babout\s*\??\s*$"
)
_WHOLE_LIBRARY = re.compile(
    r"(?i)\b(my|the|these|those|all( the| my)?|every) "
    r"(documents|docs|files|notes|library|papers|pdfs|decks|slides)\b|\b(library|everything)\b"
)
_KIND_WORDS = {
    "slides": re.compile(r"(?i)\b(deck|slides?|presentation|pptx)\b"),
    "pdf": re.compile(r"(?i)\b(pdf|paper|report|handbook|article)\b"),
    "note": re.compile(r"(?i)\b(note|notes|markdown|memo)\b"),
    "sheet": re.compile(r"(?i)\b(spreadsheets?|sheets?|workbook|xlsx|csv)\b"),
    "document": re.compile(r"(?i)\b(word (document|file)|docx|minutes)\b"),
    "web": re.compile(r"(?i)\b(web ?page|html|saved page)\b"),
    "ebook": re.compile(r"(?i)\b(e-?book|epub|book)\b"),
}
_THIS = re.compile(
    r"(?i)\b(this|that|the) (deck|presentation|document|doc|file|pdf|paper|report|note|spreadsheet|sheet|"
    r"book|page)\b"
)


@dataclass(frozen=True)
class DocumentQuestion:
    scope: str  # library | document
    overviews: list[Overview]  # the documents it is about, best first


def asks_about_documents(question: str) -> bool:
    """Whether a question may be about whole documents (then document_question says which)."""
    return bool(_ABOUT_ALL.search(question))


def document_question(question: str, overviews: list[Overview], hits: list[Hit]) -> DocumentQuestion | None:
    """The documents a question asks about as a whole, or None for a question about facts."""
    if not overviews or not asks_about_documents(question):
        return None
    named = _named(question, overviews)
    if named:
        return DocumentQuestion("document", named)
    if _WHOLE_LIBRARY.search(question) and not _THIS.search(question):
        return DocumentQuestion("library", overviews)
    kind = next((k for k, pattern in _KIND_WORDS.items() if pattern.search(question)), None)
    if _THIS.search(question) or kind:
        # "this deck": the document of that kind that the question's words found first
        candidates = [o for o in overviews if kind is None or o.kind == kind]
        if len(candidates) == 1:
            return DocumentQuestion("document", candidates)
        by_path = {o.path: o for o in candidates}
        best = next((by_path[h.path] for h in hits if h.path in by_path), None)
        if best is not None:
            return DocumentQuestion("document", [best])
    return None


def _named(question: str, overviews: list[Overview]) -> list[Overview]:
    """Documents the question names: by file name ("report.pdf"), or by most of a title's words."""
    lowered = question.casefold()
    by_name = [
        o for o in overviews if o.name.casefold() in lowered or Path(o.name).stem.casefold() in lowered
    ]
    if by_name:
        return by_name
    asked = content_words(question)
    scored = []
    for overview in overviews:
        title = content_words(overview.title) | content_words(Path(overview.name).stem.replace("-", " "))
        shared = asked & title
        if len(shared) >= 2 and len(shared) >= 0.5 * min(len(title), 4):
            scored.append((len(shared), overview))
    scored.sort(key=lambda pair: pair[0], reverse=True)
    return [o for n, o in scored if n == scored[0][0]] if scored else []


def overview_hits(overviews: list[Overview]) -> list[Hit]:
    """One source per document: its overview, cited as the document."""
    return [Hit(o.path, None, None, 1.0, o.text, o.title, f"overview:{o.path}") for o in overviews]


def documents_quick_answer(question: DocumentQuestion, shown: int) -> QuickAnswer:
    """What the documents are, as they say it: the quick answer for a question about documents."""
    sentences = []
    total = len(question.overviews)
    if question.scope == "library":
        more = f"; the {shown} most recent are listed" if shown < total else ""
        intro = f"Your library holds {total} document{'s' * (total != 1)}{more}."
        sentences.append(QuickSentence(intro, 0, 1.0))
    for n, overview in enumerate(question.overviews[:shown], start=1):
        parts = [f"{overview.name} ({overview.size}): {overview.title}"]
        if overview.headings:
            parts.append("covers " + ", ".join(overview.headings[:6]))
        sentences.append(QuickSentence(" — ".join(parts) + ".", n, 1.0))
    return QuickAnswer(sentences, [1.0] * min(shown, total), separator="\n")
