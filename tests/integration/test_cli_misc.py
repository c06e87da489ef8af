"""Config and secrets from the command line: settings in config.toml, secrets only in the keyring."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from quire.cli import main as cli_main
from quire.core import Quire


def _keyring_or_fail() -> None:
    import keyring
    from keyring.backends import fail

    if isinstance(keyring.get_keyring(), fail.Keyring):
        pytest.skip("no OS keyring backend here; scripts/run_tests.sh starts gnome-keyring for this")


def test_config_set_get_list(quire_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main(["config", "set", "retrieval.k", "6"]) == 0
    assert cli_main(["config", "get", "retrieval.k"]) == 0
    assert capsys.readouterr().out.strip().endswith("6")
    assert "k = 6" in (quire_home / "config.toml").read_text()
    assert cli_main(["config", "set", "retrieval.k", "lots"]) == 1
    assert "retrieval.k wants a int" in capsys.readouterr().err
    assert cli_main(["config", "list"]) == 0
    assert 'store.backend = "chroma"' in capsys.readouterr().out


def test_secret_goes_to_the_keyring_only(
    quire_home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _keyring_or_fail()
    from quire.secrets import delete_secret, get_secret

    monkeypatch.setattr("sys.stdin", io.StringIO("sk-test-123\n"))
    assert cli_main(["secret", "set", "lan.api_key"]) == 0
    try:
        assert get_secret("lan.api_key") == "sk-test-123"
        for path in quire_home.rglob("*"):
            if path.is_file():
                assert b"sk-test-123" not in path.read_bytes(), path
    finally:
        delete_secret("lan.api_key")
    assert get_secret("lan.api_key") is None
    assert cli_main(["secret", "set", "bogus.name"]) == 2
    assert "unknown secret 'bogus.name'" in capsys.readouterr().err


def test_status_json_shape(library: Quire, capsys: pytest.CaptureFixture[str]) -> None:
    home = library.settings.home
    assert cli_main(["status", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["documents"], data["store"], data["home"]) == (4, "chroma", str(home))
    assert data["chunks"] > 4
    assert set(data["providers"]) >= {"local", "lan", "oci"}
    assert {"ok", "model", "error"} <= data["providers"]["local"].keys()


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        cli_main(["search"])
    assert exit_info.value.code == 2
    assert cli_main(["ingest"]) == 2
