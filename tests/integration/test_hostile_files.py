"""Hostile files end to end: the real `quire ingest --json` over a folder of bombs, mazes, active
content and broken encodings among good files; each ends failed with a reason naming its cause,
or indexed correctly, and nothing is fetched or run. The slow and huge ones go through the reader
process, where indexing cost (about 20 chunks/s here) would not fit a test."""

from __future__ import annotations

import json
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

import hostile
import hostile_formats
from fixtures import make_pdf
from helpers import run_cli
from quire.config import Settings
from quire.core import Quire
from quire.errors import LoaderError
from quire.library.chunking import chunk_sections
from quire.library.reader_process import ReaderProcess


@pytest.fixture
def tripwire() -> Iterator[tuple[str, list[str]]]:
    """A loopback web server that records every request: the URL hostile files point at. The
    network guard only sees this process; the importer runs in others, so the server is the proof."""
    hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            hits.append(self.path)
            self.send_response(200)
            self.end_headers()

        do_POST = do_GET  # noqa: N815

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", hits
    finally:
        server.shutdown()
        server.server_close()


# name → what the file must end as: ("failed", words its reason must contain) or ("indexed", None)
EXPECTED = {
    "good.md": ("indexed", None),
    "good.pdf": ("indexed", None),
    "bomb.pdf": ("failed", "page 1: too large to read: a compressed stream inflates past 75 MB"),
    "maze.pdf": ("failed", "page 1: nested too deeply to read"),
    "nested-dict.pdf": ("failed", "damaged or truncated PDF"),
    "deep-tree.pdf": ("failed", "too complex to read safely (Maximum page tree depth"),
    "cyclic-tree.pdf": ("failed", "damaged or truncated PDF (Detected cyclic page references"),
    "xref-loop.pdf": ("indexed", None),
    "actions.pdf": ("indexed", None),
    "aes.pdf": ("failed", "password-protected PDF"),
    "zip-bomb.pptx": ("failed", "zip bomb: ppt/media/image1.png would unpack from 2.0 MB to 2.0 GB"),
    "lying-media.pptx": ("indexed", None),
    "lying-slide.pptx": ("failed", "damaged .pptx (Bad CRC-32 for file 'ppt/slides/slide1.xml')"),
    "crowded.pptx": ("failed", "too large to read: 50,"),
    "linked.pptx": ("indexed", None),
    "locked.pptx": ("failed", "password-protected (or legacy .ppt) deck"),
    "odd-utf16.md": ("indexed", None),
    "surrogate-utf16.md": ("indexed", None),
    "bomless-utf16.md": ("indexed", None),
    "binary.md": ("failed", "binary data"),
    "bomb.docx": ("failed", "zip bomb: word/media/image1.png would unpack from 2.0 MB to 2.0 GB"),
    "bomb.xlsx": ("failed", "zip bomb: xl/media/image1.png would unpack from 2.0 MB to 2.0 GB"),
    "bomb.epub": ("failed", "zip bomb: OEBPS/images/cover.png would unpack from 2.0 MB to 2.0 GB"),
    "xxe.docx": ("failed", "word/document.xml declares a DTD, which these files never do (XXE or entity"),
    "xxe.xlsx": ("failed", "xl/worksheets/sheet1.xml declares a DTD"),
    "xxe.epub": ("failed", "OEBPS/text/ch1.xhtml declares XML entities (an XXE or entity bomb?)"),
    "laughs.docx": ("failed", "word/document.xml declares a DTD"),
    "laughs.xlsx": ("failed", "xl/worksheets/sheet1.xml declares a DTD"),
    "laughs.epub": ("failed", "OEBPS/text/ch1.xhtml declares XML entities"),
    "huge.png": ("failed", "image too large to read: 900 megapixels (limit 100; a decompression bomb?)"),
    "good.docx": ("indexed", None),
}


