"""Time in plain words → a date range, relative to today's local date (injected, for tests).

Calendar phrases ("last week" = the previous Monday–Sunday, "Q3 2024", "the last two weeks",
"since Monday", "in March 2021", "between 3 and 10 March") are rules here: no date library turns
a phrase into a *range* with calendar meaning. The dates inside a "since/until/between …" phrase
that the rules do not know ("since the 3rd of March", "until 03/04/2021") go to dateparser, which
reads dates in many forms and languages (see parse_point)."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from quire.library.dates import MONTHS, find_date
from quire.search.filters import DateRange

_NUMBERS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "few": 3, "couple of": 2,
}  # fmt: skip
_WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_ORDINAL_QUARTERS = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4}

_N = r"(?:\d{1,3}|couple of|few|an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)"
_UNIT = r"(?:day|week|fortnight|month|quarter|year)s?"
_MONTH = r"(?:" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")(?![a-z])\.?"
_WEEKDAY = r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)s?"
_YEAR = r"(?:19|20)\d\d"
_DAY = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?"
# One "point": a phrase naming a day, week, month, quarter or year (its range is the period).
_POINTS = [
    r"the day before yesterday",
    r"today|yesterday|this morning|this afternoon|tonight",
    r"(?:last|this|next|previous|current) (?:week|month|quarter|year)",
    rf"{_N} {_UNIT} ago",
    rf"(?:last|this|next|past) {_WEEKDAY}",
    rf"q[1-4](?:,? {_YEAR})?",
    rf"h[12] {_YEAR}",
    rf"the (?:first|second|third|fourth|1st|2nd|3rd|4th) quarter(?: of)?(?: {_YEAR})?",
    r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{8}|\d{1,2}[-/.]\d{1,2}[-/.]\d{4}",
    rf"{_MONTH}[-_/.]{_DAY}[-_/.]{_YEAR}|{_DAY}[-_/.]{_MONTH}[-_/.]{_YEAR}",
    rf"(?:the )?{_DAY}(?: of)? {_MONTH},?(?: {_YEAR})?",
    rf"{_MONTH} {_DAY}(?:,? {_YEAR})?",
    rf"{_MONTH}(?:,? (?:of )?{_YEAR})?",
    rf"(?:on )?{_WEEKDAY}",
    _YEAR,
]
_POINT = "(?:" + "|".join(_POINTS) + ")"
_B = r"(?<![\w-])"
_E = r"(?![\w-])"


@dataclass(frozen=True)
class Found:
    dates: DateRange
    start: int
    end: int


def _phrases() -> list[tuple[re.Pattern[str], str]]:
    raw = [
        (rf"between (?P<a>{_POINT}) and (?P<b>{_POINT})", "between"),
        (rf"from (?P<a>{_POINT}) (?:to|until|till|through|-|–) (?P<b>{_POINT})", "between"),
        (rf"(?:since|starting|as of) (?P<a>{_POINT})", "since"),  # "from last month" is that month
        (rf"after (?P<a>{_POINT})", "after"),
        (rf"before (?P<b>{_POINT})", "before"),
        (rf"(?:until|till|up to|through) (?P<b>{_POINT})", "until"),
        (
            rf"(?:(?:in|during|over|within|from|for) )?(?:the )?(?:last|past|previous) "
            rf"(?P<n>{_N}) (?P<unit>{_UNIT})",
            "rolling",
        ),
        (
            r"(?:(?:in|during|over|within|from|for) )?(?:the )?(?:last|past) (?P<unit>few days|fortnight)",
            "rolling",
        ),
        (r"(?:(?:in|during|over|within|from|for) )?the (?:last|past) (?P<unit>week|month|year)", "rolling"),
        (r"(?:(?:in|during|over|within|from|for) )?past (?P<unit>week|month|year)", "rolling"),
        (rf"(?:(?:in|on|during|from|of|dated|for) )?(?P<a>{_POINT})(?:'s|’s)?", "point"),
    ]
    return [(re.compile(_B + pattern + _E, re.IGNORECASE), kind) for pattern, kind in raw]


_PHRASES = _phrases()
_BARE_YEAR = re.compile(rf"(?:{_YEAR})", re.IGNORECASE)
_BARE_MONTH = re.compile(_MONTH, re.IGNORECASE)


def find_time(text: str, today: dt.date, bare_year: bool = False) -> Found | None:
    """The first time phrase in `text` and its range; None when it names no time. A year alone
    ("the 2027 plan") counts only with a preposition ("in 2027"), or when `bare_year` (a short
    follow-up like "what about 2021?")."""
    best: Found | None = None
    for pattern, kind in _PHRASES:
        for match in pattern.finditer(text):
            found = _read(match, kind, today, bare_year)
            if found is not None:
                if best is None or (found.start, -found.end) < (best.start, -best.end):
                    best = found
                break
    return best


def _read(match: re.Match[str], kind: str, today: dt.date, bare_year: bool) -> Found | None:
    phrase = match.group(0)
    groups = match.groupdict()
    if kind == "rolling":
        dates = _rolling(groups.get("n"), groups["unit"], today)
    else:
        a = parse_point(groups["a"], today) if groups.get("a") else None
        b = parse_point(groups["b"], today) if groups.get("b") else None
        if (groups.get("a") and a is None) or (groups.get("b") and b is None):
            return None
        if kind == "point":
            assert a is not None
            point = groups["a"].strip().lower()
            bare = phrase.strip().lower().removesuffix("'s").removesuffix("’s") == point
            # "the 2027 plan", "may I…": a year or month alone is a time only after a preposition
            if bare and ((_BARE_YEAR.fullmatch(point) and not bare_year) or _BARE_MONTH.fullmatch(point)):
                return None
            dates = a
        elif kind == "between":
            assert a is not None and b is not None
            dates = DateRange(a.start, b.end)
        elif kind == "since":
            assert a is not None
            dates = DateRange(a.start, None)
        elif kind == "after":
            assert a is not None and a.end is not None
            dates = DateRange(a.end + dt.timedelta(days=1), None)
        elif kind == "before":
            assert b is not None and b.start is not None
            dates = DateRange(None, b.start - dt.timedelta(days=1))
        else:  # until
            assert b is not None
            dates = DateRange(None, b.end)
    if dates is None:
        return None
    return Found(DateRange(dates.start, dates.end, phrase.strip()), match.start(), match.end())


def parse_point(text: str, today: dt.date) -> DateRange | None:
    """The period one point phrase names ("last week", "March 2021", "Monday", "2021-10-21")."""
    words = " ".join(text.lower().replace("’s", "").replace("'s", "").split())
    words = re.sub(r"^(?:on|the) ", "", words)
    if words == "the day before yesterday":
        return _day(today - dt.timedelta(days=2))
    if words in ("today", "this morning", "this afternoon", "tonight"):
        return _day(today)
    if words == "yesterday":
        return _day(today - dt.timedelta(days=1))
    match = re.fullmatch(r"(last|this|next|previous|current) (week|month|quarter|year)", words)
    if match:
        step = {"last": -1, "previous": -1, "this": 0, "current": 0, "next": 1}[match.group(1)]
        return _calendar(match.group(2), today, step)
    match = re.fullmatch(rf"({_N}) ({_UNIT}) ago", words)
    if match:
        unit = match.group(2).rstrip("s")
        back = _shift(today, unit, -_count(match.group(1)))
        return _calendar("week" if unit == "fortnight" else unit, back, 0) if unit != "day" else _day(back)
    match = re.fullmatch(rf"(?:(last|this|next|past) )?({_WEEKDAY})", words)
    if match:
        return _day(_weekday(match.group(2).rstrip("s"), today, match.group(1)))
    match = re.fullmatch(rf"q([1-4])(?:,? ({_YEAR}))?", words)
    if match:
        return _quarter(int(match.group(1)), int(match.group(2)) if match.group(2) else None, today)
    match = re.fullmatch(rf"(?:the )?(\w+) quarter(?: of)?(?: ({_YEAR}))?", words)
    if match and match.group(1) in _ORDINAL_QUARTERS:
        year = int(match.group(2)) if match.group(2) else None
        return _quarter(_ORDINAL_QUARTERS[match.group(1)], year, today)
    match = re.fullmatch(rf"h([12]) ({_YEAR})", words)
    if match:
        year, half = int(match.group(2)), int(match.group(1))
        return DateRange(dt.date(year, 6 * half - 5, 1), _month_end(year, 6 * half))
    if re.fullmatch(_YEAR, words):
        return DateRange(dt.date(int(words), 1, 1), dt.date(int(words), 12, 31))
    day = find_date(words)
    if day is not None:
        return _day(day)
    match = re.fullmatch(rf"({_MONTH}),? (?:of )?({_YEAR})", words)
    if match:
        month = MONTHS[match.group(1).rstrip(".")]
        return DateRange(dt.date(int(match.group(2)), month, 1), _month_end(int(match.group(2)), month))
    match = re.fullmatch(_MONTH, words)
    if match:
        month = MONTHS[words.rstrip(".")]
        year = today.year if month <= today.month else today.year - 1  # the most recent one
        return DateRange(dt.date(year, month, 1), _month_end(year, month))
    match = re.fullmatch(rf"({_DAY})(?: of)? ({_MONTH})|({_MONTH}) ({_DAY})", words)
    if match:
        day_text = match.group(1) or match.group(4)
        month = MONTHS[(match.group(2) or match.group(3)).rstrip(".")]
        return _day(_recent_day(month, int(re.sub(r"\D", "", day_text)), today))
    return _dateparser_point(text, today)


def _dateparser_point(text: str, today: dt.date) -> DateRange | None:
    """Dates the rules above do not read, in whatever form dateparser knows; None without it."""
    try:
        import dateparser  # heavy (locale data): only for the phrases the rules cannot read
    except ImportError:
        return None
    base = dt.datetime.combine(today, dt.time(12))
    settings = {"RELATIVE_BASE": base, "PREFER_DATES_FROM": "past", "REQUIRE_PARTS": ["year"]}
    data = dateparser.DateDataParser(languages=None, settings=settings).get_date_data(text)
    if data is None or data.date_obj is None:
        settings["REQUIRE_PARTS"] = []
        data = dateparser.DateDataParser(settings=settings).get_date_data(text)
    if data is None or data.date_obj is None:
        return None
    day = data.date_obj.date()
    if data.period == "year":
        return DateRange(dt.date(day.year, 1, 1), dt.date(day.year, 12, 31))
    if data.period == "month":
        return DateRange(dt.date(day.year, day.month, 1), _month_end(day.year, day.month))
    return _day(day)


def _day(day: dt.date) -> DateRange:
    return DateRange(day, day)


def _count(word: str) -> int:
    return int(word) if word.isdigit() else _NUMBERS.get(word, 1)


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _shift(day: dt.date, unit: str, n: int) -> dt.date:
    if unit == "day":
        return day + dt.timedelta(days=n)
    if unit == "week":
        return day + dt.timedelta(weeks=n)
    if unit == "fortnight":
        return day + dt.timedelta(weeks=2 * n)
    months = n * {"month": 1, "quarter": 3, "year": 12}[unit]
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return dt.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def _calendar(unit: str, today: dt.date, step: int) -> DateRange:
    if unit == "week":
        monday = today - dt.timedelta(days=today.weekday()) + dt.timedelta(weeks=step)
        return DateRange(monday, monday + dt.timedelta(days=6))
    if unit == "month":
        first = _shift(today.replace(day=1), "month", step)
        return DateRange(first, _month_end(first.year, first.month))
    if unit == "quarter":
        first = _shift(dt.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1), "quarter", step)
        last = _shift(first, "month", 2)
        return DateRange(first, _month_end(last.year, last.month))
    year = today.year + step
    return DateRange(dt.date(year, 1, 1), dt.date(year, 12, 31))


def _rolling(n: str | None, unit: str, today: dt.date) -> DateRange:
    """ "the last two weeks": the 14 days up to and including today."""
    unit = unit.lower()
    if unit == "few days":
        return DateRange(today - dt.timedelta(days=2), today)
    unit = unit.rstrip("s")
    start = _shift(today, unit, -(_count(n.lower()) if n else 1)) + dt.timedelta(days=1)
    return DateRange(start, today)


def _weekday(name: str, today: dt.date, which: str | None) -> dt.date:
    target = _WEEKDAYS.index(name)
    if which == "this":
        return today - dt.timedelta(days=today.weekday()) + dt.timedelta(days=target)
    if which == "next":
        return today + dt.timedelta(days=(target - today.weekday()) % 7 or 7)
    back = (today.weekday() - target) % 7
    if which in ("last", "past") and back == 0:
        back = 7
    return today - dt.timedelta(days=back)


def _quarter(quarter: int, year: int | None, today: dt.date) -> DateRange:
    if year is None:  # the most recent one that has begun
        year = today.year if 3 * quarter - 2 <= today.month else today.year - 1
    first = dt.date(year, 3 * quarter - 2, 1)
    return DateRange(first, _month_end(year, 3 * quarter))


def _recent_day(month: int, day: int, today: dt.date) -> dt.date:
    for year in (today.year, today.year - 1):
        try:
            found = dt.date(year, month, day)
        except ValueError:
            continue
        if found <= today:
            return found
    return dt.date(today.year - 1, month, min(day, 28))
