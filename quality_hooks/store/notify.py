"""Alert delivery from the outbox: generic JSON or Slack webhooks, or e-mail, with retries.

A background thread claims due notifications with a lease (so several store
instances on one PostgreSQL never send the same one twice at once), posts
them (or mails them, see :mod:`.email`), records every attempt, and reschedules failures with exponential
backoff (honouring ``Retry-After``) until ``max_attempts``.

A send may take longer than any fixed lease (a receiver that answers slowly, an SMTP relay that
takes its time at each step), so while it runs the lease is renewed on the database every third
of its length, and only the claim's random token can renew it or record a failure. Leases are
timed on the database's clock, so instances whose clocks differ agree on when one runs out. A
second instance can therefore take a notification over only when its sender is dead, or cut off
from the database for longer than a lease; that sender's late failure cannot move the row on.
What remains is the at-least-once case of any outbox (a sender that dies after sending but
before recording): each webhook carries ``X-Quality-Hooks-Delivery`` and each e-mail a
``Message-ID`` that stay the same on every attempt of one notification, so a receiver can drop
the duplicate.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import secrets
import smtplib
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import requests

from quality_hooks.store import email
from quality_hooks.store import repository as repo
from quality_hooks.store.client import retry_after, safe_url
from quality_hooks.store.db import Database, Row
from quality_hooks.store.egress import EgressRefused, check_url

log = logging.getLogger("quality_hooks.store")
#: Seconds a claim holds a notification between renewals: an SMTP exchange is several steps of up to the
#: send timeout (10 s) each, and a renewal may fail now and then; renewed every third of it while sending.
DEFAULT_LEASE = 90.0
LEVEL_EMOJI = {"critical": ":red_circle:", "warning": ":large_yellow_circle:", "ok": ":white_check_mark:"}


def slack_body(body: dict[str, Any], dashboard_url: str | None) -> dict[str, Any]:
    """The Slack incoming-webhook shape: a text fallback plus one section block."""
    alert = body["alert"]
    level = "ok" if alert["status"] == "resolved" else alert["level"]
    verb = body["event"].removeprefix("alert.")
    text = f"{LEVEL_EMOJI[level]} *{body['project']}* {verb}: {alert['message']}"
    if dashboard_url:
        text += f" (<{dashboard_url}|dashboard>)"
    return {"text": text, "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]}


class Notifier:
    """Delivers due notifications; ``wake()`` after enqueuing to skip the poll wait."""

    def __init__(
        self,
        db: Database,
        *,
        public_url: str | None = None,
        backoff: float = 5.0,
        max_attempts: int = 6,
        poll: float = 2.0,
        timeout: float = 10.0,
        allow_private: bool = False,
        smtp: email.SmtpSettings | None = None,
        lease: float = DEFAULT_LEASE,
    ) -> None:
        self.db = db
        self.smtp = smtp
        self.allow_private = allow_private
        self.public_url = public_url.rstrip("/") if public_url else None
        self.backoff = backoff
        self.max_attempts = max_attempts
        self.poll = min(poll, backoff)  # a retry is never left waiting for a long poll
        self.timeout = timeout
        self.lease = lease
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.session = requests.Session()
        #: Names this process in claims and in the delivery log (several instances share one database).
        self.instance = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="qh-store-notifier", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread:
            self._thread.join(timeout=self.timeout + 5)

    def wake(self) -> None:
        self._wake.set()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                busy = self.deliver_due()
            except Exception:  # the loop must survive a database hiccup
                log.exception("webhook delivery loop failed; retrying")
                busy = 0
            if not busy:
                self._wake.wait(self.poll)
                self._wake.clear()

    def _claim(self) -> tuple[Row, Row] | None:
        with self.db.transaction(write=True) as conn:
            claim = repo.claim_notification(conn, self.lease, self.instance)
            if claim is None:
                return None
            channel = repo.channel_by_id(conn, claim["channel_id"])
            project = repo.project_by_id(conn, claim["project_id"])
        if channel is None:
            self._finish(claim, status="failed", attempt_status=None, error="channel deleted", duration=0.0)
            return None
        return claim | {"project_path": f"{project['owner']}/{project['name']}" if project else ""}, channel

    def deliver_due(self) -> int:
        """Deliver every due notification once; returns how many were tried."""
        tried = 0
        while not self._stop.is_set() and (claim := self._claim()) is not None:
            self._send(*claim)
            tried += 1
        return tried

    def _dashboard(self, notification: Row) -> str | None:
        return f"{self.public_url}/p/{notification['project_path']}" if self.public_url else None

    def _post(
        self, body: dict[str, Any], notification: Row, channel: Row
    ) -> tuple[int | None, str | None, float | None]:
        """POST a webhook: (HTTP status, error or None, Retry-After seconds or None)."""
        if channel["kind"] == "slack":
            body = slack_body(body, self._dashboard(notification))
        try:
            check_url(channel["url"], allow_private=self.allow_private)  # again now: names can move (rebinding)
            response = self.session.post(
                channel["url"],
                json=body,
                headers={"X-Quality-Hooks-Delivery": delivery_id(notification)},
                timeout=self.timeout,
                allow_redirects=False,
            )
        except EgressRefused as exc:
            return None, f"not sent: {exc}", None
        except requests.RequestException as exc:
            return None, f"{type(exc).__name__} posting to {safe_url(channel['url'])}", None
        wait = retry_after(response) if response.status_code in (429, 503) else None
        return response.status_code, None if response.ok else f"HTTP {response.status_code}", wait

    def _mail(
        self, body: dict[str, Any], notification: Row, channel: Row
    ) -> tuple[int | None, str | None, float | None]:
        """Mail the alert through the relay: (SMTP reply code on failure, error or None, None)."""
        if self.smtp is None:
            return None, "not sent: the store has no SMTP relay (set QUALITY_HOOKS_SMTP_HOST)", None
        to = json.loads(channel["recipients"] or "[]")
        message = email.compose(body, to, self.smtp.sender, self._dashboard(notification), delivery_id(notification))
        try:
            email.send(self.smtp, message, self.timeout)
        except (smtplib.SMTPException, OSError) as exc:
            code, error = email.send_error(exc)
            return code, error, None
        return 250, None, None

    def _send(self, notification: Row, channel: Row) -> None:
        body = json.loads(notification["body"])
        started = time.monotonic()
        deliver = self._mail if channel["kind"] == "email" else self._post
        with kept_lease(self.db, notification, self.lease):  # however long the send takes, the claim holds
            status_code, error, wait = deliver(body, notification, channel)
        duration = (time.monotonic() - started) * 1000
        attempt = notification["attempts"] + 1
        if error is None:
            self._finish(notification, status="delivered", attempt_status=status_code, error=None, duration=duration)
        elif attempt >= self.max_attempts:
            self._finish(notification, status="failed", attempt_status=status_code, error=error, duration=duration)
        else:
            delay = min(3600.0, max(wait or 0.0, self.backoff * 2 ** (attempt - 1)))
            self._finish(
                notification,
                status="pending",
                attempt_status=status_code,
                error=error,
                duration=duration,
                retry_in=delay,
            )

    def _finish(
        self,
        notification: Row,
        *,
        status: str,
        attempt_status: int | None,
        error: str | None,
        duration: float,
        retry_in: float = 0.0,
    ) -> None:
        attempt = notification["attempts"] + 1
        with self.db.transaction(write=True) as conn:
            moved = repo.record_delivery(
                conn,
                notification,
                attempt,
                status=status,
                attempt_status=attempt_status,
                error=error,
                duration=duration,
                retry_in=retry_in,
            )
        if not moved:
            log.warning("notification %s: the claim was lost; attempt %s logged, the row left as it is",
                        notification["id"], attempt)  # fmt: skip


def delivery_id(notification: Row) -> str:
    """The same on every attempt at one notification (and unique in the store): a receiver's duplicate check."""
    return f"{notification['id']}-{int(notification['created_at'] * 1000)}"


