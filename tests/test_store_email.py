"""E-mail alert channels against a real SMTP server (aiosmtpd on 127.0.0.1) with STARTTLS and a login.

The server's certificate is made here by a throwaway CA; the store trusts that CA through
QUALITY_HOOKS_SMTP_CA_FILE, and a store without it refuses the relay (verification on by default).
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import ipaddress
import os
import re
import ssl
import threading
import time
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
import requests
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from store_support import StoreServer, free_port, run_payload, sha, store_on

from quality_hooks.store.email import compose

API = "/api/v1/projects"
USER, PASSWORD = "alerts", "s3cret-pass"


def _name(text: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, text)])


def make_certificates(directory: Path) -> tuple[Path, Path, Path]:
    """A CA and a server certificate for 127.0.0.1 signed by it: (ca.pem, cert.pem, key.pem)."""
    now = dt.datetime.now(dt.timezone.utc)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_ski = x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key())
    ca = (
        x509.CertificateBuilder()
        .subject_name(_name("qh test CA"))
        .issuer_name(_name("qh test CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
        )  # keyCertSign, cRLSign
        .add_extension(ca_ski, critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    leaf = (
        x509.CertificateBuilder()
        .subject_name(_name("127.0.0.1"))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    paths = directory / "ca.pem", directory / "cert.pem", directory / "key.pem"
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return paths


class MailSink:
    """aiosmtpd's handler: keeps every accepted message; answers 451 to the first ``defer_first``."""

    def __init__(self, defer_first: int = 0) -> None:
        self.defer_first = defer_first
        self.tries = 0
        self.messages: list[tuple[str, list[str], EmailMessage]] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.tries += 1
            if self.tries <= self.defer_first:
                return "451 4.3.0 try again later"
            parsed = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
            assert isinstance(parsed, EmailMessage)
            self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), parsed))
        return "250 OK"

    def wait_for(self, count: int, timeout: float = 30.0) -> list[tuple[str, list[str], EmailMessage]]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.messages) >= count:
                    return list(self.messages)
            time.sleep(0.05)
        return list(self.messages)


def _authenticate(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
    ok = isinstance(data, LoginPassword) and data.login == USER.encode() and data.password == PASSWORD.encode()
    return AuthResult(success=ok)


@pytest.fixture(scope="module")
def smtp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[MailSink, int, Path]]:
    """A STARTTLS-only SMTP server with a login on 127.0.0.1: (sink, port, CA file)."""
    directory = tmp_path_factory.mktemp("smtp")
    ca, cert, key = make_certificates(directory)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    sink = MailSink(defer_first=1)
    port = free_port()
    controller = Controller(
        sink,
        hostname="127.0.0.1",
        port=port,
        tls_context=context,
        require_starttls=True,
        auth_required=True,
        auth_require_tls=True,
        authenticator=_authenticate,
    )
    controller.start()
    yield sink, port, ca
    controller.stop()


def _smtp_env(port: int, ca: Path | None) -> dict[str, str]:
    env = {
        "QUALITY_HOOKS_SMTP_HOST": "127.0.0.1",
        "QUALITY_HOOKS_SMTP_PORT": str(port),
        "QUALITY_HOOKS_SMTP_USER": USER,
        "QUALITY_HOOKS_SMTP_PASSWORD": PASSWORD,
        "QUALITY_HOOKS_SMTP_FROM": "store@qh.example",
    }
    return env | ({"QUALITY_HOOKS_SMTP_CA_FILE": str(ca)} if ca else {})


def _store(tmp: Path, name: str, env: dict[str, str]) -> StoreServer:
    unset = {k: "" for k in os.environ if k.startswith("QUALITY_HOOKS_SMTP_")}
    database, log = str(tmp / f"{name}.sqlite3"), tmp / f"{name}.log"
    return StoreServer(database, log, "--rate", "0", "--webhook-backoff", "0.2", env=unset | env).start()


