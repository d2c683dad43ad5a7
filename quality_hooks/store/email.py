"""E-mail alert channels: recipients checked on the way in, messages sent through the server's SMTP relay.

A channel names only its recipients (``{"kind": "email", "to": [...]}``); the relay and its
credentials come from the server's environment, so a write token can never point the store
at another mail server or read its password:

- ``QUALITY_HOOKS_SMTP_HOST`` (required for e-mail channels), ``QUALITY_HOOKS_SMTP_PORT`` (587);
- ``QUALITY_HOOKS_SMTP_USER`` / ``QUALITY_HOOKS_SMTP_PASSWORD`` (optional login);
- ``QUALITY_HOOKS_SMTP_FROM`` (the sender; default ``quality-hooks@`` the host name);
- ``QUALITY_HOOKS_SMTP_STARTTLS`` (``1``, the default: STARTTLS with the certificate verified;
  ``0``: plain SMTP, only without a login, for a relay on the same host);
- ``QUALITY_HOOKS_SMTP_CA_FILE`` (trust this CA bundle instead of the system's, e.g. a private CA).

Each message has a plain-text part and an HTML part; everything in the HTML that came from a
request (project name, alert message, link) is HTML-escaped.
"""

from __future__ import annotations

import datetime as dt
import html
import os
import re
import smtplib
import socket
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Any

MAX_RECIPIENTS = 20
#: A practical address: dot-atom local part, a dotted host name of LDH labels (no quoting, no IP literals).
_LOCAL = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
ADDRESS = re.compile(rf"^{_LOCAL}@{_LABEL}(?:\.{_LABEL})+$")


def recipient_problem(address: str) -> str | None:
    """Why ``address`` is not an acceptable recipient, or None."""
    if len(address) > 254:
        return f"{address[:40]!r}...: longer than 254 characters"
    if not ADDRESS.match(address) or len(address.partition("@")[0]) > 64:
        return f"{address!r} is not an e-mail address like name@example.com"
    return None


def check_recipients(addresses: list[str]) -> list[str]:
    """The addresses, deduplicated in order; ValueError naming the first bad one."""
    if not addresses:
        raise ValueError("an e-mail channel needs at least one recipient in 'to'")
    unique = list(dict.fromkeys(a.strip() for a in addresses))
    if len(unique) > MAX_RECIPIENTS:
        raise ValueError(f"at most {MAX_RECIPIENTS} recipients per channel")
    for address in unique:
        problem = recipient_problem(address)
        if problem:
            raise ValueError(problem)
    return unique


def _flag(value: str | None, default: bool) -> bool:
    if value is None or not value.strip():
        return default
    return value.strip().lower() not in {"0", "false", "no", "off"}


@dataclass(frozen=True)
class SmtpSettings:
    """The relay the store mails through; the operator's, from the environment (see the module docstring)."""

    host: str
    port: int = 587
    user: str | None = None
    password: str | None = None
    sender: str = ""
    starttls: bool = True
    ca_file: str | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> SmtpSettings | None:
        """The relay from ``QUALITY_HOOKS_SMTP_*``; None when no host is set."""
        env = os.environ if env is None else env
        host = env.get("QUALITY_HOOKS_SMTP_HOST", "").strip()
        if not host:
            return None
        starttls = _flag(env.get("QUALITY_HOOKS_SMTP_STARTTLS"), True)
        user = env.get("QUALITY_HOOKS_SMTP_USER") or None
        if user and not starttls:
            raise ValueError("QUALITY_HOOKS_SMTP_USER is set with STARTTLS off: the password would travel in clear")
        return cls(
            host=host,
            port=int(env.get("QUALITY_HOOKS_SMTP_PORT") or 587),
            user=user,
            password=env.get("QUALITY_HOOKS_SMTP_PASSWORD") or None,
            sender=env.get("QUALITY_HOOKS_SMTP_FROM") or f"quality-hooks@{socket.getfqdn()}",
            starttls=starttls,
            ca_file=env.get("QUALITY_HOOKS_SMTP_CA_FILE") or None,
        )


def _one_line(text: str, limit: int = 200) -> str:
    """Header-safe: no CR/LF (header injection), bounded."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


def compose(
    body: dict[str, Any], to: list[str], sender: str, dashboard_url: str | None, delivery: str | None = None
) -> EmailMessage:
    """The alert as a multipart/alternative message (plain text first, then HTML); ``delivery`` (the
    notification's id) makes the Message-ID the same on every attempt, so a resent copy is recognisable."""
    alert = body["alert"]
    verb = body["event"].removeprefix("alert.")
    level = "resolved" if alert["status"] == "resolved" else alert["level"]
    project = str(body["project"])
    message = EmailMessage()
    message["Subject"] = _one_line(f"[quality-hooks] {project}: {level}: {alert['message']}")
    message["From"] = sender
    message["To"] = ", ".join(to)
    message["Date"] = format_datetime(dt.datetime.now(dt.timezone.utc))
    domain = sender.rpartition("@")[2] or None
    message["Message-ID"] = (
        f"<qh-delivery-{delivery}@{domain or 'quality-hooks.invalid'}>" if delivery else make_msgid(domain=domain)
    )
    lines = [
        f"Alert {verb} on {project} ({level}).",
        "",
        str(alert["message"]),
        "",
        f"Alert {alert['id']}, rule {alert['rule_id']}, value {alert['value']}.",
    ]
    if dashboard_url:
        lines += ["", f"Dashboard: {dashboard_url}"]
    message.set_content("\n".join(lines) + "\n")
    escape = html.escape
    link = f'<p><a href="{escape(dashboard_url)}">Open the dashboard</a></p>' if dashboard_url else ""
    message.add_alternative(
        "<!doctype html><html><body>"
        f"<p>Alert <strong>{escape(verb)}</strong> on <strong>{escape(project)}</strong> ({escape(level)}).</p>"
        f"<p>{escape(str(alert['message']))}</p>"
        f"<p>Alert {escape(str(alert['id']))}, rule {escape(str(alert['rule_id']))}, "
        f"value {escape(str(alert['value']))}.</p>"
        f"{link}</body></html>\n",
        subtype="html",
    )
    return message


def send(settings: SmtpSettings, message: EmailMessage, timeout: float) -> None:
    """Hand the message to the relay; raises ``smtplib.SMTPException`` or ``OSError`` on failure."""
    with smtplib.SMTP(settings.host, settings.port, timeout=timeout) as smtp:
        smtp.ehlo()
        if settings.starttls:
            context = ssl.create_default_context(cafile=settings.ca_file)  # verifies the relay's name and chain
            smtp.starttls(context=context)
            smtp.ehlo()
        if settings.user:
            smtp.login(settings.user, settings.password or "")
        smtp.send_message(message)


def send_error(exc: Exception) -> tuple[int | None, str]:
    """The SMTP reply code (when there is one) and a one-line error for the delivery log."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = sorted({code for code, _ in exc.recipients.values()})
        return (codes[0] if codes else None), f"recipients refused ({', '.join(map(str, codes))})"
    if isinstance(exc, smtplib.SMTPResponseException):
        text = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
        return exc.smtp_code, f"SMTP {exc.smtp_code}: {_one_line(text, 200)}"
    if isinstance(exc, ssl.SSLError):
        return None, f"TLS failed with the SMTP relay: {_one_line(str(exc), 200)}"
    return None, f"{type(exc).__name__} sending mail: {_one_line(str(exc), 200)}"
