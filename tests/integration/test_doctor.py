"""`quire doctor` on the real install, then with things broken on purpose: the right check fails
and its fix says what to do."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from helpers import DEFAULT_MODEL, keyring_problem, run_cli

CORE_CHECKS = {
    "config", "python", "data dir", "free disk", "log file", "keyring", "llama.cpp", "threads",
    "models dir", "model file", "local model", "embedder", "store",
}  # fmt: skip
NO_KEYRING = {"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}


def doctor(*args: str, env: dict[str, str] | None = None) -> tuple[int, dict[str, Any]]:
    result = run_cli("doctor", "--json", *args, env=env)
    assert result.stdout, result.stderr
    return result.returncode, json.loads(result.stdout)


def check(report: dict[str, Any], name: str) -> dict[str, Any]:
    [found] = [c for c in report["checks"] if c["name"] == name]
    return found


def test_doctor_on_the_real_install_passes(library: Any) -> None:
    """The embedder really loads, the shipped model's checksum matches, the library is counted."""
    code, report = doctor(env={"QUIRE_HOME": str(library.settings.home)})
    assert code == 0 and report["ok"] is True, report
    assert {c["name"] for c in report["checks"]} >= CORE_CHECKS
    for item in report["checks"]:
        assert set(item) == {"name", "status", "detail", "fix"}
        assert item["status"] in ("ok", "warn"), item
        assert item["status"] == "ok" or item["fix"], item  # every warning says what to do
    assert check(report, "local model")["detail"].startswith(f"{DEFAULT_MODEL}, SHA-256 matches (")
    assert "384 dims, loaded in" in check(report, "embedder")["detail"]
    import onnxruntime

    gpu = "CUDAExecutionProvider" in onnxruntime.get_available_providers()
    assert f"embeds on the {'CUDA GPU' if gpu else 'CPU'}" in check(report, "embedder")["detail"]
    assert check(report, "store")["detail"].startswith("4 documents, ")
    assert "CPU" in check(report, "llama.cpp")["detail"] or "GPU" in check(report, "llama.cpp")["detail"]
    if not keyring_problem():
        assert check(report, "keyring")["status"] == "ok"
        assert "Secret Service" in check(report, "keyring")["detail"]


def test_doctor_prints_an_aligned_table(quire_home: Path) -> None:
    result = run_cli("doctor", "--quick")
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    rows = [line for line in lines if line and not line.startswith(" ") and "checks:" not in line]
    width = max(len(name) for name in CORE_CHECKS)
    for row in rows:
        assert row[width + 2 : width + 6].strip() in ("ok", "warn", "fail"), row
    assert (
        lines[-1].endswith("0 fail")
        and "embedder" in result.stdout
        and "(not loaded: --quick)" in (result.stdout)
    )


def test_a_corrupt_model_and_a_non_gguf_fail_with_the_fix(tmp_path: Path) -> None:
    models = tmp_path / "models"
    models.mkdir()
    damaged = models / DEFAULT_MODEL.name  # first in the search order: it shadows the good one
    with DEFAULT_MODEL.open("rb") as good:
        damaged.write_bytes(good.read(1 << 20))  # a download cut off after 1 MiB
    (models / "notes.gguf").write_bytes(b"PK\x03\x04 a zip renamed")
    code, report = doctor("--quick", env={"QUIRE_MODELS": str(models)})
    assert code == 1 and report["ok"] is False
    local = check(report, "local model")
    assert local["status"] == "fail"
    assert (
        local["detail"].startswith(f"{damaged}: SHA-256 ")
        and "(corrupt, truncated or replaced)" in (local["detail"])
    )
    assert (
        local["fix"]
        == f"delete {damaged} and run `make models` (or `python scripts/fetch_default_model.py models`)"
    )
    files = {
        c["detail"].split(",")[0].split(":")[0]: c for c in report["checks"] if c["name"] == "model file"
    }
    assert files[str(damaged)]["status"] == "ok"  # its header is fine: only the checksum can tell
    bad = files[str(models / "notes.gguf")]
    assert bad["status"] == "fail" and "not a GGUF file (starts b'PK\\x03\\x04'" in bad["detail"]
    assert bad["fix"] == "delete it and copy it again"