def _headers(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _deliveries(server: StoreServer, project: str, token: str, count: int) -> list[dict[str, Any]]:
    """The delivery log once ``count`` notifications have settled (delivered or failed)."""
    deadline = time.monotonic() + 30
    while True:
        log = requests.get(f"{server.url}{API}/{project}/deliveries", headers=_headers(token), timeout=10).json()
        settled = [d for d in log["deliveries"] if d["status"] in ("delivered", "failed")]
        if len(settled) >= count or time.monotonic() > deadline:
            return list(log["deliveries"])
        time.sleep(0.1)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def store(
    request: pytest.FixtureRequest, smtp: tuple[MailSink, int, Path], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[StoreServer]:
    """A store (SQLite file or PostgreSQL) whose relay is the test's SMTP server, its CA trusted through
    QUALITY_HOOKS_SMTP_CA_FILE."""
    _, port, ca = smtp
    unset = {k: "" for k in os.environ if k.startswith("QUALITY_HOOKS_SMTP_")}
    directory = tmp_path_factory.mktemp(f"store-{request.param}")
    yield from store_on(
        request.param, directory, "qh_mail", "--webhook-backoff", "0.2", env=unset | _smtp_env(port, ca)
    )


def test_alert_mailed_over_starttls_with_text_and_escaped_html_parts_and_retried(
    smtp: tuple[MailSink, int, Path], store: StoreServer
) -> None:
    sink = smtp[0]
    with sink.lock:  # the same relay serves the SQLite and the PostgreSQL store: each starts with a deferral
        sink.tries, sink.messages = 0, []
    project = "acme.x/mail-1"
    token = store.add_project(project)
    base = f"{store.url}{API}/{project}"
    rule = {"kind": "threshold", "metric": "score", "warning": 70}
    assert requests.post(f"{base}/rules", json=rule, headers=_headers(token), timeout=10).status_code == 201
    channel = {"kind": "email", "to": ["dev@example.com", "lead@team.example.org", "dev@example.com"]}
    added = requests.post(f"{base}/channels", json=channel, headers=_headers(token), timeout=10)
    assert added.status_code == 201, added.text
    assert added.json()["to"] == ["dev@example.com", "lead@team.example.org"]  # deduplicated
    listed = requests.get(f"{base}/channels", headers=_headers(token), timeout=10).json()["channels"]
    assert [c["kind"] for c in listed] == ["email"] and "url" not in listed[0]

    pushed = requests.post(f"{base}/runs", json=run_payload(sha(1), score=55.0), headers=_headers(token), timeout=10)
    assert [a["event"] for a in pushed.json()["alerts"]] == ["raised"]
    (sender, recipients, message), *_ = sink.wait_for(1)
    assert sender == "store@qh.example"
    assert sorted(recipients) == ["dev@example.com", "lead@team.example.org"]
    assert "acme.x/mail-1" in message["Subject"] and "warning" in message["Subject"]
    text = message.get_body(("plain",))
    html_part = message.get_body(("html",))
    assert text is not None and html_part is not None
    assert "score 55 is below the warning level 70" in text.get_content()
    assert "<strong>acme.x/mail-1</strong>" in html_part.get_content()
    # The same on every attempt at this notification, so a copy sent again is recognisable.
    assert re.fullmatch(r"<qh-delivery-\d+-\d+@qh\.example>", message["Message-ID"]), message["Message-ID"]

    log = _deliveries(store, project, token, 1)
    assert [d["status"] for d in log] == ["delivered"]
    attempts = log[0]["attempts"]  # the sink deferred the first try with 451: retried with backoff
    assert [a["status_code"] for a in attempts] == [451, 250]
    assert "451" in attempts[0]["error"]


def test_recipients_checked_when_the_channel_is_added(store: StoreServer) -> None:
    token = store.add_project("acme/check")
    url = f"{store.url}{API}/acme/check/channels"
    for to, words in [
        ([], "at least 1"),
        (["not-an-address"], "not an e-mail address"),
        (["a@b.example", "evil@x.example\r\nBcc: all@x.example"], "not an e-mail address"),
        (["a@localhost"], "not an e-mail address"),
        ([f"u{i}@x.example" for i in range(21)], "at most 20 recipients"),
    ]:
        answer = requests.post(url, json={"kind": "email", "to": to}, headers=_headers(token), timeout=10)
        assert answer.status_code == 422, (to, answer.text)
        error = answer.json()["error"]
        assert error["code"] == "invalid" and words in error["message"], (to, error)
    assert requests.get(url, headers=_headers(token), timeout=10).json()["channels"] == []


def test_relay_certificate_verified_by_default(smtp: tuple[MailSink, int, Path], tmp_path: Path) -> None:
    """Without the CA file the store does not trust the relay: no mail, the delivery log says TLS failed."""
    sink, port, _ = smtp
    before = len(sink.messages)
    server = _store(tmp_path, "strict", _smtp_env(port, None) | {"QUALITY_HOOKS_SMTP_CA_FILE": ""})
    try:
        token = server.add_project("acme/strict")
        base = f"{server.url}{API}/acme/strict"
        requests.post(
            f"{base}/rules",
            json={"kind": "threshold", "metric": "score", "warning": 70},
            headers=_headers(token),
            timeout=10,
        )
        requests.post(
            f"{base}/channels", json={"kind": "email", "to": ["dev@example.com"]}, headers=_headers(token), timeout=10
        )
        requests.post(f"{base}/runs", json=run_payload(sha(2), score=50.0), headers=_headers(token), timeout=10)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            log = requests.get(f"{base}/deliveries", headers=_headers(token), timeout=10).json()["deliveries"]
            if log and log[0]["attempts"]:
                break
            time.sleep(0.1)
        assert log and log[0]["status"] == "pending"
        assert (
            "TLS failed" in log[0]["attempts"][0]["error"]
            and "CERTIFICATE_VERIFY_FAILED" in log[0]["attempts"][0]["error"]
        )
        assert len(sink.messages) == before
    finally:
        server.stop()


def test_store_without_a_relay_refuses_email_channels(tmp_path: Path) -> None:
    server = _store(tmp_path, "norelay", {})
    try:
        token = server.add_project("acme/norelay")
        answer = requests.post(
            f"{server.url}{API}/acme/norelay/channels",
            json={"kind": "email", "to": ["dev@example.com"]},
            headers=_headers(token),
            timeout=10,
        )
        assert answer.status_code == 422 and "QUALITY_HOOKS_SMTP_HOST" in answer.json()["error"]["message"]
    finally:
        server.stop()


def test_html_part_escapes_what_the_store_did_not_write() -> None:
    body = {
        "event": "alert.raised",
        "project": "acme/<img src=x onerror=alert(1)>",
        "alert": {
            "id": 7,
            "rule_id": 3,
            "status": "open",
            "level": "critical",
            "value": 1.0,
            "message": "<script>steal()</script> & more\r\nBcc: everyone@x.example",
        },
    }
    message = compose(body, ["dev@example.com"], "store@qh.example", 'https://qh.example/p/a?x=1&y="2"')
    html_part, text = message.get_body(("html",)), message.get_body(("plain",))
    assert html_part is not None and text is not None
    markup = html_part.get_content()
    assert "<script>" not in markup and "&lt;script&gt;steal()&lt;/script&gt; &amp; more" in markup
    assert "<img" not in markup and "&lt;img src=x onerror=alert(1)&gt;" in markup
    assert 'href="https://qh.example/p/a?x=1&amp;y=&quot;2&quot;"' in markup
    assert "\n" not in message["Subject"] and message["Bcc"] is None  # no header injection
    assert "<script>steal()</script>" in text.get_content()  # plain text is shown as text, never rendered
