"""A generated library of dated meeting notes over two years (plus a few reports and decks dated
only by their metadata), with the ground truth the time-scoped questions are checked against.

Dates are written the ways people write them: in titles (2021-10-21, 21 Oct 2021, October 21,
2021), in file names (2021-10-21-acme.md, 20211021-acme.md, acme 21 Oct 2021.md,
acme-Oct-21-2021.md), in front matter, and as the files' modification times."""

from __future__ import annotations

import datetime as dt
import os
import time
from dataclasses import dataclass
from pathlib import Path

TODAY = dt.date(2021, 10, 27)  # the bench's and tests' clock: a Wednesday
FIRST = dt.date(2020, 1, 8)
CUSTOMERS = ["Acme", "Globex", "Initech", "Umbrella", "Stark", "Wayne", "Hooli", "Soylent"]
TOPICS = [
    ("the data migration", "moving the archive to the new cluster", "the old export tool may corrupt dates"),
    ("the pricing review", "a two-year price freeze", "a competitor undercuts the renewal"),
    ("the onboarding plan", "two training sessions per team", "trainers are booked until spring"),
    ("the security audit", "rotating every service password", "an unpatched VPN gateway"),
    ("the mobile app", "shipping the offline mode first", "the app store review may take weeks"),
    ("the quarterly roadmap", "dropping the legacy reports", "the integration team is short of staff"),
]
# Facts only one meeting holds, for the follow-up questions (date -> customer, subject, sentences).
SPECIAL = {
    dt.date(2021, 3, 10): (
        "Acme",
        "the Acme pilot",
        "We agreed to run the Acme pilot with the Lisbon warehouse team. "
        "The pilot starts on 3 May 2021 and lasts six weeks. Maria Okafor leads the pilot.",
    ),
    dt.date(2020, 11, 18): (
        "Initech",
        "the Initech migration",
        "Initech will migrate its billing system to our platform. The migration is led by Tom Berger "
        "and is planned to last four months, ending in March.",
    ),
    dt.date(2021, 6, 9): (
        "Globex",
        "the Globex contract",
        "Globex signed the renewal of the support contract for 180,000 euros per year. The contract "
        "renews every January and Globex asked for a dedicated account manager.",
    ),
    dt.date(2021, 8, 4): (
        "Stark",
        "the Stark security review",
        "The Stark security review found 14 open findings, 3 of them critical. Priya Natarajan owns "
        "the remediation, due by 30 September 2021.",
    ),
    dt.date(2020, 5, 27): (
        "Umbrella",
        "the Umbrella budget",
        "Umbrella approved a budget of 62,000 dollars for the rollout. The budget covers licences and "
        "two consultants for the summer.",
    ),
    dt.date(2021, 10, 21): (
        "Hooli",
        "the Hooli renewal",
        "The Hooli renewal is due on 15 December 2021. Hooli wants a 10 percent discount and a new SLA.",
    ),
}
EXTRA_DATES = [dt.date(2021, 10, 19), dt.date(2021, 10, 21), dt.date(2021, 10, 25), dt.date(2021, 10, 26)]


@dataclass(frozen=True)
class DatedDocument:
    path: Path
    date: dt.date
    kind: str  # note | pdf | slides
    source: str  # where its date is written: title, file name, front matter, modified, pdf/pptx metadata
    customer: str
    subject: str


def meeting_dates() -> list[dt.date]:
    dates = []
    day = FIRST
    while day < dt.date(2021, 10, 14):
        dates.append(day)
        day += dt.timedelta(days=14)
    return sorted({*dates, *EXTRA_DATES, *SPECIAL})


def _title_date(day: dt.date, n: int) -> str:
    return [day.isoformat(), f"{day.day} {day:%b %Y}", f"{day:%B} {day.day}, {day.year}"][n % 3]


def _name_date(day: dt.date, n: int, customer: str) -> str:
    slug = customer.lower()
    return [
        f"{day.isoformat()}-{slug}.md",
        f"{day:%Y%m%d}-{slug}.md",
        f"{slug} {day.day} {day:%b %Y}.md",
        f"{slug}-{day:%b}-{day.day:02d}-{day.year}.md",
    ][n % 4]


