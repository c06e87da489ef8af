"""GUI fixtures: real widgets offscreen, one loaded embedder and one indexed corpus per session."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fixtures import make_corpus  # noqa: E402

# Short answers keep the real-model tests to a second or two on two cores.
TEST_CONFIG = '[providers]\nmax_tokens = 40\ndefault = "local"\n'


@pytest.fixture(scope="session")
def shared_embedder() -> Any:
    """Loading MiniLM takes seconds: load it once and hand it to every window's Quire."""
    from quire.search.embedder import Embedder

    embedder = Embedder()
    embedder.warm_up()
    return embedder


@pytest.fixture(scope="session")
def chat_model() -> Path:
    """The small real chat model the app ships by default."""
    from quire.config import DEFAULT_MODEL_FILE, Settings

    for folder in Settings.load(Path("/nonexistent-quire-home")).models_dirs:
        if (folder / DEFAULT_MODEL_FILE).is_file():
            return folder / DEFAULT_MODEL_FILE
    pytest.fail(f"{DEFAULT_MODEL_FILE} is missing: run `make models`")


@pytest.fixture(scope="session")
def gui_corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return make_corpus(tmp_path_factory.mktemp("gui-corpus"))


@pytest.fixture(scope="session")
def indexed_home(
    tmp_path_factory: pytest.TempPathFactory, gui_corpus: dict[str, Path], shared_embedder: Any
) -> Path:
    """A data dir with the corpus indexed once; tests get a copy."""
    from quire.config import Settings
    from quire.core import Quire

    home = tmp_path_factory.mktemp("gui-indexed")
    (home / "config.toml").write_text(TEST_CONFIG, encoding="utf-8")
    quire = Quire(Settings.load(home))
    quire.embedder = shared_embedder
    summary = quire.ingest([gui_corpus["pdf"].parent])
    assert summary.added == 4 and not summary.failed
    return home


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty data dir of this test's own, as QUIRE_HOME."""
    path = tmp_path / "quire-home"
    path.mkdir(exist_ok=True)
    (path / "config.toml").write_text(TEST_CONFIG, encoding="utf-8")
    monkeypatch.setenv("QUIRE_HOME", str(path))
    return path


@pytest.fixture
def library_copy(indexed_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private copy of the indexed corpus, as QUIRE_HOME."""
    path = tmp_path / "quire-library"
    shutil.copytree(indexed_home, path)
    monkeypatch.setenv("QUIRE_HOME", str(path))
    return path


@pytest.fixture
def open_window(qtbot: Any, shared_embedder: Any) -> Iterator[Callable[..., Any]]:
    """open_window(home) → a shown MainWindow over that data dir, its library listed."""
    from PySide6.QtCore import QThreadPool

    from quire.config import Settings
    from quire.core import Quire
    from quire.gui.main_window import MainWindow

    windows: list[Any] = []

    def factory_for(home: Path, embedder: Any) -> Callable[[], Any]:
        def make() -> Any:
            quire = Quire(Settings.load(home))
            quire.embedder = embedder
            return quire

        return make

    def opener(home: Path, embedder: Any = None, wait: bool = True) -> Any:
        window = MainWindow(quire_factory=factory_for(home, embedder or shared_embedder), home=home)
        qtbot.addWidget(window)
        window.show()
        windows.append(window)
        if wait:
            qtbot.waitUntil(lambda: window.library_listed and window.history is not None, timeout=10_000)
        return window

    yield opener
    for window in windows:
        window.confirm_close = lambda: True  # type: ignore[method-assign]
        window.close()
    QThreadPool.globalInstance().waitForDone(30_000)
