"""How to ask a model, by its size: the instructions, how many sources, how long an answer, how to sample.

A 135M model follows one short instruction and loses the thread over long prompts and long answers;
a 3B model or a LAN/OCI server follows a fuller brief and writes a longer, better-organised answer.
The figures behind each choice are in `quire bench --only answers` (README: Answer quality)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from quire.providers.base import SamplingOptions

NOT_IN_DOCUMENTS = "Your documents do not say."
NOT_ASKED = (
    f"{NOT_IN_DOCUMENTS} No passage found for this question answers it, so the model was not asked to guess."
)


@dataclass(frozen=True)
class AnswerProfile:
    name: str  # tiny | small | large
    system: str
    sources: int  # passages given to the model (the best first, after reranking)
    max_tokens: int
    sampling: SamplingOptions
    documents: str = ""  # the instructions for a question about whole documents (their overviews)
    focus: bool = False  # give the model each passage's best sentences only, not the whole passage
    # With no sentence to quote (the quick answer found none), say the documents do not say rather
    # than ask the model: a tiny one then only guesses (one bench run: 0 of 2 honest, 23 made-up figures).
    needs_quote: bool = False
    # Stop after this many sentences (0: no limit). A tiny model told to write two runs on past them
    # into made-up detail (bench: 3 of 41 answers rambled to max_tokens).
    max_sentences: int = 0


TINY = AnswerProfile(
    "tiny",
    "Answer the question in one or two short sentences, using only the excerpts below. "
    f"Cite the excerpt you use like [1]. If the excerpts do not answer it, say: {NOT_IN_DOCUMENTS}",
    # Measured on the bench's QA set. 10 questions, one run (fact in the model's answer): 4/10 with
    # the three best passages whole, 6/10 with the best one whole, 8/10 with the best sentences of
    # the best passage only. All 41 questions, three runs (38 facts): the best passage whole 63.2 /
    # 71.1 / 63.2% against its best sentences 63.2 / 63.2 / 52.6%, and 16 / 16 / 15 made-up figures
    # flagged against 23 / 17 / 15. So the best passage, whole.
    sources=1,
    needs_quote=True,
    max_sentences=3,
    max_tokens=160,
    # One bench run over the 41 questions (fact in the model's answer / loops the guard cut /
    # made-up figures flagged): repeat penalty 1.15: 60.5% / 1 / 43; none: 65.8% / 6 / 20; presence
    # 0.6: 65.8% / 3 / 15. The repeat penalty also weighs on the prompt's own numbers, so the model
    # writes others instead; the presence penalty costs least in facts and in invented figures.
    sampling=SamplingOptions(temperature=0.1, presence_penalty=0.6, penalty_last_n=64),
    documents="Below is one overview per document. In one short sentence each, say what the documents "
    "are about, citing each like [1].",
)
SMALL = AnswerProfile(
    "small",
    "You answer questions about the user's documents using only the numbered excerpts below. "
    "Answer in a few sentences and cite each fact's excerpt like [1]. "
    f"If the excerpts do not contain the answer, say: {NOT_IN_DOCUMENTS}",
    sources=4,
    max_tokens=384,
    sampling=SamplingOptions(temperature=0.2, repeat_penalty=1.1, penalty_last_n=128),
    documents="Below is one numbered overview per document of the user's library. Give the main points "
    "of each document in a sentence or two, citing it like [1]. Use only what the overviews say.",
)
LARGE = AnswerProfile(
    "large",
    "You answer questions about the user's documents using only the numbered excerpts below. "
    "Give the answer first, then any detail that matters; cite every fact with its excerpt's "
    "number like [1] or [2][3]. Quote numbers, dates and names exactly as the excerpts give them. "
    "If the excerpts do not contain the answer, say so plainly and do not guess.",
    sources=6,
    max_tokens=640,
    sampling=SamplingOptions(temperature=0.2, presence_penalty=0.3),
    documents="Below is one numbered overview per document of the user's library (title, size, sections "
    "or slide titles, opening). Answer the question about these documents: give each document's main "
    "points, group related documents, and cite each one like [1]. Use only what the overviews say.",
)
TINY_PARAMETERS = 600e6
SMALL_PARAMETERS = 3.5e9


def profile_for(provider: Any, max_tokens: int = 0, temperature: float | None = None) -> AnswerProfile:
    """The profile for a provider's model; providers that do not say their size (LAN, OCI) are
    large. `max_tokens` (providers.max_tokens) and `temperature` override the profile's when set."""
    parameters = getattr(provider, "parameters", None)
    if parameters is None:
        profile = LARGE
    elif parameters < TINY_PARAMETERS:
        profile = TINY
    elif parameters < SMALL_PARAMETERS:
        profile = SMALL
    else:
        profile = LARGE
    if max_tokens:
        profile = _replace(profile, max_tokens=max_tokens)
    if temperature is not None:
        profile = _replace(profile, sampling=_replace(profile.sampling, temperature=temperature))
    return profile


def _replace(record: Any, **changes: Any) -> Any:
    from dataclasses import replace

    return replace(record, **changes)