def _hostile_folder(folder: Path, url: str, marker: Path) -> None:
    folder.mkdir()
    (folder / "good.md").write_text("# Ferry\nThe island ferry leaves the harbour at seven.\n")
    make_pdf(folder / "good.pdf", ["The lighthouse lamp was replaced in March."])
    hostile.pdf_flate_bomb(folder / "bomb.pdf")
    hostile.pdf_deep_content(folder / "maze.pdf")
    hostile.pdf_deep_nesting(folder / "nested-dict.pdf")
    hostile.pdf_deep_page_tree(folder / "deep-tree.pdf")
    hostile.pdf_cyclic_page_tree(folder / "cyclic-tree.pdf")
    hostile.pdf_xref_loop(folder / "xref-loop.pdf")
    hostile.pdf_with_actions(folder / "actions.pdf", url, marker)
    hostile.pdf_aes_encrypted(folder / "aes.pdf")
    hostile.pptx_zip_bomb(folder / "zip-bomb.pptx")
    hostile.pptx_zip_bomb(folder / "lying-media.pptx", honest=False)
    hostile.pptx_lying_bomb_slide(folder / "lying-slide.pptx")
    hostile.pptx_many_members(folder / "crowded.pptx")
    hostile.pptx_external_links(folder / "linked.pptx", url)
    hostile.pptx_encrypted(folder / "locked.pptx")
    hostile.text_utf16_odd_length(folder / "odd-utf16.md")
    hostile.text_utf16_lone_surrogate(folder / "surrogate-utf16.md")
    hostile.text_utf16_no_bom(folder / "bomless-utf16.md")
    hostile.binary_as_markdown(folder / "binary.md")
    for suffix in (".docx", ".xlsx", ".epub"):
        hostile_formats.zip_bomb(folder / f"bomb{suffix}")
        hostile_formats.xxe(folder / f"xxe{suffix}", url)
        hostile_formats.billion_laughs(folder / f"laughs{suffix}")
    hostile_formats.huge_png(folder / "huge.png")
    hostile_formats.docx_doc(folder / "good.docx")
    assert sorted(p.name for p in folder.iterdir()) == sorted(EXPECTED)


def test_hostile_folder_through_the_cli(
    tmp_path: Path, quire_home: Path, tripwire: tuple[str, list[str]]
) -> None:
    url, hits = tripwire
    marker = tmp_path / "launched"
    folder = tmp_path / "hostile"
    _hostile_folder(folder, url, marker)

    started = time.perf_counter()
    result = run_cli("ingest", str(folder), "--json", timeout=240)
    seconds = time.perf_counter() - started
    summary = json.loads(result.stdout)

    assert result.returncode == 1, result.stderr  # some files failed: exit 1, the rest imported
    failed = {Path(f["path"]).name: f["error"] for f in summary["failed"]}
    for name, (outcome, reason) in EXPECTED.items():
        if outcome == "failed":
            assert reason and reason in failed.get(name, ""), (name, failed.get(name))
            assert f"{folder / name}: {failed[name]}" in result.stderr  # the CLI names file and cause
        else:
            assert name not in failed, (name, failed[name])
    assert summary["added"] == sum(1 for outcome, _ in EXPECTED.values() if outcome == "indexed")
    assert seconds < 200  # no bomb inflated, no loop spun: only the embedder's cost and start-up

    assert hits == []  # no link, linked image, entity, script or form was fetched
    assert not marker.exists()  # and the /Launch action ran nothing

    quire = Quire(Settings.load(quire_home))
    where = {
        "evening ferry at nine": ("actions.pdf", 1, None),
        "lighthouse keeper logs the tides": ("linked.pptx", None, 1),
        "Berth 4 is free until Friday": ("surrogate-utf16.md", None, None),
        "High water at 06:12": ("odd-utf16.md", None, None),
        "red buoy marks the port side": ("bomless-utf16.md", None, None),
        "xref loop page": ("xref-loop.pdf", 1, None),
        "pier was inspected on Monday": ("good.docx", None, None),
    }
    for query, (name, page, slide) in where.items():
        top = quire.search(query, k=3)[0]
        assert (Path(top.path).name, top.page, top.slide) == (name, page, slide), query
    surrogate = quire.search("Berth 4 is free", k=1)[0].text
    assert "free\ufffd until Friday" in surrogate  # the lone surrogate became one replacement mark


