"""Are the system libraries Qt's platform plugin needs installed? On a fresh Debian, Qt's X11 plugin
(xcb) cannot load without libxcb-cursor0, libxcb-icccm4 and libxcb-keysyms1, and Qt aborts with a
message that names the wrong one. This looks first (ldd on the plugin, else a dlopen) and names the
packages to install. No Qt here: it runs before Qt loads, from `quire doctor`, the window's start,
`make run` (python -m quire.qt_libs) and the frozen bundle's build."""

from __future__ import annotations

import ctypes
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

# soname → (Debian/Ubuntu package, Fedora package)
PACKAGES = {
    "libxcb-cursor.so.0": ("libxcb-cursor0", "xcb-util-cursor"),
    "libxcb-icccm.so.4": ("libxcb-icccm4", "xcb-util-wm"),
    "libxcb-keysyms.so.1": ("libxcb-keysyms1", "xcb-util-keysyms"),
    "libxcb-image.so.0": ("libxcb-image0", "xcb-util-image"),
    "libxcb-render-util.so.0": ("libxcb-render-util0", "xcb-util-renderutil"),
    "libxcb-util.so.1": ("libxcb-util1", "xcb-util"),
    "libxcb-xkb.so.1": ("libxcb-xkb1", "libxcb"),
    "libxcb-xinerama.so.0": ("libxcb-xinerama0", "libxcb"),
    "libxcb-xinput.so.0": ("libxcb-xinput0", "libxcb"),
    "libxcb-randr.so.0": ("libxcb-randr0", "libxcb"),
    "libxcb-shape.so.0": ("libxcb-shape0", "libxcb"),
    "libxcb-shm.so.0": ("libxcb-shm0", "libxcb"),
    "libxcb-sync.so.1": ("libxcb-sync1", "libxcb"),
    "libxcb-xfixes.so.0": ("libxcb-xfixes0", "libxcb"),
    "libxcb-render.so.0": ("libxcb-render0", "libxcb"),
    "libxcb-glx.so.0": ("libxcb-glx0", "libxcb"),
    "libxcb.so.1": ("libxcb1", "libxcb"),
    "libX11-xcb.so.1": ("libx11-xcb1", "libX11-xcb"),
    "libX11.so.6": ("libx11-6", "libX11"),
    "libxkbcommon-x11.so.0": ("libxkbcommon-x11-0", "libxkbcommon-x11"),
    "libxkbcommon.so.0": ("libxkbcommon0", "libxkbcommon"),
    "libSM.so.6": ("libsm6", "libSM"),
    "libICE.so.6": ("libice6", "libICE"),
    "libEGL.so.1": ("libegl1", "libglvnd-egl"),
    "libGL.so.1": ("libgl1", "libglvnd-glx"),
    "libOpenGL.so.0": ("libopengl0", "libglvnd-opengl"),
    "libfontconfig.so.1": ("libfontconfig1", "fontconfig"),
    "libfreetype.so.6": ("libfreetype6", "freetype"),
    "libdbus-1.so.3": ("libdbus-1-3", "dbus-libs"),
    "libglib-2.0.so.0": ("libglib2.0-0", "glib2"),
    "libwayland-client.so.0": ("libwayland-client0", "libwayland-client"),
    "libwayland-cursor.so.0": ("libwayland-cursor0", "libwayland-cursor"),
}
# What the X11 plugin needs, for a first look when the plugin file itself cannot be found.
XCB_NEEDS = ("libxcb-cursor.so.0", "libxcb-icccm.so.4", "libxcb-keysyms.so.1", "libxkbcommon-x11.so.0")


@dataclass(frozen=True)
class PluginCheck:
    platform: str  # xcb, wayland, offscreen…
    plugin: str  # the plugin file looked at ("" when none was found)
    missing: tuple[str, ...]  # sonames that do not resolve
    how: str  # ldd | dlopen | skipped

    @property
    def ok(self) -> bool:
        return not self.missing

    def packages(self, family: str = "debian") -> list[str]:
        """The packages that bring the missing libraries we know, for `apt` (debian) or `dnf` (fedora)."""
        index = 0 if family == "debian" else 1
        return list(dict.fromkeys(PACKAGES[s][index] for s in self.missing if s in PACKAGES))

    def unknown(self) -> list[str]:
        """Missing libraries whose package we cannot name."""
        return [s for s in self.missing if s not in PACKAGES]

    def fix(self) -> str:
        """The commands that install what is missing."""
        parts = []
        if self.packages():
            parts.append(
                f"sudo apt install {' '.join(self.packages())} (Debian, Ubuntu) or "
                f"sudo dnf install {' '.join(self.packages('fedora'))} (Fedora)"
            )
        for soname in self.unknown():
            parts.append(f"the package with {soname}: apt-file search {soname}, or dnf provides '*/{soname}'")
        return "; ".join(parts)

    def advice(self) -> str:
        """One sentence: what is missing and how to install it."""
        if self.ok:
            return ""
        verb = "is" if len(self.missing) == 1 else "are"
        return (
            f"Qt's {self.platform} platform plugin cannot load: {', '.join(self.missing)} {verb} "
            f"missing. Install {self.fix()}."
        )


