"""A question (and the chat so far) → what to search for, and within what: the standalone query
retrieval runs on, the date range and scope (a QueryFilter the user sees and can remove), whether
it asks about a whole set of documents, and whether it follows up on the previous turn.

Follow-ups are resolved by rules that carry the previous question's subject, filters and documents
over (measured in `quire bench --only questions`); a model rewrite can replace the rules' wording
where a model was measured to do it reliably (see rewrite.py)."""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from quire.chat.time_phrases import find_time
from quire.search.filters import NO_FILTER, DateRange, QueryFilter, Scope

__all__ = ["NO_FILTER", "DateRange", "PriorTurn", "Query", "QueryFilter", "Scope", "understand"]

Clock = Callable[[], dt.date]


def today() -> dt.date:
    """Today's local date (the default clock; tests inject their own)."""
    return dt.date.today()


@dataclass(frozen=True)
class PriorTurn:
    """What a follow-up can lean on: the previous question as understood, and what it cited."""

    question: str
    standalone: str
    filter: QueryFilter = field(default_factory=QueryFilter)
    documents: tuple[str, ...] = ()  # the files the answer cited, best first
    answer: str = ""


@dataclass(frozen=True)
class Query:
    question: str  # as asked
    standalone: str  # what retrieval runs on: time and scope words out, a follow-up resolved
    filter: QueryFilter
    set_question: bool = False  # about a set of documents: read them all (chat/collection.py)
    follow_up: bool = False
    rewritten_by: str = ""  # "" | "rules" | "model"

    def to_json(self) -> dict[str, Any]:
        return {
            "standalone": self.standalone,
            "set_question": self.set_question,
            "follow_up": self.follow_up,
            "rewritten_by": self.rewritten_by or None,
        }


_I = re.IGNORECASE
_SET = re.compile(
    r"\b(summari[sz]e|summary|summaries|overview|recap|digest|roundup|"
    r"what (?:was|were|got|has been|have been|did we) "
    r"(?:decided|agreed|discussed|covered|decide|agree|discuss)|"
    r"what happened|decisions|action items|takeaways|highlights|key points|main points|"
    r"list (?:the|all|every|my|our)|across|each of|all (?:my|the|of the|our) \w+|"
    r"these \w+s\b|those \w+s\b|compare)",
    _I,
)
_SUBJECT = re.compile(
    r"\b(meeting|call|review|standup|stand-up|interview|workshop|retro|retrospective|report|minute|"
    r"note|deck|presentation|slide|document|email|memo|session|sync|one-on-one|1:1)s?\b",
    _I,
)
_WITHIN = r"\b(?:in|from|across|among|of) (?:all )?"
_KINDS = [
    (
        re.compile(
            _WITHIN + r"(?:my|the|our) "
            r"(?:slides?|slide decks?|decks?|presentations?|powerpoints?|pptx files?)\b",
            _I,
        ),
        "slides",
    ),
    (re.compile(_WITHIN + r"(?:my|the|our) (?:pdfs?|pdf files?)\b", _I), "pdf"),
    (re.compile(_WITHIN + r"(?:my|our) (?:notes|markdown notes|text notes|text files)\b", _I), "note"),
]
_Q = "[\"“']?"
_QE = "[\"”']?"
_FOLDER = [
    re.compile(
        r"\b(?:in|from|under|inside) (?:the |my |our )?" + _Q + r"(?P<name>[\w][\w .&-]{0,40}?)" + _QE
        + r" (?:folder|directory)\b",
        _I,
    ),
    re.compile(
        r"\b(?:in|from|under|inside) (?:the )?(?:folder|directory) " + _Q
        + r"(?P<name>[\w][\w.&-]{0,40})" + _QE,
        _I,
    ),
    re.compile(
        r"\b(?:the|my|our) " + _Q + r"(?P<name>[\w][\w.&-]{0,40})" + _QE + r" (?:folder|directory)\b", _I
    ),
]  # fmt: skip
_EXT = r"\.(?:pdf|pptx|md|markdown|txt)"
_FILE = re.compile(
    r"(?:\b(?:in|from|of|about)\s+)?(?:[\"“'](?P<quoted>[^\"”'\n]{1,120}?" + _EXT + r")[\"”']|"
    r"(?<![\w.])(?P<name>[\w][\w.&()-]{0,80}?" + _EXT + r"))(?![\w.])",
    _I,
)
_THAT_DOCUMENT = re.compile(
    r"\b(?:that|this|the same|the previous|the last) "
    r"(?:deck|presentation|slides|document|doc|file|pdf|report|note|paper|one)\b",
    _I,
)
_CLEAR_TIME = re.compile(r"\b(?:any ?time|at any time|all dates|whenever|ever)\b", _I)
_CLEAR_SCOPE = re.compile(
    r"\b(?:anywhere|in (?:the )?whole library|in all (?:my )?documents|everywhere)\b", _I
)
_FOLLOW_START = re.compile(
    r"^\s*(?:and|also|but|so|then|what about|how about|and what about|same for|ok(?:ay)?|now|and also)\b", _I
)
_PRONOUN = re.compile(
    r"\b(?:it|its|it's|that|this|they|them|their|those|these|there|he|she|him|her|ones?)\b", _I
)
_STOP = frozenset(
    """a an the and or but so then also what which who whom whose when where why how is are was were be
    been being do does did done have has had of in on at to for from by with about as into than that this
    these those it its it's they them their there he she him her we us our you your i me my can could
    would should will shall may might must please tell give show list summarise summarize explain
    describe find any some all each every one ones more most other same such only own just very too ok
    okay now again last next""".split()  # noqa: SIM905 (a word list reads better as words)
)