def test_a_file_that_reads_forever_is_stopped_and_the_import_goes_on(tmp_path: Path) -> None:
    """A 150 KB PDF whose 1,000 pages share one heavy content stream takes many minutes to read:
    the time limit stops it, the reader is replaced and the files queued behind it are read."""
    folder = tmp_path / "slow"
    folder.mkdir()
    hostile.pdf_slow(folder / "a-slow.pdf")
    (folder / "b-after.md").write_text("# After\nThe tide table for Tuesday.\n")
    (folder / "c-later.md").write_text("# Later\nThe buoy was repainted.\n")

    started = time.perf_counter()
    result = run_cli("ingest", str(folder), "--json", env={"QUIRE_INGEST__FILE_TIMEOUT_S": "3"})
    seconds = time.perf_counter() - started
    summary = json.loads(result.stdout)

    assert result.returncode == 1, result.stderr
    assert [(Path(f["path"]).name, f["error"]) for f in summary["failed"]] == [
        ("a-slow.pdf", "reading took over 3 s and was stopped")
    ]
    assert summary["added"] == 2
    assert seconds < 120


def test_ten_thousand_pages_read_with_their_numbers(tmp_path: Path) -> None:
    """Indexing 10,000 pages would take the embedder minutes; reading them must not."""
    pdf = hostile.pdf_many_pages(tmp_path / "long.pdf", 10_000)
    reader = ReaderProcess()
    try:
        started = time.perf_counter()
        reader.submit(str(pdf))
        document = reader.result(timeout=180)
        seconds = time.perf_counter() - started
    finally:
        reader.close()
    assert document.pages == 10_000 and len(document.sections) == 10_000
    assert all(s.text == f"page {s.page} of the long report" for s in document.sections)
    assert [s.page for s in document.sections] == list(range(1, 10_001))
    assert seconds < 120  # about 9 s on the 2-core test box


def test_fifty_megabyte_line_reads_and_chunks_in_linear_time(tmp_path: Path) -> None:
    """A 50 MB text with no line break is read and cut into chunks in seconds (the chunker used to
    re-slice the rest of the line for every piece: quadratic, minutes). Indexing it is the
    embedder's work, shown as progress and cancellable, under ingest.max_file_mb like any file."""
    note = hostile.text_single_line(tmp_path / "log.txt", 50)
    reader = ReaderProcess()
    try:
        started = time.perf_counter()
        reader.submit(str(note))
        document = reader.result(timeout=120)
        read_s = time.perf_counter() - started
    finally:
        reader.close()
    text = note.read_text().strip()
    assert len(document.sections) == 1 and document.sections[0].text == text

    started = time.perf_counter()
    chunks = chunk_sections(document.path, "0" * 64, document.sections, 900, 120)
    chunk_s = time.perf_counter() - started
    assert 55_000 < len(chunks) < 75_000
    assert all(len(c.text) <= 900 + 1 + 120 for c in chunks)  # a piece and the overlap before it
    assert chunks[0].text == text[: len(chunks[0].text)] and chunks[-1].text.endswith(text[-200:])
    assert read_s < 30 and chunk_s < 30  # about 1 s and 3 s here


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the memory limit is RLIMIT_AS (Linux)")
def test_reader_out_of_memory_is_reported_and_the_next_file_is_read(tmp_path: Path) -> None:
    """Under a small memory limit a 120 MB note runs the reader out of memory: that file says
    "too large to read", and a fresh reader takes the files queued behind it."""
    big = hostile.text_single_line(tmp_path / "huge.txt", 120)
    after = tmp_path / "after.md"
    after.write_text("# After\nstill read")
    reader = ReaderProcess(memory_limit=300 * 2**20)
    try:
        reader.submit(str(big))
        reader.submit(str(after))
        with pytest.raises(
            LoaderError, match=r"^.*too large to read: the parser ran out of memory \(limit 300 MB\)"
        ):
            reader.result(timeout=60)
        assert reader.result(timeout=60).sections[0].heading == "After"
    finally:
        reader.close()