def make_meeting_library(folder: Path) -> list[DatedDocument]:
    """Writes the library under `folder` (Meetings/, Reports/, Decks/) and returns its ground truth."""
    meetings = folder / "Meetings"
    meetings.mkdir(parents=True, exist_ok=True)
    made: list[DatedDocument] = []
    for n, day in enumerate(meeting_dates()):
        customer, subject, special = SPECIAL.get(day, (CUSTOMERS[n % len(CUSTOMERS)], "", ""))
        topic, decision, risk = TOPICS[n % len(TOPICS)]
        subject = subject or f"{customer} {topic.removeprefix('the ')}"
        body = (
            f"Attendees: {customer} team, our account lead and a note taker.\n\n"
            f"## Discussion\n\nWe reviewed {topic} with {customer}. {special}\n\n"
            f"## Decisions\n\n- {customer} and we decided on {decision}.\n\n"
            f"## Risks\n\n- {risk.capitalize()} (raised by {customer}).\n\n"
            f"## Action items\n\n- Send {customer} the minutes of meeting {n + 1} within two days.\n"
        )
        style = n % 5
        if style == 0:  # the date in the title only
            name, text, source = (
                f"{customer.lower()}-meeting-{n + 1:02d}.md",
                f"# {customer} meeting {_title_date(day, n)}\n\n{body}",
                "title",
            )
        elif style == 1:  # in the file name only
            name, text, source = (
                _name_date(day, n, customer),
                f"# Meeting with {customer}\n\n{body}",
                "file name",
            )
        elif style == 2:  # in front matter only
            name = f"{customer.lower()}-notes-{n + 1:02d}.md"
            front = f"---\ntitle: {customer} meeting\ndate: {day.isoformat()}\n---\n\n"
            text = f"{front}# {customer} meeting\n\n{body}"
            source = "front matter"
        elif style == 3:  # title and file name, in different forms
            name, text, source = (
                _name_date(day, n + 1, customer),
                f"# {customer} sync — {_title_date(day, n + 1)}\n\n{body}",
                "title",
            )
        else:  # nowhere but the modification time
            name, text, source = (
                f"{customer.lower()}-catch-up-{n + 1:02d}.md",
                f"# Catch-up with {customer}\n\n{body}",
                "modified",
            )
        path = meetings / name
        path.write_text(text, encoding="utf-8")
        _set_mtime(path, day)
        made.append(DatedDocument(path, day, "note", source, customer, subject))
    made.append(_long_review(meetings))
    made += _reports(folder / "Reports") + _decks(folder / "Decks")
    return sorted(made, key=lambda d: (d.date, str(d.path)))


LONG_REVIEW = dt.date(2021, 4, 14)


def _long_review(folder: Path) -> DatedDocument:
    """One long document (a half-year review): too long to go into a set answer whole, so a set
    question over it needs the model's notes (and a second ask reads them from the cache)."""
    sections = []
    for n, customer in enumerate(CUSTOMERS * 3):
        topic, decision, risk = TOPICS[n % len(TOPICS)]
        sections.append(
            f"## {customer}, part {n // len(CUSTOMERS) + 1}\n\n"
            f"Over the half year {customer} worked with us on {topic}. The account grew by {3 + n} percent. "
            f"The main decision was {decision}; the main risk is that {risk}. "
            f"The team met {customer} {4 + n % 5} times and agreed to review progress every month. "
            f"Open questions remain about staffing, the budget for next year and the support hours."
        )
    path = folder / f"half-year-review-{LONG_REVIEW.isoformat()}.md"
    path.write_text(
        f"# Half-year account review {LONG_REVIEW.isoformat()}\n\n" + "\n\n".join(sections), "utf-8"
    )
    _set_mtime(path, LONG_REVIEW)
    return DatedDocument(path, LONG_REVIEW, "note", "title", "", "the half-year review")


@dataclass(frozen=True)
class ScopedQuestion:
    """A time-scoped question and the period (and kind) whose documents it must read and cite."""

    text: str
    start: dt.date | None
    end: dt.date | None
    kind: str | None = None


def _d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


SCOPED_QUESTIONS = [
    ScopedQuestion(
        "Summarize last week's customer meetings and identify risks", _d("2021-10-18"), _d("2021-10-24")
    ),
    ScopedQuestion("What was decided in March 2021?", _d("2021-03-01"), _d("2021-03-31")),
    ScopedQuestion("List the risks raised this month", _d("2021-10-01"), _d("2021-10-31")),
    ScopedQuestion("Summarize the meetings in Q3 2021", _d("2021-07-01"), _d("2021-09-30")),
    ScopedQuestion("What did we discuss yesterday?", _d("2021-10-26"), _d("2021-10-26")),
    ScopedQuestion("What was decided since Monday?", _d("2021-10-25"), None),
    ScopedQuestion("Recap the last two weeks", _d("2021-10-14"), _d("2021-10-27")),
    ScopedQuestion(
        "Summarize the meetings from 1 June 2021 to 15 June 2021", _d("2021-06-01"), _d("2021-06-15")
    ),
    ScopedQuestion("What happened in the meetings in January 2020?", _d("2020-01-01"), _d("2020-01-31")),
    ScopedQuestion(
        "What were the action items between 2 February and 12 February 2021?",
        _d("2021-02-02"),
        _d("2021-02-12"),
    ),
    ScopedQuestion(
        "Give me an overview of the slides from last month", _d("2021-09-01"), _d("2021-09-30"), "slides"
    ),
    ScopedQuestion("What was decided two weeks ago?", _d("2021-10-11"), _d("2021-10-17")),
]
SET_OF_FIVE = ScopedQuestion(
    "Summarize the meetings between 19 October and 25 October 2021", _d("2021-10-19"), _d("2021-10-25")
)
WITH_NOTES = ScopedQuestion("Summarize the meetings in April 2021", _d("2021-04-01"), _d("2021-04-30"))


