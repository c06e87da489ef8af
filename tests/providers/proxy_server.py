"""A loopback HTTPS proxy, as a company network has one: clients CONNECT host:443 through it, and
it terminates TLS with a certificate it makes for that host, signed by its own CA (trusted through
REQUESTS_CA_BUNDLE), then passes the decrypted bytes to a loopback backend. It records each
CONNECT, so a test sees which host the client asked for without any name being resolved."""

from __future__ import annotations

import datetime
import socket
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


@dataclass
class Proxy:
    url: str  # http://127.0.0.1:port, for HTTPS_PROXY
    ca_pem: Path  # for REQUESTS_CA_BUNDLE
    connects: list[str] = field(default_factory=list)  # "host:port" per CONNECT


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])


def _signed(
    subject: str,
    key: ec.EllipticCurvePrivateKey,
    issuer: x509.Certificate | None,
    issuer_key: ec.EllipticCurvePrivateKey,
) -> x509.Certificate:
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(issuer.subject if issuer else _name(subject))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
    )
    if issuer is None:
        builder = (
            builder.add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(
                x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
            )
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        )
    else:
        builder = (
            builder.add_extension(x509.SubjectAlternativeName([x509.DNSName(subject)]), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), critical=False
            )
        )
    return builder.sign(issuer_key, hashes.SHA256())


def _pipe(source: socket.socket, sink: socket.socket) -> None:
    try:
        while data := source.recv(65536):
            sink.sendall(data)
    except OSError:
        pass
    finally:
        for end in (source, sink):
            end.close()


@contextmanager
def intercepting_proxy(backend: str, folder: Path) -> Iterator[Proxy]:
    """Yields the proxy; every tunnel ends at `backend` (http://127.0.0.1:port)."""
    folder.mkdir(parents=True, exist_ok=True)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = _signed("Quire test proxy CA", ca_key, None, ca_key)
    proxy = Proxy("", folder / "proxy-ca.pem")
    proxy.ca_pem.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    contexts: dict[str, ssl.SSLContext] = {}
    lock = threading.Lock()
    host, port = backend.removeprefix("http://").split("/")[0].split(":")

    def context_for(name: str) -> ssl.SSLContext:
        with lock:
            if name not in contexts:
                key = ec.generate_private_key(ec.SECP256R1())
                cert = _signed(name, key, ca, ca_key)
                stem = folder / name.replace("*", "_")
                stem.with_suffix(".crt").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
                stem.with_suffix(".key").write_bytes(
                    key.private_bytes(
                        serialization.Encoding.PEM,
                        serialization.PrivateFormat.PKCS8,
                        serialization.NoEncryption(),
                    )
                )
                context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
                context.load_cert_chain(stem.with_suffix(".crt"), stem.with_suffix(".key"))
                contexts[name] = context
            return contexts[name]

    def serve(client: socket.socket) -> None:
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = client.recv(4096)
            if not chunk:
                client.close()
                return
            head += chunk
        request_line = head.split(b"\r\n", 1)[0].decode()
        method, target, _ = request_line.split(" ", 2)
        if method != "CONNECT":
            client.sendall(b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n")
            client.close()
            return
        proxy.connects.append(target)
        client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
        try:
            secure = context_for(target.rsplit(":", 1)[0]).wrap_socket(client, server_side=True)
        except (ssl.SSLError, OSError):
            client.close()
            return
        inner = socket.create_connection((host, int(port)))
        threading.Thread(target=_pipe, args=(secure, inner), daemon=True).start()
        _pipe(inner, secure)

    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.1)
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                client, _ = listener.accept()
            except OSError:
                continue
            client.settimeout(None)
            threading.Thread(target=serve, args=(client,), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    proxy.url = f"http://127.0.0.1:{listener.getsockname()[1]}"
    try:
        yield proxy
    finally:
        stop.set()
        thread.join(2)
        listener.close()
