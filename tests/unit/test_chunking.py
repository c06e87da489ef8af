"""Chunks stay inside their page and carry deterministic ids."""

from __future__ import annotations

from quire.library.chunking import chunk_sections, split_text
from quire.library.loaders import Section


def test_long_text_is_split_near_size_with_overlap() -> None:
    sentences = [f"Sentence number {n} talks about topic {n}." for n in range(200)]
    pieces = split_text(" ".join(sentences), size=300, overlap=60)
    assert len(pieces) > 10
    assert all(len(p) <= 300 + 60 for p in pieces)
    for before, after in zip(pieces, pieces[1:], strict=False):
        assert after.split(" ")[0] in before  # each piece starts inside the previous one


def test_run_on_text_without_spaces_is_still_cut() -> None:
    pieces = split_text("x" * 2500, size=900, overlap=0)
    assert [len(p) for p in pieces] == [900, 900, 700]


def test_chunks_never_cross_pages_and_ids_are_stable() -> None:
    sections = [Section("a " * 600, page=1), Section("b " * 100, page=2)]
    chunks = chunk_sections("/x/doc.pdf", "f" * 64, sections, size=500, overlap=50)
    assert {c.page for c in chunks if "a" in c.text} == {1}
    assert {c.page for c in chunks if "b" in c.text} == {2}
    assert [c.index for c in chunks] == list(range(len(chunks)))
    again = chunk_sections("/x/doc.pdf", "f" * 64, sections, size=500, overlap=50)
    assert [c.id for c in chunks] == [c.id for c in again]
    elsewhere = chunk_sections("/y/doc.pdf", "f" * 64, sections, size=500, overlap=50)
    assert not {c.id for c in chunks} & {c.id for c in elsewhere}


def test_heading_is_part_of_what_is_embedded() -> None:
    (chunk,) = chunk_sections(
        "/n.md", "0" * 64, [Section("water daily", heading="Garden > Tomatoes")], size=900, overlap=100
    )
    assert chunk.embed_text == "Garden > Tomatoes\nwater daily"
