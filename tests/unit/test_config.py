"""Settings: defaults, the TOML file, environment overrides, typed values."""

from __future__ import annotations

from pathlib import Path

import pytest

from quire.config import Settings
from quire.errors import ConfigError


def test_set_save_and_reload(tmp_path: Path) -> None:
    settings = Settings.load(tmp_path)
    settings.set("retrieval.k", "7")
    settings.set("providers.order", "local, lan")
    settings.save()
    again = Settings.load(tmp_path)
    assert again.get("retrieval.k") == 7
    assert again.get("providers.order") == ["local", "lan"]
    assert "[retrieval]" in (tmp_path / "config.toml").read_text()


def test_environment_overrides_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QUIRE_PROVIDERS__LOCAL__THREADS", "3")
    assert Settings.load(tmp_path).get("providers.local.threads") == 3


def test_bad_values_and_keys_are_refused(tmp_path: Path) -> None:
    settings = Settings.load(tmp_path)
    with pytest.raises(ConfigError, match="wants a int"):
        settings.set("retrieval.k", "many")
    with pytest.raises(ConfigError, match="unknown setting"):
        settings.get("no.such.key")


def test_broken_config_file_is_named(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text("this is = = not toml")
    with pytest.raises(ConfigError, match="config.toml: not valid TOML"):
        Settings.load(tmp_path)
