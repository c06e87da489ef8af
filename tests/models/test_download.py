"""Downloads through the real huggingface_hub client from a loopback Hub (HF_ENDPOINT / the
models.hub_endpoint setting) serving the real SmolLM2 GGUF: verified, resumed after a kill, a pause
and a dropped connection, refused on a hash mismatch or a full disk, cancelled without a trace,
through a proxy, and with a token that goes to the Hub but never to the CDN."""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from hub_server import REPO, Hub, HubFile

from helpers import QUIRE, keyring_problem, run_cli
from quire.config import DEFAULT_MODEL_SHA256
from quire.errors import ModelError
from quire.models.download import Download, DownloadStopped, pending_downloads


def _leftovers(home: Path) -> list[str]:
    folder = home / "models"
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*")) if folder.exists() else []


def test_download_is_verified_against_the_lfs_hash(settings: Any, hub: Hub, smol: Path) -> None:
    result = Download(settings, REPO, smol.name, token="hf_loopback_token").run()
    assert result.path == settings.home / "models" / smol.name
    assert result.sha256 == DEFAULT_MODEL_SHA256 and result.size == smol.stat().st_size
    assert result.commit == "0123456789abcdef0123456789abcdef01234567" and result.resumed_from == 0
    assert result.path.read_bytes() == smol.read_bytes()
    assert _leftovers(settings.home) == [smol.name]  # no partial file, no note left behind
    head = hub.seen("hub", "HEAD")
    assert head and head[0][2] == f"/{REPO}/resolve/main/{smol.name}"
    assert head[0][3]["authorization"] == "Bearer hf_loopback_token"
    blobs = hub.seen("cdn", "GET")
    assert len(blobs) == 1 and "authorization" not in blobs[0][3]  # the token stays with the Hub


def test_pause_then_resume_with_progress(settings: Any, hub: Hub, smol: Path) -> None:
    seen: list[Any] = []
    download = Download(settings, "test/slow", smol.name, progress=seen.append)

    def pause_when_started(event: Any) -> None:
        seen.append(event)
        if event.done >= 16 * 2**20:
            download.pause()

    download.progress = pause_when_started
    with pytest.raises(DownloadStopped) as stopped:
        download.run()
    assert stopped.value.paused
    (pending,) = pending_downloads(settings)
    assert pending.repo == "test/slow" and pending.size == smol.stat().st_size
    assert 16 * 2**20 <= pending.done < pending.size and pending.done == seen[-1].done
    speeds = [e.speed_bps for e in seen if e.speed_bps]
    assert speeds and 4 * 2**20 < speeds[-1] < 16 * 2**20  # the loopback Hub serves 8 MB/s
    assert any(e.eta_s for e in seen)
    result = Download(settings, "test/slow", smol.name).run()
    assert result.resumed_from == pending.done and result.fetched == result.size - pending.done
    assert result.sha256 == DEFAULT_MODEL_SHA256
    assert hub.seen("cdn", "GET")[-1][3]["range"] == f"bytes={pending.done}-"
    assert pending_downloads(settings) == [] and _leftovers(settings.home) == [smol.name]


@pytest.mark.slow
def test_resume_after_the_download_is_killed(quire_home: Path, hub: Hub, smol_bytes: bytes) -> None:
    """`quire models get` killed with SIGKILL mid-file; the same command resumes from its bytes."""
    name = "SmolLM2-copy.Q4_1.gguf"  # not the shipped file's name, which the bundled folder would shadow
    hub.add("test/slow", name, HubFile(smol_bytes, rate_bps=8 * 2**20))
    env = {**os.environ, "QUIRE_HOME": str(quire_home), "HF_ENDPOINT": hub.url}
    command = [str(QUIRE), "models", "get", "test/slow", name, "--no-check", "--json"]
    child = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    partial = quire_home / "models" / ".partial"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        parts = list(partial.glob("*.part")) if partial.exists() else []
        if parts and parts[0].stat().st_size >= 30 * 2**20:
            break
        time.sleep(0.05)
    child.send_signal(signal.SIGKILL)
    child.wait(10)
    kept = parts[0].stat().st_size
    assert 30 * 2**20 <= kept < len(smol_bytes)
    started = time.monotonic()
    rerun = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert rerun.returncode == 0, rerun.stderr
    result = json.loads(rerun.stdout)["download"]
    print(f"\nkilled at {kept:,} bytes; resumed and finished in {time.monotonic() - started:.1f} s: {result}")
    assert result["resumed_from"] == kept and result["sha256"] == DEFAULT_MODEL_SHA256
    assert hub.seen("cdn", "GET")[-1][3]["range"] == f"bytes={kept}-"
    assert (quire_home / "models" / name).read_bytes() == smol_bytes
    listed = json.loads(run_cli("models", "list", "--json", env={"QUIRE_HOME": str(quire_home)}).stdout)
    ours = next(m for m in listed["models"] if m["name"] == name)
    assert ours["repo"] == "test/slow" and ours["sha256"] == DEFAULT_MODEL_SHA256 and ours["removable"]