def test_a_missing_model_fails_and_names_the_folders(tmp_path: Path) -> None:
    code, report = doctor("--quick", env={"QUIRE_PROVIDERS__LOCAL__MODEL": "Mistral-7B.Q4_K_M.gguf"})
    assert code == 1
    local = check(report, "local model")
    assert local["status"] == "fail"
    assert local["detail"].startswith("chat model 'Mistral-7B.Q4_K_M.gguf' not found in ")
    assert "providers.local.model" in local["fix"]
    # a user who answers with a LAN server only is warned, not failed
    code, report = doctor(
        "--quick",
        env={
            "QUIRE_PROVIDERS__LOCAL__MODEL": "Mistral-7B.Q4_K_M.gguf",
            "QUIRE_PROVIDERS__DEFAULT": "lan",
            "QUIRE_PROVIDERS__ORDER": "lan,oci",
        },
    )
    assert code == 0 and check(report, "local model")["status"] == "warn"


def test_no_keyring_warns_and_fails_once_a_server_needs_a_secret() -> None:
    code, report = doctor("--quick", env=NO_KEYRING)
    keyring = check(report, "keyring")
    assert code == 0 and keyring["status"] == "warn"
    assert keyring["detail"].startswith("not secure: keyring found no usable OS keyring backend")
    assert "gnome-keyring" in keyring["fix"] and "KWallet" in keyring["fix"]
    code, report = doctor("--quick", env={**NO_KEYRING, "QUIRE_PROVIDERS__LAN__URL": "http://127.0.0.1:9/v1"})
    keyring = check(report, "keyring")
    assert (
        code == 1 and keyring["status"] == "fail" and "the LAN server may need a secret" in keyring["detail"]
    )


def test_a_data_dir_that_cannot_be_used_and_a_broken_config_fail(tmp_path: Path, quire_home: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the data dir should be")
    code, report = doctor("--quick", env={"QUIRE_HOME": str(blocker)})
    data = check(report, "data dir")
    assert code == 1 and data["status"] == "fail"
    assert data["detail"] == f"{blocker} is a file, not a folder" and "QUIRE_HOME" in data["fix"]

    quire_home.mkdir()
    (quire_home / "config.toml").write_text("[retrieval\nk = 4\n")
    code, report = doctor("--quick")
    config = check(report, "config")
    assert code == 1 and config["status"] == "fail" and "not valid TOML" in config["detail"]
    assert config["fix"] == f"fix or remove {quire_home / 'config.toml'}"
    assert check(report, "data dir")["status"] == "ok"  # the other checks still ran


def test_lan_ca_bundle_and_plain_http_are_checked(tmp_path: Path) -> None:
    missing = tmp_path / "ca.pem"
    env = {
        "QUIRE_PROVIDERS__LAN__URL": "https://gpu-box.lan/v1",
        "QUIRE_PROVIDERS__LAN__CA_BUNDLE": str(missing),
    }
    code, report = doctor("--quick", env=env)
    tls = check(report, "lan tls")
    assert code == 1 and tls["status"] == "fail" and str(missing) in tls["detail"]
    assert tls["fix"] == "point providers.lan.ca_bundle at your server's CA certificate (PEM)"


@pytest.mark.skipif(shutil.which("nvidia-smi") is None, reason="needs an NVIDIA GPU")
def test_a_cpu_only_build_on_a_gpu_machine_says_how_to_rebuild() -> None:
    import llama_cpp

    code, report = doctor("--quick")
    llama = check(report, "llama.cpp")
    if llama_cpp.llama_supports_gpu_offload():
        assert llama["status"] == "ok" and "GPU offload via" in llama["detail"]
    else:
        assert llama["status"] == "warn" and "CPU only" in llama["detail"] and "NVIDIA GPU" in llama["detail"]
        assert 'CMAKE_ARGS="-DGGML_CUDA=on"' in llama["fix"]


def test_doctor_says_which_device_embeds_and_why_not_the_one_forced(quire_home: Any) -> None:
    import onnxruntime

    if "CUDAExecutionProvider" in onnxruntime.get_available_providers():
        pytest.skip("CUDA is here: forcing it is no fallback")
    _, report = doctor(env={"QUIRE_HOME": str(quire_home), "QUIRE_EMBEDDER__DEVICE": "cuda"})
    embedder = check(report, "embedder")
    assert embedder["status"] == "warn" and embedder["fix"]
    assert "embeds on the CPU" in embedder["detail"]
    assert "embedder.device is cuda" in embedder["detail"] and "onnxruntime-gpu" in embedder["detail"]
