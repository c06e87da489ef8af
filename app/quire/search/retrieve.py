"""Hybrid retrieval: vector similarity and BM25 full-text, fused by reciprocal rank."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from quire.library.catalog import Catalog
from quire.search.embedder import Embedder
from quire.search.filters import ResolvedFilter
from quire.search.stores.base import VectorStore

RRF_K = 60  # the usual constant from Cormack et al.; damps the weight of the very top ranks


@dataclass(frozen=True)
class Hit:
    path: str
    page: int | None
    slide: int | None
    score: float
    text: str
    heading: str | None = None
    chunk_id: str = ""
    location: str | None = None
    date: str | None = None  # the document's date, YYYY-MM-DD (library/dates.py)

    @property
    def where(self) -> str:
        return where_label(self.page, self.slide, self.heading, self.location)


def where_label(page: int | None, slide: int | None, heading: str | None, location: str | None) -> str:
    """How a reader finds a passage: "p.4", "slide 3", "Sheet1 rows 12–30", "chapter 3", or
    "§ heading" for a note or a Word document; "" when the file name is all there is."""
    if page is not None:
        return f"p.{page}"
    if slide is not None:
        return f"slide {slide}"
    if location:
        return location
    return f"§ {heading}" if heading else ""


def reciprocal_rank_fusion(
    rankings: list[list[str]], k: int = RRF_K, stand_in: dict[str, int] | None = None
) -> list[tuple[str, float]]:
    """`stand_in`: item -> a rank to count once more, for an item one ranking could not see."""
    scores: dict[str, float] = {}
    for ranking in rankings:
        for rank, item in enumerate(ranking, start=1):
            scores[item] = scores.get(item, 0.0) + 1.0 / (k + rank)
    for item, rank in (stand_in or {}).items():
        scores[item] = scores.get(item, 0.0) + 1.0 / (k + rank)
    return sorted(scores.items(), key=lambda pair: pair[1], reverse=True)


def hybrid_search(
    query: str,
    catalog: Catalog,
    store: VectorStore | None,
    embedder: Embedder,
    k: int,
    candidates: int = 40,
    query_vector: Any = None,
    within: ResolvedFilter | None = None,
) -> list[Hit]:
    """The k best chunks for `query`; `within` (a date range or scope) limits both halves. `store`
    None: words only (no file has its vectors yet). Files whose vectors are still being made are
    found by their words alone; fused ranks treat the two lists alike."""
    if not query.strip() or (within is not None and not within.paths):
        return []
    by_vector: list[str] = []
    if store is not None:
        vector = embedder.encode([query])[0] if query_vector is None else query_vector
        where = within.vector if within is not None else None
        by_vector = [chunk_id for chunk_id, _ in store.query(vector, candidates, where)]
    if within is None:
        by_words = catalog.full_text_search(query, candidates)
    else:
        by_words = catalog.full_text_search_where(query, candidates, within.where, within.params)
    # A chunk whose vectors are not made yet cannot be ranked by meaning: it takes its words rank
    # there too, so it competes as an equal with what the vector pass has reached. (A file cut off
    # mid-way, by a full disk or a kill, may have some vectors in already: those rank by them.)
    waiting = catalog.without_vectors(by_words) - set(by_vector) if by_vector and by_words else set()
    stand_in = {chunk_id: rank for rank, chunk_id in enumerate(by_words, 1) if chunk_id in waiting}
    fused = reciprocal_rank_fusion([by_vector, by_words], stand_in=stand_in)
    chunks = catalog.chunks_by_id(chunk_id for chunk_id, _ in fused[: k * 3])
    hits = []
    for chunk_id, score in fused:
        chunk = chunks.get(chunk_id)
        if chunk is None:  # a vector whose file was removed or is being re-indexed
            continue
        if within is not None and chunk.path not in within.paths:  # a store's stale date: the catalog rules
            continue
        hits.append(
            Hit(
                chunk.path,
                chunk.page,
                chunk.slide,
                round(score, 6),
                chunk.text,
                chunk.heading,
                chunk_id,
                chunk.location,
            )
        )
        if len(hits) == k:
            break
    dates = catalog.dates_of(hit.path for hit in hits)
    return [replace(hit, date=dates.get(hit.path)) for hit in hits]