@contextlib.contextmanager
def kept_lease(db: Database, claim: Row, lease: float) -> Iterator[None]:
    """Renew a claim's lease every third of its length while the ``with`` body (a send) runs.

    When a renewal finds the claim gone (it ran out, and another instance took the row), it stops
    and says so; the send in flight cannot be recalled, but its outcome will not move the row on.
    A renewal that fails (the database is unreachable) is retried at the next beat.
    """
    done = threading.Event()

    def beat() -> None:
        while not done.wait(lease / 3):
            try:
                with db.transaction(write=True) as conn:
                    held = repo.renew_lease(conn, claim, lease)
            except Exception:  # the database is away: try again at the next beat, the lease may still hold
                log.warning("notification %s: lease renewal failed", claim["id"], exc_info=True)
                continue
            if not held:
                log.warning("notification %s: lease lost while sending", claim["id"])
                return

    thread = threading.Thread(target=beat, name="qh-store-lease", daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join()


def delivery_view(row: Row, attempts: list[Row]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "alert_id": row["alert_id"],
        "channel_id": row["channel_id"],
        "event": row["event"],
        "status": row["status"],
        "attempts": [
            {k: a[k] for k in ("attempt", "status_code", "error", "duration_ms", "created_at", "instance")}
            for a in attempts
        ],
        "created_at": row["created_at"],
        "delivered_at": row["delivered_at"],
    }
