"""`python -m quire` starts the desktop app (the same as `quire` with no command)."""

from __future__ import annotations

import sys

from quire.cli import main as cli_main


def main() -> int:
    return cli_main(sys.argv[1:] or ["gui"])


if __name__ == "__main__":
    raise SystemExit(main())
