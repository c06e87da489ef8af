"""Sentence splitting for the quick answer and the claim check, and the loop guard, on the shapes
extracted text really has (PDF line wraps and hyphens, bullets, table rows, slide lines)."""

from __future__ import annotations

import pytest

from quire.chat.loop_guard import LoopGuard
from quire.chat.sentences import content_words, end_of_sentences, numbers, split_sentences


def texts(text: str, lines: bool = False) -> list[str]:
    return [s.text for s in split_sentences(text, lines=lines)]


def test_pdf_line_wraps_and_hyphens_are_undone() -> None:
    page = (
        "Methods. The sensor network recorded a mean water\ntemperature of 14.3 degrees Celsius. "
        "Sensors were\nrecalibrated against a reference thermo-\nmeter kept at the station, e.g. in June."
    )
    assert texts(page) == [
        "Methods.",  # a run-in heading stands alone: the quick answer quotes the sentence after it
        "The sensor network recorded a mean water temperature of 14.3 degrees Celsius.",
        "Sensors were recalibrated against a reference thermometer kept at the station, e.g. in June.",
    ]


def test_abbreviations_initials_and_decimals_do_not_end_a_sentence() -> None:
    assert texts("Dr. Smith approved 3.5 million on 3 Jan. 2024. J. R. Okafor signed it.") == [
        "Dr. Smith approved 3.5 million on 3 Jan. 2024.",
        "J. R. Okafor signed it.",
    ]


def test_bullets_rows_and_titles_are_units_of_their_own() -> None:
    note = (
        "## Decisions\n- Acme will extend the pilot by three months,\n  to the end of January.\n"
        "- Weekly updates instead of monthly.\n\nVendor | Contract ends\nCloudPeak | June 2026\n\n"
        "Grandmother's lemon cake\n\nBake for 40 minutes."
    )
    found = split_sentences(note)
    assert [(s.kind, s.text) for s in found] == [
        ("title", "Decisions"),
        ("bullet", "Acme will extend the pilot by three months, to the end of January."),
        ("bullet", "Weekly updates instead of monthly."),
        ("row", "Vendor | Contract ends"),
        ("row", "CloudPeak | June 2026"),
        ("title", "Grandmother's lemon cake"),
        ("prose", "Bake for 40 minutes."),
    ]


def test_slide_lines_stay_apart_without_full_stops() -> None:
    slide = "Revenue\nRevenue in Q3 2024 was 4.2 million euros\nUp 12% on the same quarter last year"
    assert texts(slide, lines=True) == [
        "Revenue",
        "Revenue in Q3 2024 was 4.2 million euros",
        "Up 12% on the same quarter last year",
    ]
    assert len(texts(slide)) == 1  # the same text read as prose is one run-on sentence


def test_numbers_are_compared_as_written_values() -> None:
    assert numbers("4,200 euros, 9,900.00 dollars, 14.3 degrees and 6% in Q3") == {
        "4200",
        "9900",
        "14.3",
        "6",
    }
    # A source that spells a number supports the digits a model writes for it.
    assert numbers("a paid sabbatical of eight weeks, twenty-five days or Forty hours") == {"8", "25", "40"}
    assert numbers("eighteen months, not eight") == {"18", "8"}
    assert content_words("How many days do I have to submit my expense reports?") == {
        "day",
        "submit",
        "expens",
        "report",
    }


def feed(text: str) -> tuple[str, int | None]:
    """Stream text word by word through a guard; the kept text and where the stream was stopped."""
    guard, sent = LoopGuard(), ""
    for word in text.split(" "):
        piece = word + " "
        sent += piece
        cut = guard.feed(piece)
        if cut is not None:
            return sent[:cut], len(sent)
    return sent.strip(), None


@pytest.mark.parametrize(
    ("stream", "kept"),
    [
        (
            "The sabbatical lasts eight weeks after five years. " * 6,
            "The sabbatical lasts eight weeks after five years.",
        ),
        ("The document contains the following pages:\n" * 16, "The document contains the following pages:"),
        ("It lasts 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20", "It lasts"),
        (
            "Book economy class for short flights, and business class for the long flights with "
            "approval, and business class for the long flights with approval, and business class for "
            "the long flights with approval, and business class",
            "Book economy class for short flights, and business class for the long flights with approval,",
        ),
    ],
)
def test_a_loop_is_stopped_early_and_its_repeat_trimmed(stream: str, kept: str) -> None:
    text, stopped_at = feed(stream)
    assert text == kept
    assert stopped_at is not None and stopped_at < len(stream) * 0.75  # not run on to the end


@pytest.mark.parametrize(
    "answer",
    [
        "- Telescopes: 9,900 dollars [1]\n- Cabling: 1,250 dollars [1]\n- Puffins: 287 [2]\nIn all 11,150.",
        "| Item | Cost |\n|---|---|\n| A | 1 |\n| B | 2 |\n| C | 3 |\n| D | 4 |\n| E | 5 |\n| F | 6 |",
        "The hotel limit is 250 euros in London [1]. The hotel limit is 180 euros in Berlin [1].",
        "Steps: first book the flight, then the hotel, then submit the report within 30 days.",
    ],
)
def test_answers_that_only_look_alike_are_not_cut(answer: str) -> None:
    assert feed(answer)[1] is None


def test_a_tiny_models_answer_ends_after_its_sentences() -> None:
    text = (
        "Dr. Okafor approved 3.5 million on 3 Jan. 2024 [1]. It covers the telescope. "
        "It also covers the cabling [2] [3]. However, the"
    )
    end = end_of_sentences(text, 3)
    assert end is not None and text[:end].endswith("the cabling [2] [3].")
    assert end_of_sentences(text, 4) is None  # the fourth has begun but not ended
    assert end_of_sentences("The sabbatical lasts eight weeks.", 1) is None  # nothing after it yet


def test_the_stream_stops_at_the_sentence_budget() -> None:
    from quire.chat.answer import AnswerStream
    from quire.providers.base import ProviderHealth, TokenEvent

    class Rambling:  # the default model's size, writing on past its two sentences
        name, model, context_tokens, parameters = "local", "tiny.gguf", 4096, 135e6
        written = 0

        def count_tokens(self, text: str) -> int:
            return len(text.split())

        def health(self) -> ProviderHealth:
            return ProviderHealth(True, self.model)

        def stream(self, messages, *, max_tokens, sampling):  # type: ignore[no-untyped-def]
            for word in ("It lasts eight weeks [1]. Take it after five years. Plan it early. " * 9).split(
                " "
            ):
                self.written += 1
                yield TokenEvent(word + " ")

    provider = Rambling()
    stream = AnswerStream("How long is the sabbatical?", [], [provider])
    answer = stream.result()
    assert answer.answer == "It lasts eight weeks [1]. Take it after five years. Plan it early."
    assert answer.stop_reason == "sentences" and answer.notice is None and provider.written < 20


def test_a_stutter_inside_one_word_is_stopped() -> None:
    start = "To forward it, use [https://www.example.com/us/"
    guard, sent, cut = LoopGuard(), "", None
    for piece in [start, *(["us-"] * 60)]:  # no space ever comes
        sent += piece
        cut = guard.feed(piece)
        if cut is not None:
            break
    assert cut is not None and sent[:cut] == start and len(sent) < len(start) + 40
    assert (
        feed("A rule: ---------------------------------------- and a row 0000000000000000000000.")[1] is None
    )