def _cut(text: str, start: int, end: int) -> str:
    return f"{text[:start]} {text[end:]}"


def _tidy(text: str) -> str:
    text = re.sub(r"\s+([?.!,;:])", r"\1", " ".join(text.split()))
    text = re.sub(r"\b(?:from|in|on|during|dated|of|since|for)\s*([?.!,]|$)", r"\1", text, flags=_I)
    text = re.sub(r"^(?:and|also|but|so|then|ok(?:ay)?|now)\b[\s,]*", "", text.strip(), flags=_I)
    return " ".join(text.split()).strip(" ,;:")


def content_words(text: str) -> list[str]:
    return [
        w for w in re.findall(r"[\w'’-]+", text.lower()) if w not in _STOP and not w.isdigit() and len(w) > 1
    ]


def parse_filter(text: str, clock_today: dt.date, bare_year: bool = False) -> tuple[QueryFilter, str]:
    """The date range and scope written in `text`, and the text without those words."""
    rest = text
    said: list[str] = []
    files: list[str] = []
    for named in list(_FILE.finditer(rest))[::-1]:  # first: a file's name may hold a date ("Q3 review.pdf")
        files.insert(0, (named.group("quoted") or named.group("name")).strip())
        said.insert(0, named.group(0).strip())
        rest = _cut(rest, named.start(), named.end())
    kinds: list[str] = []
    for pattern, kind in _KINDS:
        match = pattern.search(rest)
        if match:
            kinds.append(kind)
            said.append(match.group(0))
            rest = _cut(rest, match.start(), match.end())
    folders: list[str] = []
    for pattern in _FOLDER:
        match = pattern.search(rest)
        if match:
            folders.append(match.group("name").strip())
            said.append(match.group(0))
            rest = _cut(rest, match.start(), match.end())
            break
    dates: DateRange | None = None
    found = find_time(rest, clock_today, bare_year=bare_year)
    if found is not None:
        dates = found.dates
        rest = _cut(rest, found.start, found.end)
    scope = Scope(tuple(kinds), tuple(folders), tuple(files), "; ".join(said))
    subject = _SUBJECT.search(rest) if not files else None
    noun = ""
    if subject:
        word = subject.group(1).lower()
        noun = word if word.endswith("s") else word + "s"
    return QueryFilter(dates, scope, noun), _tidy(rest)


def is_set_question(text: str) -> bool:
    return _SET.search(text) is not None


def _merge(new: QueryFilter, old: QueryFilter, question: str) -> QueryFilter:
    """A follow-up's filter: what it says replaces, what it does not say carries over."""
    dates = new.dates if new.dates is not None else (None if _CLEAR_TIME.search(question) else old.dates)
    scope = new.scope if not new.scope.empty else (Scope() if _CLEAR_SCOPE.search(question) else old.scope)
    return QueryFilter(dates, scope, new.subject or old.subject)


def looks_like_follow_up(question: str, prior: PriorTurn | None) -> bool:
    if prior is None:
        return False
    words = content_words(question)
    if _FOLLOW_START.search(question) or _THAT_DOCUMENT.search(question):
        return True
    return len(words) <= 2 or (_PRONOUN.search(question) is not None and len(words) <= 4)


def subject_words(standalone: str) -> list[str]:
    """The previous question's subject, as words worth searching for."""
    return [w for w in content_words(standalone) if not _SET.fullmatch(w)]


def resolve_follow_up(text: str, prior: PriorTurn) -> str:
    """The follow-up with the previous subject put in: the pronoun replaced when there is one,
    the subject added otherwise ("and how long does it last?" → "how long does the Falcon
    project last?")."""
    own = set(content_words(text))
    missing = [w for w in subject_words(prior.standalone) if w not in own]
    if not missing:
        return text or prior.standalone
    subject = " ".join(missing)
    if not content_words(text):  # "what about 2021?": the previous question, for the new range
        return prior.standalone
    pronoun = re.search(r"\b(?:it|they|them|that|this|those|these)\b", text, _I)
    if pronoun and not _THAT_DOCUMENT.search(text):
        return _tidy(f"{text[: pronoun.start()]}the {subject}{text[pronoun.end() :]}")
    return _tidy(f"{text.rstrip('?.! ')} ({subject})") + ("?" if text.rstrip().endswith("?") else "")


