"""Qt's platform plugin and the system libraries it needs: `quire doctor` and the window's start find
a missing one and name the package, instead of Qt aborting with a message that names the wrong one.

A real plugin is built for the test (gcc): it needs a library that is nowhere on the system."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import run_cli

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Qt's xcb plugin is Linux's")


@pytest.fixture(scope="module")
def broken_plugins(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """platforms/libqxcb.so that links a libquire-missing.so.1 which is not installed anywhere."""
    compiler = shutil.which("cc") or shutil.which("gcc")
    assert compiler, "a C compiler is needed to build the test plugin (CI has gcc)"
    root = tmp_path_factory.mktemp("qt-plugins")
    lib_dir = root / "lib"
    plugins = root / "platforms"
    lib_dir.mkdir()
    plugins.mkdir()
    (root / "missing.c").write_text("int quire_missing(void) { return 1; }\n")
    (root / "plugin.c").write_text(
        "int quire_missing(void);\nint quire_plugin(void) { return quire_missing(); }\n"
    )
    library = lib_dir / "libquire-missing.so.1"
    subprocess.run(
        [
            compiler,
            "-shared",
            "-fPIC",
            "-Wl,-soname,libquire-missing.so.1",
            "-o",
            str(library),
            str(root / "missing.c"),
        ],
        check=True,
    )
    (lib_dir / "libquire-missing.so").symlink_to(library.name)
    subprocess.run(
        [
            compiler,
            "-shared",
            "-fPIC",
            "-o",
            str(plugins / "libqxcb.so"),
            str(root / "plugin.c"),
            f"-L{lib_dir}",
            "-lquire-missing",
        ],
        check=True,
    )
    shutil.rmtree(lib_dir)  # built against it, then gone: as on a machine that lacks the package
    return plugins


def _ldd_missing(plugin: Path) -> list[str]:
    out = subprocess.run(["ldd", str(plugin)], capture_output=True, text=True).stdout
    return sorted(set(re.findall(r"^\s*(\S+)\s+=>\s+not found", out, re.MULTILINE)))


def test_the_check_finds_what_the_real_plugin_lacks() -> None:
    from quire.qt_libs import check_platform

    found = check_platform("xcb")
    assert found.plugin.endswith("platforms/libqxcb.so") and Path(found.plugin).is_file()
    assert found.how == ("dlopen" if found.ok else "ldd")
    assert sorted(found.missing) == _ldd_missing(Path(found.plugin))  # whatever this machine lacks
    for soname in found.missing:  # each is named with its package
        assert soname in found.advice()


def test_a_missing_library_is_named_with_its_packages(broken_plugins: Path) -> None:
    from quire.qt_libs import PluginCheck, check_platform

    found = check_platform("xcb", [str(broken_plugins)])
    assert found.plugin == str(broken_plugins / "libqxcb.so")
    assert found.missing == ("libquire-missing.so.1",) and not found.ok
    # the three a fresh Debian lacks, as apt and dnf name them
    fresh = PluginCheck("xcb", "", ("libxcb-cursor.so.0", "libxcb-icccm.so.4", "libxcb-keysyms.so.1"), "ldd")
    assert fresh.packages() == ["libxcb-cursor0", "libxcb-icccm4", "libxcb-keysyms1"]
    assert fresh.packages("fedora") == ["xcb-util-cursor", "xcb-util-wm", "xcb-util-keysyms"]
    advice = fresh.advice()
    assert "sudo apt install libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1" in advice
    assert "sudo dnf install xcb-util-cursor xcb-util-wm xcb-util-keysyms" in advice
    # a library we cannot name the package of: how to find it
    assert "apt-file search libquire-missing.so.1" in found.advice() and "apt install" not in found.advice()


def test_the_window_says_what_to_install_instead_of_aborting(broken_plugins: Path, tmp_path: Path) -> None:
    env = {
        "QT_QPA_PLATFORM": "xcb",
        "QT_QPA_PLATFORM_PLUGIN_PATH": str(broken_plugins),
        "DISPLAY": ":99",
        "QUIRE_HOME": str(tmp_path / "home"),
    }
    done = run_cli("gui", "--screenshot", str(tmp_path / "shot.png"), env=env, timeout=60)
    assert done.returncode == 1, done.stderr  # not Qt's abort (134)
    assert "libquire-missing.so.1" in done.stderr and "apt-file search libquire-missing.so.1" in done.stderr
    assert "Could not load the Qt platform plugin" not in done.stderr
    assert not (tmp_path / "shot.png").exists()
    log = (tmp_path / "home" / "logs" / "quire.log").read_text(encoding="utf-8")
    assert "libquire-missing.so.1" in log


def test_doctor_reports_the_missing_library(broken_plugins: Path, tmp_path: Path) -> None:
    env = {
        "QT_QPA_PLATFORM": "xcb",
        "QT_QPA_PLATFORM_PLUGIN_PATH": str(broken_plugins),
        "QUIRE_HOME": str(tmp_path / "home"),
    }
    done = run_cli("doctor", "--quick", "--json", env=env, timeout=120)
    report = json.loads(done.stdout)
    check = next(c for c in report["checks"] if c["name"] == "qt platform")
    assert check["status"] == "fail" and "libquire-missing.so.1" in check["detail"]
    assert "apt-file search libquire-missing.so.1" in check["fix"] and "dnf provides" in check["fix"]
    assert done.returncode == 1 and not report["ok"]


def test_doctor_checks_the_real_plugin(tmp_path: Path) -> None:
    from quire.qt_libs import check_platform

    env = {"QUIRE_HOME": str(tmp_path / "home"), "QT_QPA_PLATFORM": "xcb"}
    report = json.loads(run_cli("doctor", "--quick", "--json", env=env, timeout=120).stdout)
    check = next(c for c in report["checks"] if c["name"] == "qt platform")
    expected = "ok" if check_platform("xcb").ok else "fail"
    assert check["status"] == expected, check


def test_make_run_names_or_installs_them(broken_plugins: Path) -> None:
    """`python -m quire.qt_libs` (what `make run` calls): exit 1 and the packages when one is missing."""
    env = {**os.environ, "QT_QPA_PLATFORM_PLUGIN_PATH": str(broken_plugins)}
    done = subprocess.run(
        [sys.executable, "-m", "quire.qt_libs"], capture_output=True, text=True, env=env, timeout=60
    )
    # the module looks at the plugin Qt would load: QT_QPA_PLATFORM_PLUGIN_PATH comes first
    assert done.returncode == 1 and "libquire-missing.so.1" in done.stderr
    makefile = (Path(__file__).resolve().parents[2] / "Makefile").read_text(encoding="utf-8")
    assert "quire.qt_libs --install" in makefile.split("\nrun:")[1].split("\n\n")[0]
