"""Push a run to the store: retries, backoff, no duplicates, no leaked token.

Safe to retry because the store is idempotent on ``(commit, run_id)``: a
retried push after a lost response returns the run already stored.
"""

from __future__ import annotations

import email.utils
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

import requests

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_WAIT = 30.0


@dataclass
class PushResult:
    """What happened; ``error`` is a one-line message safe to print (no token)."""

    ok: bool
    status: int | None = None
    created: bool = False
    run: dict[str, Any] = field(default_factory=dict)
    attempts: int = 0
    error: str | None = None

    @property
    def run_url(self) -> str | None:
        return self.run.get("url")


def safe_url(url: str) -> str:
    """The URL without credentials, for messages."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


def _project_path(project: str) -> str:
    owner, _, name = project.partition("/")
    if not owner or not name or "/" in name:
        raise ValueError(f"project {project!r} is not OWNER/NAME")
    return f"{quote(owner, safe='')}/{quote(name, safe='')}"


def runs_url(base_url: str, project: str) -> str:
    return f"{base_url.rstrip('/')}/api/v1/projects/{_project_path(project)}/runs"


def pull_page_url(base_url: str, project: str, number: int) -> str:
    """The store's page of a pull request (its latest run against its base), for the PR comment to link to."""
    return f"{base_url.rstrip('/')}/p/{_project_path(project)}/pulls/{int(number)}"


def retry_after(response: requests.Response) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (seconds or HTTP date)."""
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _error_message(response: requests.Response) -> str:
    try:
        body = response.json()
        message = body.get("error", {}).get("message") or str(body)[:200]
    except ValueError:
        message = response.text[:200]
    return f"HTTP {response.status_code}: {message}"


def _headers(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "User-Agent": "quality-hooks-push"}


def stored_commits(
    url: str,
    token: str,
    project: str,
    branch: str,
    *,
    wanted: set[str] | None = None,
    timeout: float = 15.0,
    session: requests.Session | None = None,
) -> set[str]:
    """The commits the store has a run of on ``branch`` (lower-case ids), newest pages first.

    Paging stops once every commit of ``wanted`` was seen. Raises ``ValueError`` with a one-line
    message (no token) when the store cannot be reached or refuses: a backfill must not guess.
    """
    target = runs_url(url, project)
    http = session or requests.Session()
    found: set[str] = set()
    cursor: int | None = None
    while True:
        params: dict[str, str | int] = {"branch": branch, "limit": 500}
        if cursor:
            params["cursor"] = cursor
        try:
            response = http.get(target, params=params, headers=_headers(token), timeout=timeout)
        except requests.RequestException as exc:
            raise ValueError(f"cannot reach {safe_url(target)}: {type(exc).__name__}") from None
        if response.status_code != 200:
            raise ValueError(f"{safe_url(target)}: {_error_message(response)}")
        body = response.json()
        found.update(str(run["commit"]).lower() for run in body["runs"])
        cursor = body.get("next_cursor")
        if not cursor or (wanted is not None and wanted <= found):
            return found


def push_report(
    url: str,
    token: str,
    project: str,
    payload: Mapping[str, Any],
    *,
    attempts: int = 5,
    backoff: float = 0.5,
    timeout: float = 15.0,
    session: requests.Session | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> PushResult:
    """POST one run payload; never raises for network or server trouble."""
    try:
        target = runs_url(url, project)
    except ValueError as exc:
        return PushResult(ok=False, error=str(exc))
    http = session or requests.Session()
    headers = _headers(token)
    result = PushResult(ok=False)
    for attempt in range(1, attempts + 1):
        result.attempts = attempt
        wait = min(MAX_WAIT, backoff * 2 ** (attempt - 1)) * (0.5 + random.random() / 2)
        try:
            response = http.post(target, json=payload, headers=headers, timeout=timeout)
        except requests.RequestException as exc:
            result.error = f"cannot reach {safe_url(target)}: {type(exc).__name__}"
        else:
            result.status = response.status_code
            if response.status_code in (200, 201):
                try:
                    body = response.json()
                except ValueError:
                    body = {}
                return PushResult(
                    ok=True,
                    status=response.status_code,
                    created=response.status_code == 201,
                    run=body,
                    attempts=attempt,
                )
            result.error = f"{safe_url(target)}: {_error_message(response)}"
            if response.status_code not in RETRY_STATUSES:
                return result
            wait = min(MAX_WAIT, retry_after(response) or wait)
        if attempt < attempts:
            sleep(wait)
    return result