def understand(
    question: str,
    prior: PriorTurn | None = None,
    clock: Clock = today,
    explicit: QueryFilter | None = None,
    rewrite: Callable[[str, PriorTurn], str | None] | None = None,
) -> Query:
    """The question as Quire will search and answer it. `explicit` (the CLI's --since/--until/--in,
    or the user removing the filter) replaces whatever the words say; `rewrite` is an optional
    model rewrite of a follow-up (its answer is used when it gives one)."""
    day = clock()
    follow_up = looks_like_follow_up(question, prior)
    parsed, rest = parse_filter(question, day, bare_year=follow_up or len(content_words(question)) <= 3)
    standalone = rest or question
    rewritten_by = ""
    query_filter = parsed
    if follow_up and prior is not None:
        query_filter = _merge(parsed, prior.filter, question)
        if _THAT_DOCUMENT.search(question) and prior.documents and parsed.scope.empty:
            query_filter = replace(
                query_filter, scope=Scope(files=prior.documents[:1], phrase="that document")
            )
        standalone = resolve_follow_up(rest, prior)
        rewritten_by = "rules"
        if rewrite is not None:
            better = rewrite(question, prior)
            if better:
                parsed_again, rest_again = parse_filter(better, day)
                standalone = rest_again or better
                rewritten_by = "model"
    if explicit is not None:
        query_filter = replace(explicit, subject=explicit.subject or query_filter.subject)
    set_question = is_set_question(question) or (
        follow_up and prior is not None and is_set_question(prior.question) and not content_words(rest)
    )
    return Query(question, standalone, query_filter, set_question, follow_up, rewritten_by)


def explicit_filter(
    since: str | None, until: str | None, within: list[str] | None, clock: Clock = today
) -> QueryFilter | None:
    """The CLI's --since DATE, --until DATE and --in PATH|KIND as one filter; None when none given.
    A DATE is anything a question may say ("2021-10-01", "last monday", "March 2021")."""
    from quire.chat.time_phrases import parse_point
    from quire.errors import QuireError

    if not (since or until or within):
        return None
    day = clock()
    start = end = None
    if since:
        found = parse_point(since, day)
        if found is None:
            raise QuireError(
                f"--since {since!r}: not a date Quire can read (try 2021-10-01 or 'last monday')"
            )
        start = found.start
    if until:
        found = parse_point(until, day)
        if found is None:
            raise QuireError(f"--until {until!r}: not a date Quire can read (try 2021-10-31 or 'yesterday')")
        end = found.end
    if start and end and start > end:
        raise QuireError(f"--since {since} is after --until {until}")
    kinds: list[str] = []
    folders: list[str] = []
    files: list[str] = []
    for item in within or []:
        kind = KIND_NAMES.get(item.lower())
        if kind:
            kinds.append(kind)
            continue
        path = os.path.abspath(os.path.expanduser(item))
        if os.path.isdir(path):
            folders.append(path)
        elif os.path.isfile(path):
            files.append(path)
        elif "." in os.path.basename(item):
            files.append(item)
        else:
            folders.append(item)
    dates = DateRange(
        start, end, " ".join(p for p in (since and f"since {since}", until and f"until {until}") if p)
    )
    scope = Scope(tuple(kinds), tuple(folders), tuple(files), " ".join(within or []))
    return QueryFilter(dates if (start or end) else None, scope, explicit=True)


KIND_NAMES = {
    "note": "note", "notes": "note", "md": "note", "txt": "note", "text": "note",
    "pdf": "pdf", "pdfs": "pdf",
    "slides": "slides", "slide": "slides", "deck": "slides", "decks": "slides", "pptx": "slides",
}  # fmt: skip


def filter_from_json(data: dict[str, Any] | None) -> QueryFilter:
    """A QueryFilter back from its to_json() (chats keep each turn's filter)."""
    if not data:
        return QueryFilter()
    dates = None
    if data.get("dates"):
        d = data["dates"]
        dates = DateRange(
            dt.date.fromisoformat(d["since"]) if d.get("since") else None,
            dt.date.fromisoformat(d["until"]) if d.get("until") else None,
            d.get("phrase", ""),
        )
    scope = Scope()
    if data.get("scope"):
        s = data["scope"]
        scope = Scope(
            tuple(s.get("kinds", ())),
            tuple(s.get("folders", ())),
            tuple(s.get("files", ())),
            s.get("phrase", ""),
        )
    return QueryFilter(dates, scope, data.get("subject", ""))
