#!/usr/bin/env bash
# Build Quire.app on a Mac (Apple silicon or Intel, macOS 12+, Xcode command line tools, Python 3.11+).
#   packaging/macos/build.sh            -> dist/Quire.app and dist/Quire-VERSION-macos-ARCH.zip
# Not run in CI (Linux only): the bundle's contents come from packaging/quire_spec.py, which the
# Linux build and tests/packaging exercise; this script adds the Mac-only steps.
set -euo pipefail
cd "$(dirname "$0")/../.."
python=${PYTHON:-.venv/bin/python}

# 1. The environment: `make setup` (torch from the default index is CPU/MPS-only on macOS).
make setup models

# 2. llama.cpp with Metal. The wheel pip built during setup may lack it; rebuild from source with the
#    GPU kernels embedded in the library (no .metal file to ship or find at run time).
CMAKE_ARGS="-DGGML_METAL=on -DGGML_METAL_EMBED_LIBRARY=on -DGGML_NATIVE=off" \
  "$python" -m pip install --force-reinstall --no-deps --no-cache-dir --no-binary llama-cpp-python \
  "llama-cpp-python==$("$python" -c 'import importlib.metadata as m; print(m.version("llama_cpp_python"))')"
"$python" - <<'PY'
import llama_cpp
assert llama_cpp.llama_supports_gpu_offload(), "llama-cpp-python was built without Metal"
print("llama.cpp: Metal offload available")
PY

# 3. The app (icons are drawn from resources/quire.svg by the spec).
"$python" -m PyInstaller --noconfirm --log-level WARN --workpath build/pyinstaller-macos --distpath dist \
  "$@" packaging/macos/Quire.spec

# 4. PyInstaller has signed every binary ad hoc, which is what Apple silicon needs to run it locally.
#    To publish, sign with a Developer ID (hardened runtime, needed for notarization), then notarize
#    the zip with `xcrun notarytool submit --wait` and `xcrun stapler staple dist/Quire.app`.
if [ -n "${CODESIGN_IDENTITY:-}" ]; then
  codesign --force --deep --options runtime --timestamp --sign "$CODESIGN_IDENTITY" dist/Quire.app
fi
codesign --verify --deep --strict dist/Quire.app

# 5. Smoke test, then a zip that keeps the bundle's symlinks and signature.
dist/Quire.app/Contents/MacOS/Quire --version
version=$("$python" -c 'import sys; sys.path.insert(0, "app"); from quire import __version__; print(__version__)')
ditto -c -k --keepParent dist/Quire.app "dist/Quire-$version-macos-$(uname -m).zip"
echo "dist/Quire.app ($(du -sh dist/Quire.app | cut -f1)); dist/Quire-$version-macos-$(uname -m).zip"
