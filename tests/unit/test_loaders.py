"""Loaders on real generated files, good and bad."""

from __future__ import annotations

import time
import zipfile
from pathlib import Path
from typing import Any

import pytest

import hostile
from fixtures import make_blank_pdf, make_pdf, make_pptx
from quire.errors import LoaderError
from quire.library.loaders import ReadOptions, load_document, markdown_sections, unsupported_reason


def test_pdf_pages_are_one_based(tmp_path: Path) -> None:
    pdf = make_pdf(tmp_path / "a.pdf", ["alpha page", "beta page", "gamma page"])
    doc = load_document(pdf)
    assert doc.kind == "pdf" and doc.pages == 3
    assert [(s.page, s.text) for s in doc.sections] == [
        (1, "alpha page"),
        (2, "beta page"),
        (3, "gamma page"),
    ]


def test_pdf_skips_blank_pages_but_keeps_numbering(tmp_path: Path) -> None:
    pdf = make_pdf(tmp_path / "a.pdf", ["first", "", "third"])
    assert [s.page for s in load_document(pdf).sections] == [1, 3]


def test_slides_keep_title_body_table_and_notes(tmp_path: Path) -> None:
    deck = make_pptx(
        tmp_path / "d.pptx",
        [
            {"title": "Intro", "body": "Welcome aboard"},
            {
                "title": "Numbers",
                "table": [["Region", "Sales"], ["North", "42 units"]],
                "notes": "Mention the northern depot.",
            },
        ],
    )
    doc = load_document(deck)
    assert doc.kind == "slides" and doc.pages == 2
    first, second = doc.sections
    assert first.slide == 1 and first.heading == "Intro" and "Welcome aboard" in first.text
    assert second.slide == 2 and second.heading == "Numbers"
    assert "North | 42 units" in second.text
    assert "Speaker notes: Mention the northern depot." in second.text


def test_markdown_heading_path_and_fences() -> None:
    text = "# A\nintro\n## B\nbody b\n```\n# not a heading\n```\n### C\nbody c\n## D\nbody d\n"
    sections = markdown_sections(text)
    assert [s.heading for s in sections] == ["A", "A > B", "A > B > C", "A > D"]
    assert "# not a heading" in sections[1].text


def test_note_in_latin1_is_decoded(tmp_path: Path) -> None:
    path = tmp_path / "old.txt"
    path.write_bytes("Café crème brûlée à la façon de grand-mère, très délicieuse.".encode("latin-1"))
    assert "Café crème brûlée" in load_document(path).sections[0].text


def test_note_in_utf16_is_decoded(tmp_path: Path) -> None:
    path = tmp_path / "wide.md"
    path.write_text("# Título\nmañana", encoding="utf-16")
    doc = load_document(path)
    assert doc.sections[0].heading == "Título" and "mañana" in doc.sections[0].text


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("empty.pdf", b"", "empty file"),
        ("empty.md", b"", "empty file"),
        ("blank.txt", b"   \n\n  ", "only whitespace"),
        ("binary.md", bytes(range(256)) * 40, "binary data"),
        ("junk.pdf", b"this is not a pdf at all" * 10, "not a PDF file"),
        ("broken.pdf", b"%PDF-1.4\n" + b"\x00garbage\xff" * 500, "PDF"),
        ("notzip.pptx", b"PK? definitely not a zip file" * 10, "not a valid .pptx"),
    ],
)
def test_bad_files_fail_with_a_reason(tmp_path: Path, name: str, content: bytes, reason: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(LoaderError) as err:
        load_document(path)
    assert err.value.path == str(path)
    assert reason in err.value.reason


def test_pdf_of_shapes_without_words_says_ocr_found_none(tmp_path: Path) -> None:
    blank = make_blank_pdf(tmp_path / "scan.pdf")  # pages of filled squares: OCR runs, finds nothing
    with pytest.raises(
        LoaderError, match="no extractable text: no text layer, and OCR found no words on its 2"
    ):
        load_document(blank)
    with pytest.raises(LoaderError, match=r"no extractable text \(scanned PDF\?\); OCR is turned off"):
        load_document(blank, ReadOptions(ocr=False))


def test_password_pdf_is_refused(tmp_path: Path) -> None:
    pdf = make_pdf(tmp_path / "secret.pdf", ["classified"], password="hunter2")
    with pytest.raises(LoaderError, match="password-protected"):
        load_document(pdf)


def test_truncated_pdf_is_read_or_refused_cleanly(tmp_path: Path) -> None:
    whole = make_pdf(tmp_path / "whole.pdf", [f"page {n} text" for n in range(1, 9)])
    cut = tmp_path / "cut.pdf"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    try:
        doc = load_document(cut)
    except LoaderError as err:
        assert err.path == str(cut) and err.reason
    else:  # pypdf can rebuild a lost xref: whatever it recovers keeps its page numbers
        assert doc.sections and all(s.text == f"page {s.page} text" for s in doc.sections)


def test_pptx_zip_without_a_presentation(tmp_path: Path) -> None:
    path = tmp_path / "fake.pptx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("hello.txt", "not a deck")
    with pytest.raises(LoaderError, match="not a valid .pptx"):
        load_document(path)


def test_unsupported_types_say_why() -> None:
    assert unsupported_reason(Path("a.pdf")) is None
    assert unsupported_reason(Path("a.docx")) is None and unsupported_reason(Path("scan.JPG")) is None
    assert "save it as .pptx" in (unsupported_reason(Path("old.ppt")) or "")
    assert "save it as .xlsx" in (unsupported_reason(Path("old.xls")) or "")
    assert "Quire reads .md, .txt, .pdf, .pptx, .docx, .xlsx, .csv" in (
        unsupported_reason(Path("x.xyz")) or ""
    )


# Hostile files (tests/hostile.py); the end-to-end versions are in integration/test_hostile_files.py


def test_heading_followed_by_a_run_of_spaces_is_linear(tmp_path: Path) -> None:
    """The old heading pattern backtracked cubically: 2,000 spaces after a title took 21 s."""
    path = tmp_path / "spaced.md"
    path.write_text("# Title" + " " * 200_000 + "x ##\nbody\n")
    started = time.perf_counter()
    sections = load_document(path).sections
    assert time.perf_counter() - started < 5
    assert sections[0].heading == "Title" + " " * 200_000 + "x"


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (hostile.text_utf16_odd_length, "High water at 06:12, low water at 12:30.\n\ufffd"),
        (hostile.text_utf16_lone_surrogate, "Berth 4 is free\ufffd until Friday."),
        (hostile.text_utf16_no_bom, "The red buoy marks the port side of the channel."),
    ],
)
def test_broken_and_bomless_utf16_notes_are_read(tmp_path: Path, make: Any, words: str) -> None:
    section = load_document(make(tmp_path / "note.md")).sections[0]
    assert words in section.text
    section.text.encode("utf-8")  # no lone surrogate reaches the catalog