def test_a_dropped_connection_is_resumed_by_the_client(
    settings: Any, hub: Hub, smol: Path, smol_bytes: bytes
) -> None:
    hub.add("test/flaky", smol.name, HubFile(smol_bytes, drop_after=20 * 2**20))
    result = Download(settings, "test/flaky", smol.name).run()
    assert result.sha256 == DEFAULT_MODEL_SHA256
    gets = hub.seen("cdn", "GET")
    assert len(gets) == 2 and "range" not in gets[0][3] and gets[1][3]["range"].startswith("bytes=")
    assert int(gets[1][3]["range"][6:-1]) >= 20 * 2**20 - 2**20


def test_a_hash_mismatch_is_refused_and_nothing_kept(settings: Any, hub: Hub, smol: Path) -> None:
    with pytest.raises(ModelError, match="SHA-256 mismatch") as refused:
        Download(settings, "test/corrupt", smol.name).run()
    assert DEFAULT_MODEL_SHA256 in str(refused.value) and "not kept" in str(refused.value)
    assert _leftovers(settings.home) == [] and pending_downloads(settings) == []


def test_cancel_leaves_nothing_behind(settings: Any, hub: Hub, smol: Path) -> None:
    download = Download(settings, "test/slow", smol.name)
    download.progress = lambda event: download.cancel() if event.done >= 4 * 2**20 else None
    with pytest.raises(DownloadStopped) as stopped:
        download.run()
    assert not stopped.value.paused
    assert _leftovers(settings.home) == [] and pending_downloads(settings) == []


def test_missing_file_and_repo_are_named(settings: Any, hub: Hub) -> None:
    with pytest.raises(ModelError, match=r"test/smol/nope\.gguf@main: no such file"):
        Download(settings, REPO, "nope.gguf").run()
    with pytest.raises(ModelError, match="refused access .*quire secret set hub.token"):
        Download(settings, "someone/private", "model.gguf").run()
    with pytest.raises(ModelError, match=".gguf files only"):
        Download(settings, REPO, "../../etc/passwd")


