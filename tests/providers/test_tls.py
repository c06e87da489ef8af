"""TLS is verified for LAN https and OCI: a real TLS front (a generated CA and server certificate)
before the loopback servers; untrusted certificates fail with a sentence that says what to do."""

from __future__ import annotations

import datetime
import ipaddress
import socket
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from oci_server import COMPARTMENT, Script, make_key, oci_service, write_config
from servers import http_server, stream_tokens_then

from quire.chat.answer import AnswerStream
from quire.errors import ProviderUnavailable
from quire.providers.lan import LanProvider
from quire.providers.oci_genai import OciProvider

MESSAGES = [{"role": "user", "content": "Say hello."}]


@dataclass(frozen=True)
class Pki:
    ca_pem: Path  # what a user would name in providers.lan.ca_bundle
    cert_pem: Path
    key_pem: Path


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])


def make_pki(folder: Path, label: str, names: list[x509.GeneralName]) -> Pki:
    """A private CA and a server certificate it signed, as a LAN box with its own CA would have."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(_name(f"Quire test CA {label}"))
        .issuer_name(_name(f"Quire test CA {label}"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("gpu-box"))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    pki = Pki(folder / f"{label}-ca.pem", folder / f"{label}-cert.pem", folder / f"{label}-key.pem")
    pki.ca_pem.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    pki.cert_pem.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    pki.key_pem.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return pki


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Pki]:
    folder = tmp_path_factory.mktemp("pki")
    loopback = [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
    return {
        "good": make_pki(folder, "good", loopback),
        "other": make_pki(folder, "other", loopback),  # a CA that did not sign the server's certificate
        "wrong-name": make_pki(folder, "wrong-name", [x509.DNSName("gpu-box.example")]),
    }


@contextmanager
def tls_front(backend: str, pki: Pki) -> Iterator[str]:
    """A real TLS server on a loopback port that passes the decrypted bytes to an http:// backend."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(pki.cert_pem, pki.key_pem)
    host, port = backend.removeprefix("http://").split("/")[0].split(":")
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.1)
    stop = threading.Event()
    handshakes: list[str] = []

    def pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                end.close()

    def serve(raw: socket.socket) -> None:
        try:
            secure = context.wrap_socket(raw, server_side=True)
        except (ssl.SSLError, OSError) as exc:  # the client refused our certificate
            handshakes.append(f"refused: {exc}")
            raw.close()
            return
        handshakes.append("ok")
        inner = socket.create_connection((host, int(port)))
        threading.Thread(target=pipe, args=(secure, inner), daemon=True).start()
        pipe(inner, secure)

    def accept() -> None:
        while not stop.is_set():
            try:
                raw, _ = listener.accept()
            except OSError:
                continue
            threading.Thread(target=serve, args=(raw,), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"https://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join(2)
        listener.close()


@contextmanager
def lan_server() -> Iterator[str]:
    def post(request: BaseHTTPRequestHandler, _: bytes) -> None:
        stream_tokens_then(request, ["Hello", " over", " TLS"], then="done")

    with http_server(post) as (url, _):
        yield url


def lan(settings, url: str, ca_bundle: Path | str = "") -> LanProvider:  # type: ignore[no-untyped-def]
    settings.set("providers.lan.url", url + "/v1")
    settings.set("providers.lan.tokenize", False)
    settings.set("providers.lan.ca_bundle", str(ca_bundle))
    return LanProvider(settings)


def answer(provider: object) -> AnswerStream:
    return AnswerStream("Say hello.", [], [provider], max_tokens=16, temperature=0.0)  # type: ignore[list-item]


# LAN -------------------------------------------------------------------------------------------


def test_lan_https_with_its_own_ca_streams_when_the_ca_bundle_is_set(settings, pki) -> None:
    with lan_server() as backend, tls_front(backend, pki["good"]) as url:
        provider = lan(settings, url, pki["good"].ca_pem)
        health = provider.health()
        assert health.ok, health.error
        result = answer(provider).result()
    assert result.answer == "Hello over TLS" and result.error is None


def test_lan_https_with_an_unknown_ca_fails_and_says_to_set_the_ca_bundle(settings, pki) -> None:
    with lan_server() as backend, tls_front(backend, pki["good"]) as url:
        provider = lan(settings, url)
        health = provider.health()
        with pytest.raises(ProviderUnavailable) as failed:
            answer(provider).result()
    port = url.rsplit(":", 1)[1]
    expected = f"certificate of https://127.0.0.1:{port} could not be verified: "
    assert not health.ok and health.error and health.error.startswith(expected)
    assert "self-signed certificate in certificate chain" in health.error or "unable to get local issuer" in (
        health.error
    )
    assert health.error.endswith("set providers.lan.ca_bundle to your server's CA (a PEM file)")
    assert expected in str(failed.value)


def test_lan_https_signed_by_another_ca_or_for_another_name_fails(settings, pki) -> None:
    with lan_server() as backend, tls_front(backend, pki["good"]) as url:
        health = lan(settings, url, pki["other"].ca_pem).health()
    assert not health.ok and health.error and "could not be verified" in health.error
    assert f"is {pki['other'].ca_pem} (providers.lan.ca_bundle) the CA that signed it" in health.error

    with lan_server() as backend, tls_front(backend, pki["wrong-name"]) as url:
        health = lan(settings, url, pki["wrong-name"].ca_pem).health()
    assert not health.ok and health.error and "could not be verified" in health.error
    assert "IP address mismatch" in health.error or "mismatch" in health.error.lower()


def test_lan_ca_bundle_that_is_not_a_ca_file_is_named(settings, tmp_path: Path) -> None:
    missing = tmp_path / "nope.pem"
    health = lan(settings, "https://127.0.0.1:9", missing).health()
    assert not health.ok and health.error
    assert health.error.startswith(f"providers.lan.ca_bundle {missing} cannot be used as a CA file")
    not_pem = tmp_path / "notes.txt"
    not_pem.write_text("not a certificate")
    health = lan(settings, "https://127.0.0.1:9", not_pem).health()
    assert not health.ok and health.error and "cannot be used as a CA file" in health.error


# OCI -------------------------------------------------------------------------------------------


def oci(settings, endpoint: str, config: Path) -> OciProvider:  # type: ignore[no-untyped-def]
    settings.set("providers.oci.config_file", str(config))
    settings.set("providers.oci.endpoint", endpoint)
    settings.set("providers.oci.compartment", COMPARTMENT)
    settings.set("providers.oci.model", "cohere.command-r-plus-08-2024")
    return OciProvider(settings)


def test_oci_client_verifies_certificates_and_never_logs_requests(settings, tmp_path: Path) -> None:
    import oci as sdk

    key = make_key(tmp_path, "api")
    config = write_config(tmp_path / "config", key)
    config.write_text(config.read_text() + "log_requests=True\n")  # must not switch the SDK's HTTP log on
    client = oci(settings, "https://127.0.0.1:9", config).client()
    session = client.base_client.session
    assert session.verify is True
    assert isinstance(session.get_adapter("https://127.0.0.1:9"), sdk.base_client.OCIHTTPAdapter)
    assert client.base_client.logger.disabled


def test_oci_over_untrusted_tls_fails_before_sending_and_works_once_the_ca_is_trusted(
    settings, tmp_path: Path, pki, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = make_key(tmp_path, "api")
    config = write_config(tmp_path / "config", key)
    script = Script()
    with oci_service(key, script) as backend, tls_front(backend, pki["good"]) as endpoint:
        with pytest.raises(ProviderUnavailable) as failed:
            answer(oci(settings, endpoint, config)).result()
        assert f"certificate of {endpoint} could not be verified" in str(failed.value)
        assert script.attempts == 0  # nothing signed reached the server
        # trusting the CA through the standard variable (a TLS-inspecting proxy's CA, say) works
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(pki["good"].ca_pem))
        result = answer(oci(settings, endpoint, config)).result()
    assert result.error is None and result.answer
    assert script.attempts == 1
