"""The few named errors that carry a user-facing sentence; the CLI and GUI show str(err)."""

from __future__ import annotations

from pathlib import Path


class QuireError(Exception):
    """Anything Quire can explain to the user in one sentence."""


class LoaderError(QuireError):
    """A file could not be read into text."""

    def __init__(self, path: Path | str, reason: str) -> None:
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


class StoreError(QuireError):
    """The vector store or catalog cannot be used as asked."""


class LibraryBusy(StoreError):
    """Another Quire process is changing the same library (it holds the writer lock)."""


class LibraryUnwritable(StoreError):
    """The data dir cannot be written (disk full, read-only): reading still works."""


class ModelError(QuireError):
    """A model file is missing, corrupt or cannot be loaded."""


class ProviderUnavailable(QuireError):
    """A chat provider cannot answer right now."""

    def __init__(self, name: str, reason: str) -> None:
        self.name = name
        self.reason = reason
        super().__init__(f"{name}: {reason}")


class ConfigError(QuireError):
    """A setting is unknown or has a value of the wrong kind."""
