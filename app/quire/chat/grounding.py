"""From retrieved passages to what the answer stands on: reranked sources and the quick answer."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from quire.chat.documents import DocumentQuestion, documents_quick_answer, overview_hits
from quire.chat.quick import Encoder, Evidence, QuickAnswer, quick_answer
from quire.search.retrieve import Hit

# How much a passage's best sentence counts against its retrieval rank when reordering: the
# sentence score is finer (it sees the question's kind and words in one sentence), the rank
# steadier (it saw the whole passage twice, by meaning and by words). Chosen on the bench's QA set.
SENTENCE_WEIGHT = 1.0
RANK_WEIGHT = 0.15


@dataclass(frozen=True)
class Grounding:
    hits: list[Hit]  # best first: [1] is hits[0]
    evidence: Evidence
    quick: QuickAnswer
    seconds: float  # from the hits to the quick answer


def ground(question: str, hits: list[Hit], encoder: Encoder, question_vector: Any = None) -> Grounding:
    started = time.perf_counter()
    evidence = Evidence(question, hits, encoder, question_vector)
    scores = evidence.hit_scores()
    order = sorted(
        range(len(hits)),
        key=lambda i: SENTENCE_WEIGHT * scores[i] - RANK_WEIGHT * i / max(1, len(hits)),
        reverse=True,
    )
    if order != list(range(len(hits))):
        evidence = evidence.reordered(order)
    quick = quick_answer(evidence)
    return Grounding(evidence.hits, evidence, quick, time.perf_counter() - started)


MAX_DOCUMENTS = 12  # overviews offered for a question about the library (the most recent first)


def ground_documents(
    question: str, about: DocumentQuestion, encoder: Encoder, question_vector: Any = None
) -> Grounding:
    """A question about whole documents stands on their overviews, one source per document."""
    started = time.perf_counter()
    hits = overview_hits(about.overviews[:MAX_DOCUMENTS])
    evidence = Evidence(question, hits, encoder, question_vector)
    quick = documents_quick_answer(about, len(hits))
    return Grounding(hits, evidence, quick, time.perf_counter() - started)


def focused(evidence: Evidence, per_hit: int = 2) -> list[Hit]:
    """The hits cut down to their best sentences (in reading order): what a very small model can
    use. It copies from a short excerpt; a long one it paraphrases into mistakes."""
    from dataclasses import replace

    best: dict[int, list[tuple[int, str]]] = {}
    for _, cand in evidence.scored():
        if cand.quotable and len(best.setdefault(cand.index, [])) < per_hit:
            best[cand.index].append((cand.order, cand.text))
    hits = []
    for index, hit in enumerate(evidence.hits):
        picked = sorted(best.get(index, []))
        hits.append(replace(hit, text=" ".join(text for _, text in picked)) if picked else hit)
    return hits
