"""Fuzzing the loaders and the chunker with mutated real files (truncated, bytes flipped, junk
inserted, two files spliced; inside a deck, its XML parts mutated and re-zipped).

Whatever the bytes, a loader either returns sections the rest of the pipeline can use (text that
encodes as UTF-8, page and slide numbers inside the document) or raises LoaderError with a reason
that names the cause; the catch-all "could not be read (SomeError: ...)" means an exception no
loader expected, which counts as a bug here. CI runs a fixed, small set of examples (about half a
minute in all); QUIRE_FUZZ_EXAMPLES=5000 runs that many random ones per format."""

from __future__ import annotations

import io
import logging
import os
import tempfile
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import hostile
from fixtures import make_pdf, make_pptx
from quire.errors import LoaderError
from quire.library.chunking import chunk_sections
from quire.library.loaders import ReadOptions, load_document
from quire.library.samples import make_docx, make_epub, make_xlsx

LONG_RUN = int(os.environ.get("QUIRE_FUZZ_EXAMPLES", "0"))
FUZZ = settings(
    max_examples=LONG_RUN or 200,
    deadline=timedelta(seconds=10),  # a mutated file that parses for seconds is a finding too
    derandomize=not LONG_RUN,  # CI: the same examples every run; long runs explore
    database=None,  # nothing written into the working tree
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


TABLE = [["Berth", "Fee"], ["A1", "41"]]


def _seed_files() -> dict[str, list[bytes]]:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        pdfs = [
            make_pdf(folder / "a.pdf", ["Tide tables for March.", "", "Harbour fees rose by 4%."]),
            hostile.text_pdf(folder / "b.pdf", ["plain page one", "plain page two"]),
            hostile.pdf_with_actions(folder / "c.pdf", "http://127.0.0.1:9", folder / "never"),
        ]
        decks = [
            make_pptx(
                folder / "a.pptx",
                [
                    {"title": "Budget", "body": "Ropes and paint", "notes": "Ask the treasurer."},
                    {"title": "Table", "table": [["Item", "Cost"], ["Buoy", "90 euros"]]},
                ],
            ),
            hostile.pptx_external_links(folder / "b.pptx", "http://127.0.0.1:9"),
        ]
        docx = make_docx(
            folder / "a.docx",
            [("h1", "Minutes"), ("p", "The pier is safe."), ("li", "paint"), ("table", TABLE)],
            footnote="A note.",
        )
        xlsx = make_xlsx(folder / "a.xlsx", {"Sheet1": [["Berth", "Fee"], ["A1", 41], ["A2", 0.5]]})
        epub = make_epub(folder / "a.epub", [("One", "Landfall at dawn."), ("Two", "Departure at dusk.")])
        return {
            ".docx": [docx.read_bytes()],
            ".xlsx": [xlsx.read_bytes()],
            ".epub": [epub.read_bytes()],
            ".html": [
                b"<html><head><title>T</title><script>x</script></head><body><h1>Tides</h1><p>High"
                b" water<p>Low<ul><li>a<li>b</ul><table><tr><td>1<td>2</table></body></html>"
            ],
            ".csv": [b"name,port\nAna,Porto\n\"Ben, Jr\",Oslo\n"],
            ".pdf": [p.read_bytes() for p in pdfs],
            ".pptx": [p.read_bytes() for p in decks],
            ".md": [
                b"# Log\n\nCalm sea.\n\n## Night\n\n```\n# code\n```\nWind from the west.\n",
                "# Título\nmañana".encode("utf-16"),
                "Café crème, très bien.".encode("latin-1"),
            ],
            ".txt": [b"Plain notes.\n\nSecond paragraph. Third sentence!", b"\xef\xbb\xbfBOM note"],
        }


SEEDS = _seed_files()
EVERY_SEED = [data for seeds in SEEDS.values() for data in seeds]


@st.composite
def mutated_bytes(draw: st.DrawFn, data: bytes) -> bytes:
    """`data` after one to four mutations."""
    out = bytearray(data)
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["truncate", "flip", "insert", "overwrite", "splice", "repeat"]))
        pos = draw(st.integers(0, len(out)))
        if op == "truncate":
            del out[pos:]
        elif op == "flip" and pos < len(out):
            out[pos] ^= 1 << draw(st.integers(0, 7))
        elif op == "insert":
            out[pos:pos] = draw(st.binary(min_size=1, max_size=64))
        elif op == "overwrite":
            junk = draw(st.binary(min_size=1, max_size=64))
            out[pos : pos + len(junk)] = junk
        elif op == "splice":  # the head of this file, the tail of another (or of itself)
            other = draw(st.sampled_from(EVERY_SEED))
            out = out[:pos] + other[draw(st.integers(0, len(other))) :]
        elif op == "repeat":  # a stretch copied many times: long lines, deep runs of brackets
            end = min(len(out), pos + draw(st.integers(1, 32)))
            out[pos:pos] = out[pos:end] * draw(st.integers(2, 2000))
    return bytes(out)


