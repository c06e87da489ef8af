"""The frozen app's entry point: the `quire` command, GUI by default, after multiprocessing's own."""

from __future__ import annotations

import multiprocessing
import sys


def main() -> int:
    # The import reader runs in a forkserver/spawn child; in a frozen app that child is this same
    # executable started with multiprocessing's arguments, which freeze_support() serves and exits.
    multiprocessing.freeze_support()
    from quire.__main__ import main as quire_main

    return quire_main()


if __name__ == "__main__":
    sys.exit(main())