@dataclass(frozen=True)
class FollowUp:
    """Two turns; the second is right when its retrieval finds `document` (a date of SPECIAL) first
    and its filter is the one expected (None = none)."""

    first: str
    second: str
    document: dt.date | None
    start: dt.date | None = None
    end: dt.date | None = None
    set_question: bool = False


FOLLOW_UPS = [
    FollowUp("Who leads the Acme pilot?", "and how long does it last?", _d("2021-03-10")),
    FollowUp("Who leads the Initech migration?", "how long will it take?", _d("2020-11-18")),
    FollowUp(
        "What did Globex sign in June 2021?",
        "how much is it worth per year?",
        _d("2021-06-09"),
        _d("2021-06-01"),
        _d("2021-06-30"),
    ),
    FollowUp(
        "How many findings did the Stark security review find?", "who owns the remediation?", _d("2021-08-04")
    ),
    FollowUp("What budget did Umbrella approve?", "and what does it cover?", _d("2020-05-27")),
    FollowUp("When is the Hooli renewal due?", "what discount do they want?", _d("2021-10-21")),
    FollowUp(
        "Summarize last week's meetings",
        "and what about two weeks ago?",
        None,
        _d("2021-10-11"),
        _d("2021-10-17"),
        True,
    ),
    FollowUp(
        "What risks were raised in March 2021?", "and in 2020?", None, _d("2020-01-01"), _d("2020-12-31")
    ),
    FollowUp("Tell me about the Acme pilot", "who leads it?", _d("2021-03-10")),
    FollowUp(
        "What did the Stark review in August 2021 find?",
        "when is the remediation due?",
        _d("2021-08-04"),
        _d("2021-08-01"),
        _d("2021-08-31"),
    ),
    FollowUp(
        "Tell me about the Globex support contract",
        "summarise that document",
        _d("2021-06-09"),
        set_question=True,
    ),
    FollowUp("What did Umbrella approve for the rollout?", "who does the budget pay for?", _d("2020-05-27")),
]


def _set_mtime(path: Path, day: dt.date) -> None:
    stamp = time.mktime(dt.datetime.combine(day, dt.time(17, 0)).timetuple())
    os.utime(path, (stamp, stamp))


def _reports(folder: Path) -> list[DatedDocument]:
    """PDFs dated only by their Info dictionary's CreationDate."""
    from quire.library.samples import make_pdf

    folder.mkdir(parents=True, exist_ok=True)
    made = []
    for day, name, text in [
        (
            dt.date(2021, 10, 20),
            "customer-health.pdf",
            "Customer health report. Churn risk is highest at Soylent.",
        ),
        (
            dt.date(2021, 3, 22),
            "spring-forecast.pdf",
            "Spring forecast. Revenue grows 12 percent if Acme renews.",
        ),
    ]:
        path = make_pdf(folder / name, [text, "Appendix with the figures by customer."])
        data = path.read_bytes()
        start = data.find(b"/CreationDate (D:")
        if start >= 0:  # same length: the cross-reference offsets stay right
            stamp = f"/CreationDate (D:{day:%Y%m%d}090000".encode()
            data = data[:start] + stamp + data[start + len(stamp) :]
            path.write_bytes(data)
        _set_mtime(path, TODAY)  # modified later than written: the metadata date must win
        made.append(DatedDocument(path, day, "pdf", "pdf metadata", "", name))
    return made


def _decks(folder: Path) -> list[DatedDocument]:
    """Decks dated by their core properties (created)."""
    from pptx import Presentation

    folder.mkdir(parents=True, exist_ok=True)
    made = []
    for day, name, title, body in [
        (dt.date(2021, 10, 22), "sales-kickoff.pptx", "Sales kickoff", "Targets for Q4: three new logos."),
        (
            dt.date(2021, 9, 14),
            "product-update.pptx",
            "Product update",
            "The offline mode ships in November.",
        ),
    ]:
        deck = Presentation()
        slide = deck.slides.add_slide(deck.slide_layouts[1])
        slide.shapes.title.text = title
        slide.placeholders[1].text = body
        deck.core_properties.created = dt.datetime.combine(day, dt.time(10))
        path = folder / name
        deck.save(str(path))
        _set_mtime(path, TODAY)
        made.append(DatedDocument(path, day, "slides", "pptx properties", "", name))
    return made


def in_range(documents: list[DatedDocument], start: dt.date | None, end: dt.date | None) -> set[str]:
    return {
        str(d.path)
        for d in documents
        if (start is None or d.date >= start) and (end is None or d.date <= end)
    }
