# Build Quire for Windows (x64, Windows 10+, Python 3.11+, Visual Studio 2022 Build Tools with the
# C++ workload and CMake, for llama-cpp-python). Run from a Developer PowerShell:
#   powershell -ExecutionPolicy Bypass -File packaging\windows\build.ps1
# Produces dist\Quire\ (Quire.exe = the GUI, quire-cli.exe = the `quire` commands) and
# dist\Quire-VERSION-windows-x64.zip. Not run in CI: the bundle's contents come from
# packaging\quire_spec.py, which the Linux build and tests\packaging exercise.
$ErrorActionPreference = "Stop"
Set-Location (Join-Path $PSScriptRoot "..\..")

# 1. A venv with CPU torch (the default index's Windows wheel is CPU-only) and the app.
if (-not (Test-Path .venv)) { py -3.11 -m venv .venv }
$py = ".venv\Scripts\python.exe"
& $py -m pip install --quiet --upgrade pip
& $py -m pip install --quiet "torch==2.13.0"
$env:CMAKE_ARGS = "-DGGML_NATIVE=OFF"   # portable CPU build; add -DGGML_VULKAN=on for GPU offload
& $py -m pip install --quiet -e ".[dev]"
if (-not (Test-Path models\SmolLM2-135M-Instruct.Q4_1.gguf)) { & $py scripts\fetch_default_model.py models }

# 2. The app (icons are drawn from resources\quire.svg by the spec).
& $py -m PyInstaller --noconfirm --log-level WARN --workpath build\pyinstaller-windows --distpath dist `
  packaging\windows\Quire.spec
if ($LASTEXITCODE -ne 0) { throw "PyInstaller failed" }

# 3. Smoke test and zip. Sign with signtool (an Authenticode certificate) before publishing, or
#    SmartScreen warns on first start.
& dist\Quire\quire-cli.exe --version
if ($LASTEXITCODE -ne 0) { throw "the frozen app does not start" }
$version = & $py -c "import sys; sys.path.insert(0, 'app'); from quire import __version__; print(__version__)"
Compress-Archive -Force -Path dist\Quire -DestinationPath "dist\Quire-$version-windows-x64.zip"
Write-Host "dist\Quire\ and dist\Quire-$version-windows-x64.zip"
