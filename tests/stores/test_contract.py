"""One contract, every store: what the library relies on, run against Chroma and (when a
database is configured) Oracle 23ai."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from store_helpers import DIM, EMBEDDER, chunks_for, unit

from quire.errors import StoreError
from quire.library.catalog import Catalog
from quire.search.embedder import Embedder
from quire.search.retrieve import hybrid_search, reciprocal_rank_fusion
from quire.search.stores.base import EmbedderMismatch, StoredDocument


def test_upsert_adds_and_the_same_vector_is_nearest(store) -> None:  # type: ignore[no-untyped-def]
    vectors = np.stack([unit(n) for n in range(5)])
    store.upsert([f"c{n}" for n in range(5)], vectors, ["/a.md"] * 3 + ["/b.md"] * 2)
    assert store.count() == 5
    best, score = store.query(unit(3), 1)[0]
    assert best == "c3" and score == pytest.approx(1.0, abs=1e-4)


def test_upsert_of_the_same_id_replaces_it(store) -> None:  # type: ignore[no-untyped-def]
    store.upsert(["x", "y"], np.stack([unit(1), unit(2)]), ["/a.md", "/a.md"])
    store.upsert(["x"], np.stack([unit(9)]), ["/a.md"])
    assert store.count() == 2
    assert store.query(unit(9), 1)[0][0] == "x"
    assert store.query(unit(1), 1)[0][1] < 0.5  # the old vector is gone


def test_delete_path_drops_only_that_file(store) -> None:  # type: ignore[no-untyped-def]
    store.upsert(["a0", "a1", "b0"], np.stack([unit(1), unit(2), unit(3)]), ["/a.md", "/a.md", "/b.md"])
    store.delete_path("/a.md")
    assert store.count() == 1
    assert [chunk_id for chunk_id, _ in store.query(unit(1), 5)] == ["b0"]
    store.delete_path("/never-there.md")  # not an error
    assert store.count() == 1


def test_top_k_is_ordered_by_cosine_similarity(store) -> None:  # type: ignore[no-untyped-def]
    query = unit(100)
    other = unit(101)
    other = other - other.dot(query) * query
    other /= np.linalg.norm(other)
    angles = [0.1, 0.5, 0.9, 1.3, 2.0]  # radians from the query
    vectors = np.stack([np.cos(a) * query + np.sin(a) * other for a in angles]).astype(np.float32)
    shuffled = [3, 0, 4, 2, 1]  # not written in rank order
    store.upsert([f"a{i}" for i in shuffled], vectors[shuffled], ["/v.md"] * 5)
    found = store.query(query, 3)
    assert [chunk_id for chunk_id, _ in found] == ["a0", "a1", "a2"]
    assert [score for _, score in found] == pytest.approx([np.cos(a) for a in angles[:3]], abs=1e-3)


def test_a_file_round_trips_with_its_metadata(store) -> None:  # type: ignore[no-untyped-def]
    doc = StoredDocument("/notes/trip.pdf", "b" * 64, "pdf", 12345, 3)
    chunks = chunks_for(doc.path, ["Fjord ferry at seven.", "Café «Nord» — crème brûlée.", "Third part."])
    vectors = np.stack([unit(n) for n in range(3)])
    store.put_file(doc, chunks, vectors)
    stored = store.read_file(doc.path)
    assert stored is not None
    assert stored.document == doc
    assert stored.chunks == chunks  # text, index, page, slide and heading, None kept as None
    assert np.allclose(stored.vectors, vectors, atol=1e-6)
    assert store.documents() == {doc.path: doc.sha256}
    got = store.get_vectors([chunks[2].id, chunks[0].id])
    assert got is not None and np.allclose(got, vectors[[2, 0]], atol=1e-6)
    assert store.get_vectors([chunks[0].id, "missing"]) is None
    assert store.read_file("/not/there.pdf") is None

    newer = StoredDocument(doc.path, "c" * 64, "pdf", 99, 1)
    store.put_file(newer, chunks_for(doc.path, ["Only page now."], sha="c" * 64), unit(7)[None, :])
    again = store.read_file(doc.path)
    assert again is not None and again.document == newer and len(again.chunks) == 1
    assert store.count() == 1


def test_another_embedder_means_reindex(store) -> None:  # type: ignore[no-untyped-def]
    store.check_embedder(EMBEDDER, DIM)
    with pytest.raises(EmbedderMismatch, match="re-index needed"):
        store.check_embedder("other-model", 768)
    assert issubclass(EmbedderMismatch, StoreError)


@pytest.fixture(scope="module")
def embedder() -> Embedder:
    return Embedder()


def test_hybrid_search_fuses_vector_and_full_text_ranks(store, embedder, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    catalog = Catalog(tmp_path / "catalog.sqlite3")
    texts = {
        "/lib/birds.md": ["Volunteers counted puffins nesting on the northern cliffs."],
        "/lib/cake.md": ["Lemon cake: flour, eggs, zest of two lemons, bake forty minutes."],
        "/lib/code.md": ["Error code XK-4471 appears when the pump valve sticks."],
    }
    for path, parts in texts.items():
        chunks = chunks_for(path, parts)
        catalog.mark(path, kind="md", size=1, mtime_ns=1, sha256="a" * 64, state="indexing")
        catalog.replace_chunks(path, chunks, 1)
        store.upsert([c.id for c in chunks], embedder.encode([c.embed_text for c in chunks]), [path])

    query = "seabirds on the cliffs, XK-4471"
    hits = hybrid_search(query, catalog, store, embedder, k=3, candidates=10)
    by_vector = [chunk_id for chunk_id, _ in store.query(embedder.encode([query])[0], 10)]
    expected = reciprocal_rank_fusion([by_vector, catalog.full_text_search(query, 10)])
    assert [h.chunk_id for h in hits] == [chunk_id for chunk_id, _ in expected[:3]]
    assert [h.score for h in hits] == pytest.approx([round(s, 6) for _, s in expected[:3]])
    top_two = {Path(h.path).name for h in hits[:2]}
    assert top_two == {"birds.md", "code.md"}  # one found by meaning, one by its exact code
    assert hits[0].page == 1 and hits[0].text
