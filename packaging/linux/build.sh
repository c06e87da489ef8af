#!/usr/bin/env bash
# Build the Linux app: dist/quire/ (PyInstaller one-folder) and dist/quire-VERSION-linux-ARCH.tar.gz
# (that folder + install.sh, the .desktop entry and icons). `make package` runs this.
#   PYTHON=.venv/bin/python packaging/linux/build.sh [--clean]
set -euo pipefail
cd "$(dirname "$0")/../.."
python=${PYTHON:-.venv/bin/python}
started=$(date +%s)

# The bundle carries the X11 plugin's system libraries (libxcb-cursor0, -icccm4, -keysyms1…) from this
# machine: PyInstaller copies what the plugin links, and skips what it cannot find. Refuse to build
# a bundle that would lack them (the app checks again at start, on the user's machine).
PYTHONPATH=app "$python" -m quire.qt_libs || { echo "build.sh: install those packages, then build" >&2; exit 1; }

"$python" -m PyInstaller --noconfirm --log-level WARN --workpath build/pyinstaller --distpath dist \
  "$@" packaging/linux/quire.spec
built=$(date +%s)

version=$("$python" -c 'import sys; sys.path.insert(0, "app"); from quire import __version__; print(__version__)')
name=quire-$version-linux-$(uname -m)
stage=build/stage/$name
rm -rf build/stage
mkdir -p "$stage"
cp -al dist/quire "$stage/quire" 2>/dev/null || cp -a dist/quire "$stage/quire"  # hard links: no second GB
cp packaging/linux/install.sh packaging/linux/quire.desktop packaging/linux/README.txt \
  resources/quire.svg build/icons/quire-256.png "$stage/"
tar -C build/stage -czf "dist/$name.tar.gz.part" "$name"
mv "dist/$name.tar.gz.part" "dist/$name.tar.gz"
rm -rf build/stage

# The frozen app must at least start: no Python from this machine on its path.
env -i PATH=/usr/bin:/bin HOME="$HOME" dist/quire/quire --version

finished=$(date +%s)
bundle_bytes=$(du -sb dist/quire | cut -f1)
tar_bytes=$(stat -c %s "dist/$name.tar.gz")
cat > dist/quire-build.json <<JSON
{"version": "$version", "tarball": "dist/$name.tar.gz", "bundle_bytes": $bundle_bytes, "tarball_bytes": $tar_bytes, "pyinstaller_s": $((built - started)), "total_s": $((finished - started))}
JSON
echo "dist/quire: $((bundle_bytes / 1048576)) MiB; dist/$name.tar.gz: $((tar_bytes / 1048576)) MiB;" \
  "built in $((finished - started)) s"