@contextmanager
def small_disk(tmp_path: Path, size: str) -> Iterator[Path]:
    mount = tmp_path / "disk"
    mount.mkdir()
    made = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(mount)], capture_output=True
    )
    if made.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {made.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_free_disk_is_checked_first(settings: Any, hub: Hub, smol: Path, tmp_path: Path) -> None:
    with small_disk(tmp_path, "24m") as disk:
        with pytest.raises(
            ModelError, match="needs .* MB more but only .* MB is free; nothing was downloaded"
        ):
            Download(settings, REPO, smol.name, dest_dir=disk).run()
        assert hub.seen("cdn") == []  # refused before a byte was asked for
        assert not any(disk.rglob("*.part"))


def test_a_disk_that_fills_mid_download_keeps_the_partial(
    settings: Any, hub: Hub, smol: Path, tmp_path: Path
) -> None:
    with small_disk(tmp_path, "180m") as disk:
        ballast = disk / "ballast"

        def fill(event: Any) -> None:
            if event.done >= 8 * 2**20 and not ballast.exists():
                with ballast.open("wb") as out:  # another program takes the space meanwhile
                    try:
                        while True:
                            out.write(b"\0" * 2**20)
                    except OSError:
                        pass

        with pytest.raises(ModelError, match="the disk is full; the partial download is kept"):
            Download(settings, "test/slow", smol.name, dest_dir=disk, progress=fill).run()
        kept = next(disk.rglob("*.part")).stat().st_size
        assert kept >= 7 * 2**20  # all but the chunk the full disk refused
        ballast.unlink()
        result = Download(settings, "test/slow", smol.name, dest_dir=disk).run()
        assert result.resumed_from == kept and result.sha256 == DEFAULT_MODEL_SHA256


def test_token_from_the_keyring_opens_a_gated_repo(
    settings: Any, hub: Hub, smol: Path, smol_bytes: bytes
) -> None:
    problem = keyring_problem()
    if problem:
        pytest.skip(problem)
    from quire.secrets import delete_secret, set_secret

    hub.add("gated/smol", smol.name, HubFile(smol_bytes, gated_token="hf_gated_" + os.urandom(4).hex()))
    token = hub.files[("gated/smol", smol.name)].gated_token
    assert token
    delete_secret("hub.token")
    with pytest.raises(ModelError, match="refused access .*HTTP 401.*quire secret set hub.token"):
        Download(settings, "gated/smol", smol.name).run()
    set_secret("hub.token", token)
    try:
        assert Download(settings, "gated/smol", smol.name).run().sha256 == DEFAULT_MODEL_SHA256
    finally:
        delete_secret("hub.token")
    assert "authorization" not in hub.seen("cdn", "GET")[-1][3]


@contextmanager
def forward_proxy() -> Iterator[tuple[str, list[str]]]:
    """A plain HTTP forward proxy on loopback that relays requests and records their URLs."""
    seen: list[str] = []

    class Proxy(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _relay(self) -> None:
            seen.append(f"{self.command} {self.path}")
            target = urlsplit(self.path)
            upstream = http.client.HTTPConnection(target.hostname, target.port, timeout=30)
            headers = {
                k: v for k, v in self.headers.items() if k.lower() not in ("proxy-connection", "connection")
            }
            upstream.request(
                self.command, target.path + (f"?{target.query}" if target.query else ""), headers=headers
            )
            reply = upstream.getresponse()
            self.send_response(reply.status)
            for name, value in reply.getheaders():
                if name.lower() not in ("connection", "transfer-encoding"):
                    self.send_header(name, value)
            self.end_headers()
            if self.command != "HEAD":
                while block := reply.read(1 << 16):
                    self.wfile.write(block)
            upstream.close()

        do_GET = do_HEAD = _relay  # noqa: N815 (the stdlib's naming)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Proxy)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.slow
def test_proxy_and_hf_endpoint_from_the_environment_are_honoured(
    quire_home: Path, hub: Hub, smol: Path
) -> None:
    with forward_proxy() as (proxy, seen):
        env = {"QUIRE_HOME": str(quire_home), "HF_ENDPOINT": hub.url, "HTTP_PROXY": proxy, "NO_PROXY": ""}
        result = run_cli("models", "get", REPO, smol.name, "--no-check", "--json", env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["download"]["sha256"] == DEFAULT_MODEL_SHA256
    assert f"HEAD {hub.url}/{REPO}/resolve/main/{smol.name}" in seen
    assert any(line.startswith(f"GET {hub.cdn_url}/blobs/{REPO}/") for line in seen)


def test_nothing_reaches_the_hub_unless_a_download_is_started(settings: Any, hub: Hub) -> None:
    from quire.models.catalog import assess, load_catalog
    from quire.models.inventory import installed_models
    from quire.models.machine import this_machine

    machine = this_machine(settings, with_gpu=False)
    rows = [assess(e, machine, 4096) for e in load_catalog(settings).entries]
    assert rows and installed_models(settings) is not None and pending_downloads(settings) == []
    assert hub.requests == []


def test_remove_a_paused_download_and_a_downloaded_model(
    settings: Any, hub: Hub, smol: Path, smol_bytes: bytes
) -> None:
    hub.add("test/slow", "other.gguf", HubFile(smol_bytes, rate_bps=8 * 2**20))
    download = Download(settings, "test/slow", "other.gguf")
    download.progress = lambda event: download.pause() if event.done >= 2 * 2**20 else None
    with pytest.raises(DownloadStopped):
        download.run()
    env = {"QUIRE_HOME": str(settings.home)}
    removed = run_cli("models", "remove", "other.gguf", "--json", env=env)
    assert removed.returncode == 0 and json.loads(removed.stdout)["paused_download"] is True
    assert _leftovers(settings.home) == []
    Download(settings, "test/slow", "other.gguf").run()
    gone = run_cli("models", "remove", "other.gguf", env=env)
    assert gone.returncode == 0 and not (settings.home / "models" / "other.gguf").exists()
    shipped = run_cli("models", "remove", smol.name, env=env)
    assert shipped.returncode == 1 and "not in Quire's download folder" in shipped.stderr and smol.exists()