def plugin_dirs(extra: list[str] | None = None) -> list[Path]:
    """Where Qt looks for platform plugins: QT_QPA_PLATFORM_PLUGIN_PATH (given by the caller, from
    config), then PySide6's own (inside the bundle when frozen)."""
    dirs = [Path(p) for p in extra or [] if p]
    try:
        import PySide6  # the package only: no Qt library is loaded by this

        dirs.append(Path(PySide6.__file__).parent / "Qt" / "plugins" / "platforms")
    except ImportError:
        pass
    return dirs


def find_plugin(platform: str, dirs: list[Path]) -> Path | None:
    for folder in dirs:
        for name in (f"libq{platform}.so", f"libq{platform}.dylib", f"q{platform}.dll"):
            if (folder / name).is_file():
                return folder / name
    return None


def missing_libraries(plugin: Path) -> tuple[tuple[str, ...], str]:
    """Sonames the plugin (or a library it needs) cannot find. Loading it is the quick look (Qt loads
    the same libraries a moment later); when that fails, ldd lists every one missing (a load names
    only the first)."""
    try:
        ctypes.CDLL(str(plugin))
        return (), "dlopen"
    except OSError:
        pass
    ldd = shutil.which("ldd")
    if ldd is not None:
        try:
            done = subprocess.run([ldd, str(plugin)], capture_output=True, text=True, timeout=20)
        except (OSError, subprocess.TimeoutExpired):
            done = None
        if done is not None and done.returncode == 0:
            found = re.findall(r"^\s*(\S+)\s+=>\s+not found", done.stdout, re.MULTILINE)
            return tuple(dict.fromkeys(found)), "ldd"
    try:
        ctypes.CDLL(str(plugin))
    except OSError as exc:
        match = re.search(r"([\w.+-]+\.so[\w.]*): cannot open shared object", str(exc))
        return ((match.group(1),) if match else (str(exc),)), "dlopen"
    return (), "dlopen"


def check_platform(platform: str = "xcb", plugin_path: list[str] | None = None) -> PluginCheck:
    """Check one platform plugin's libraries (Linux only; elsewhere Qt ships what it needs)."""
    if not sys.platform.startswith("linux"):
        return PluginCheck(platform, "", (), "skipped")
    plugin = find_plugin(platform, plugin_dirs(plugin_path))
    if plugin is None:
        return PluginCheck(platform, "", (), "skipped")
    missing, how = missing_libraries(plugin)
    return PluginCheck(platform, str(plugin), missing, how)


def platform_for_window(qt_env: dict[str, str]) -> str | None:
    """The platform plugin Qt will load for the window, from QT_QPA_PLATFORM and the session; None
    when no check is needed (a platform Qt carries whole, or not Linux)."""
    if not sys.platform.startswith("linux"):
        return None
    chosen = qt_env.get("QT_QPA_PLATFORM", "").split(";")[0].split(":")[0].strip()
    if not chosen:
        wayland = qt_env.get("WAYLAND_DISPLAY") and qt_env.get("XDG_SESSION_TYPE") == "wayland"
        chosen = "wayland" if wayland else "xcb"
    return chosen if chosen in ("xcb", "wayland", "wayland-egl") else None


def main(argv: list[str] | None = None) -> int:
    """`python -m quire.qt_libs [--install]`: name (or install, as root, with apt or dnf) what the
    X11 plugin lacks. Exit 0 when nothing is missing (or it was installed), 1 otherwise."""
    from quire.config import qt_environment

    args = sys.argv[1:] if argv is None else argv
    extra = [qt_environment().get("QT_QPA_PLATFORM_PLUGIN_PATH", "")]
    found = check_platform("xcb", extra)
    if found.ok:
        return 0
    print(f"quire: {found.advice()}", file=sys.stderr)
    if "--install" not in args:
        return 1
    root = hasattr(os, "geteuid") and os.geteuid() == 0
    for tool, family in (("apt-get", "debian"), ("dnf", "fedora")):
        if shutil.which(tool) and root:
            command = [tool, "install", "-y", *found.packages(family)]
            print("quire: " + " ".join(command), file=sys.stderr)
            if subprocess.run(command).returncode == 0 and check_platform("xcb", extra).ok:
                return 0
            return 1
    print("quire: run that command (it needs root), then start Quire again", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