@st.composite
def mutated_zip(draw: st.DrawFn, suffix: str = ".pptx") -> bytes:
    """A deck (or Word file, workbook, e-book) whose zip is mutated as bytes, or one of whose parts
    is mutated and re-zipped (so the XML and the library are reached, not only the zip's CRCs)."""
    seed = draw(st.sampled_from(SEEDS[suffix]))
    if draw(st.booleans()):
        return draw(mutated_bytes(seed))
    with zipfile.ZipFile(io.BytesIO(seed)) as archive:
        members = {info.filename: archive.read(info) for info in archive.infolist()}
    names = sorted(members)
    for _ in range(draw(st.integers(1, 3))):
        name = draw(st.sampled_from(names))
        if draw(st.integers(0, 9)) == 0:
            members.pop(name, None)  # a part gone missing
        else:
            members[name] = draw(mutated_bytes(members.get(name, b"")))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


# No OCR here: pdfium renders in-process in a test (in the app it runs in the reader process, where
# a crash costs one file), and the OCR of a page takes seconds. test_formats.py tests OCR.
NO_OCR = ReadOptions(ocr=False)


def _check(data: bytes, suffix: str) -> None:
    """Load the bytes as a file; whatever happens must be a usable document or a named reason."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"fuzzed{suffix}"
        path.write_bytes(data)
        try:
            document = load_document(path, NO_OCR)
        except LoaderError as err:
            assert err.path == str(path)
            assert err.reason and not err.reason.startswith("could not be read ("), err.reason
            return
    assert document.sections
    for section in document.sections:
        assert section.text.strip()
        section.text.encode("utf-8")  # the catalog and the store take UTF-8: no lone surrogates
        (section.heading or "").encode("utf-8")
        if document.kind == "pdf":
            assert section.page is not None and 1 <= section.page <= document.pages
        if document.kind == "slides":
            assert section.slide is not None and 1 <= section.slide <= document.pages
    chunks = chunk_sections(document.path, "0" * 64, document.sections, 300, 60)
    assert chunks and all(c.text.strip() for c in chunks)
    assert [c.index for c in chunks] == list(range(len(chunks)))


@pytest.fixture(autouse=True)
def quiet_parsers() -> None:
    """pypdf logs a warning for every repair it makes; thousands of them drown the test output."""
    logging.getLogger("pypdf").setLevel(logging.CRITICAL)


@pytest.mark.timeout(600)
@FUZZ
@given(st.sampled_from(SEEDS[".pdf"]).flatmap(mutated_bytes))
def test_fuzz_pdf(data: bytes) -> None:
    _check(data, ".pdf")


@pytest.mark.timeout(600)
@FUZZ
@given(mutated_zip())
def test_fuzz_pptx(data: bytes) -> None:
    _check(data, ".pptx")


@pytest.mark.timeout(600)
@pytest.mark.parametrize("suffix", [".docx", ".xlsx", ".epub"])
@settings(FUZZ, max_examples=LONG_RUN or 60)
@given(data=st.data())
def test_fuzz_office_and_ebooks(suffix: str, data: st.DataObject) -> None:
    _check(data.draw(mutated_zip(suffix)), suffix)


@pytest.mark.timeout(600)
@pytest.mark.parametrize("suffix", [".html", ".csv"])
@settings(FUZZ, max_examples=LONG_RUN or 100)
@given(data=st.data())
def test_fuzz_pages_and_tables(suffix: str, data: st.DataObject) -> None:
    _check(data.draw(st.sampled_from(SEEDS[suffix]).flatmap(mutated_bytes)), suffix)


@pytest.mark.timeout(600)
@pytest.mark.parametrize("suffix", [".md", ".txt"])
@FUZZ
@given(data=st.sampled_from(SEEDS[".md"] + SEEDS[".txt"]).flatmap(mutated_bytes))
def test_fuzz_notes(suffix: str, data: bytes) -> None:
    _check(data, suffix)
