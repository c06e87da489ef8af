"""A loopback stand-in for OCI Generative AI that checks the SDK's request signatures for real.

OCI signs requests with draft-cavage HTTP signatures: the Authorization header names the signed
headers in order; the signing string is "name: value" lines ((request-target) is "post /path");
the signature is RSA-SHA256 (PKCS#1 v1.5) with the API key, checked here with its public key."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from servers import end_chunks, http_server, send_chunk, send_json, start_chunked

TENANCY = "ocid1.tenancy.oc1..aaaaaaaatesttenancy"
USER = "ocid1.user.oc1..aaaaaaaatestuser"
COMPARTMENT = "ocid1.compartment.oc1..aaaaaaaatestcompartment"
SIGNED_FOR_POST = ["date", "(request-target)", "host", "content-length", "content-type", "x-content-sha256"]


@dataclass(frozen=True)
class KeyPair:
    private_pem: Path
    public_key: rsa.RSAPublicKey
    fingerprint: str


def make_key(folder: Path, name: str, passphrase: str | None = None) -> KeyPair:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    encryption = (
        serialization.BestAvailableEncryption(passphrase.encode())
        if passphrase
        else serialization.NoEncryption()
    )
    pem = folder / f"{name}.pem"
    pem.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, encryption
        )
    )
    der = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    digest = hashlib.md5(der).hexdigest()
    fingerprint = ":".join(digest[i : i + 2] for i in range(0, 32, 2))
    return KeyPair(pem, key.public_key(), fingerprint)


def write_config(
    path: Path, key: KeyPair, fingerprint: str | None = None, region: str = "us-chicago-1"
) -> Path:
    path.write_text(
        "[DEFAULT]\n"
        f"user={USER}\nfingerprint={fingerprint or key.fingerprint}\ntenancy={TENANCY}\n"
        f"region={region}\nkey_file={key.private_pem}\n"
    )
    return path


def verify_signature(
    method: str, path: str, headers: dict[str, str], body: bytes, key: KeyPair
) -> str | None:
    """None when the request is signed by `key` over the right headers; else what is wrong."""
    auth = headers.get("authorization", "")
    if not auth.startswith("Signature "):
        return "no Signature authorization"
    params = dict(re.findall(r'(\w+)="([^"]*)"', auth))
    if params.get("algorithm") != "rsa-sha256" or params.get("version") != "1":
        return f"unexpected algorithm/version {params}"
    if params.get("keyId") != f"{TENANCY}/{USER}/{key.fingerprint}":
        return f"unknown keyId {params.get('keyId')}"
    signed = params.get("headers", "").split()
    if method == "POST" and sorted(signed) != sorted(SIGNED_FOR_POST):
        return f"signed headers {signed}"
    lines = []
    for name in signed:
        if name == "(request-target)":
            lines.append(f"(request-target): {method.lower()} {path}")
        elif name in headers:
            lines.append(f"{name}: {headers[name]}")
        else:
            return f"signed header {name} missing"
    if headers.get("x-content-sha256") != base64.b64encode(hashlib.sha256(body).digest()).decode():
        return "x-content-sha256 does not match the body"
    if int(headers.get("content-length", -1)) != len(body):
        return "content-length does not match the body"
    try:
        key.public_key.verify(
            base64.b64decode(params.get("signature", "")),
            "\n".join(lines).encode(),
            padding.PKCS1v15(),
            hashes.SHA256(),
        )
    except (InvalidSignature, ValueError):
        return "signature does not verify"
    return None


def check_body(body: dict[str, Any]) -> str | None:
    """None when the chat request has the documented shape for its apiFormat."""
    mode = body.get("servingMode", {})
    on_demand = mode.get("servingType") == "ON_DEMAND" and mode.get("modelId")
    dedicated = mode.get("servingType") == "DEDICATED" and str(mode.get("endpointId")).startswith(
        "ocid1.generativeaiendpoint."
    )
    if not (on_demand or dedicated):
        return f"servingMode {mode}"
    if body.get("compartmentId") != COMPARTMENT:
        return "compartmentId"
    request = body.get("chatRequest", {})
    if request.get("isStream") is not True:
        return "isStream"
    if request.get("apiFormat") == "COHERE":
        if not isinstance(request.get("message"), str) or "messages" in request:
            return "COHERE wants message"
        for turn in request.get("chatHistory") or []:
            if turn.get("role") not in {"USER", "CHATBOT"} or not isinstance(turn.get("message"), str):
                return f"chatHistory turn {turn}"
        for document in request.get("documents") or []:
            if not isinstance(document, dict) or not all(isinstance(v, str) for v in document.values()):
                return f"document {document}"
        return None
    if request.get("apiFormat") == "GENERIC":
        for message in request.get("messages") or [None]:
            if not message or message.get("role") not in {"SYSTEM", "USER", "ASSISTANT"}:
                return f"message {message}"
            if not all(part.get("type") == "TEXT" and "text" in part for part in message["content"]):
                return f"content {message['content']}"
        return None
    return f"apiFormat {request.get('apiFormat')}"


@dataclass
class Script:
    """How the fake service behaves: statuses to answer before streaming, and what to stream."""

    tokens: list[str] = field(default_factory=lambda: ["Paris", " is", " the", " capital", "."])
    fail_first: list[int] = field(default_factory=list)  # e.g. [429, 429]: throttle twice, then answer
    status: int | None = None  # always answer this error status
    retry_after: str = "0"  # the Retry-After of those error answers
    finish: str | None = None  # finishReason to end with (default COMPLETE / stop)
    citations: list[dict[str, Any]] = field(default_factory=list)  # Cohere's, on the last event
    bodies: list[dict[str, Any]] = field(default_factory=list)
    attempts: int = 0
    sent_at: list[float] = field(default_factory=list)  # when each answer's headers went out


def _events(request_body: dict[str, Any], script: Script) -> Iterator[dict[str, Any]]:
    tokens = script.tokens
    if request_body["chatRequest"]["apiFormat"] == "COHERE":
        for token in tokens:
            yield {"apiFormat": "COHERE", "text": token, "pad": "aaa"}
        last: dict[str, Any] = {
            "apiFormat": "COHERE",
            "text": "".join(tokens),
            "chatHistory": [],
            "finishReason": script.finish or "COMPLETE",
        }
        if script.citations:
            last["citations"] = script.citations
        yield last
        return
    for token in tokens:
        yield {
            "index": 0,
            "message": {"role": "ASSISTANT", "content": [{"type": "TEXT", "text": token}]},
            "pad": "x",
        }
    yield {"index": 0, "finishReason": script.finish or "stop", "message": {"role": "ASSISTANT"}}
    yield {"usage": {"completionTokens": len(tokens), "promptTokens": 57, "totalTokens": 57 + len(tokens)}}


@contextmanager
def oci_service(key: KeyPair, script: Script) -> Iterator[str]:
    """Yields the endpoint (http://127.0.0.1:port) to give the SDK as its service endpoint."""

    def post(request: BaseHTTPRequestHandler, raw: bytes) -> None:
        script.attempts += 1
        headers = {k.lower(): v for k, v in request.headers.items()}
        problem = verify_signature("POST", request.path, headers, raw, key)
        if problem:
            send_json(
                request, 401, {"code": "NotAuthenticated", "message": f"The signature is invalid ({problem})"}
            )
            return
        if request.path != "/20231130/actions/chat":
            send_json(request, 404, {"code": "NotFound", "message": f"no such path {request.path}"})
            return
        body = json.loads(raw)
        script.bodies.append(body)
        shape = check_body(body)
        if shape:
            send_json(request, 400, {"code": "InvalidParameter", "message": shape})
            return
        if script.status or script.fail_first:
            status = script.status or script.fail_first.pop(0)
            messages = {
                404: ("NotFound", "Entity with key cohere.nope not found"),
                429: ("TooManyRequests", "Too many requests for the user"),
                500: ("InternalServerError", "Internal error"),
            }
            code, message = messages.get(status, ("Error", "error"))
            send_json(
                request, status, {"code": code, "message": message}, {"Retry-After": script.retry_after}
            )
            return
        start_chunked(request, "text/event-stream")
        script.sent_at.append(time.perf_counter())
        for event in _events(body, script):
            send_chunk(request, f"data: {json.dumps(event)}\n\n")
        end_chunks(request)

    with http_server(post) as (url, _):
        yield url