def test_binary_behind_a_utf16_mark_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "blob.txt"
    path.write_bytes(b"\xff\xfe" + (bytes(range(1, 256)) + bytes(64)) * 8)  # binary: runs of zeros
    with pytest.raises(LoaderError, match="binary data or broken UTF-16 text"):
        load_document(path)


def test_pptx_zip_bomb_is_refused_before_unpacking(tmp_path: Path) -> None:
    bomb = hostile.pptx_zip_bomb(tmp_path / "bomb.pptx", 2 * hostile.GIB)
    started = time.perf_counter()
    with pytest.raises(
        LoaderError, match=r"zip bomb: ppt/media/image1.png would unpack from 2.0 MB to 2.0 GB"
    ):
        load_document(bomb)
    assert time.perf_counter() - started < 2  # python-pptx alone took 21 s and 4 GB on it


def test_pptx_member_lying_about_its_size_is_not_inflated(tmp_path: Path) -> None:
    """A slide that declares 1 KB and inflates to 1 GB: read in bounded steps, it fails its CRC."""
    import resource

    deck = hostile.pptx_lying_bomb_slide(tmp_path / "liar.pptx", hostile.GIB)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(LoaderError, match="damaged .pptx .Bad CRC-32"):
        load_document(deck)
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert grown_mb < 200  # zipfile's whole-member read inflated up to 2 GiB before trimming


def test_encrypted_deck_says_so(tmp_path: Path) -> None:
    with pytest.raises(LoaderError, match="password-protected"):
        load_document(hostile.pptx_encrypted(tmp_path / "locked.pptx"))


def test_pdf_bomb_and_maze_fail_with_their_cause(tmp_path: Path) -> None:
    with pytest.raises(LoaderError, match="page 1: too large to read: .* decompression bomb"):
        load_document(hostile.pdf_flate_bomb(tmp_path / "bomb.pdf"))
    with pytest.raises(LoaderError, match="page 1: nested too deeply to read"):
        load_document(hostile.pdf_deep_content(tmp_path / "maze.pdf"))


def test_active_content_is_read_as_text_and_never_acted_on(tmp_path: Path) -> None:
    """Links, scripts, launch actions, linked images and external entities point at a TEST-NET
    address: the network guard fails any connection this process makes, the marker any launch."""
    url, marker = "http://198.51.100.7", tmp_path / "launched"
    pdf = load_document(hostile.pdf_with_actions(tmp_path / "a.pdf", url, marker))
    deck = load_document(hostile.pptx_external_links(tmp_path / "l.pptx", url))
    assert [(s.page, s.text) for s in pdf.sections] == [
        (1, "The harbour timetable lists the evening ferry at nine.")
    ]
    assert deck.sections[0].slide == 1 and "See the tide tables." in deck.sections[0].text
    assert not marker.exists()
