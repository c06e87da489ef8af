"""Library folders against the catalog: a stat-only look at what a refresh would have to do, cheap
enough to run on every burst of file-system events and every few minutes."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from quire.library.catalog import Catalog
from quire.library.ingest import scan


@dataclass(frozen=True)
class FolderChanges:
    new: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    gone: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.new or self.changed or self.gone)


def folder_changes(catalog: Catalog, folders: list[str]) -> FolderChanges:
    """Files in the library folders that the catalog lacks, whose size or time differ from the
    version it holds, or that are gone. A missing folder is left out (a refresh reports it), and a
    failed file counts only once it changes (a rescan does not retry the same broken file)."""
    changes = FolderChanges()
    excluded = catalog.excluded()
    for folder in folders:
        if not Path(folder).is_dir():
            continue
        known = {record.path: record for record in catalog.files(under=folder)}
        files, _failed, _skipped, _folders = scan([Path(folder)], excluded)
        for path in files:
            record = known.pop(str(path), None)
            try:
                stat = path.stat()
            except OSError:
                continue  # gone since the scan: the next look sees it
            if record is None:
                changes.new.append(str(path))
            elif record.state == "indexing" or (record.size, record.mtime_ns) != (
                stat.st_size,
                stat.st_mtime_ns,
            ):
                changes.changed.append(str(path))
        changes.gone.extend(path for path in known if not Path(path).exists())
    return changes
