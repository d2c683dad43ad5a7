"""Retries for GitHub calls: back off on 5xx, wait out rate limits, never guess on writes.

PyGithub's own retry is switched off so that every wait is visible and capped
here: GitHub asks clients to honour ``Retry-After`` and ``x-ratelimit-reset``
on secondary rate limits (403 or 429) and to back off exponentially on 5xx.
Writes are not blindly repeated: the caller passes ``recheck``, which looks
for the effect of an ambiguous attempt before the write is sent again.
"""

from __future__ import annotations

import os
import random
import sys
import time
from collections.abc import Callable
from typing import TypeVar

import requests
from github import GithubException

T = TypeVar("T")

#: Upper bound for a single wait, in seconds; tests set it low.
MAX_SLEEP_ENV = "QUALITY_HOOKS_GITHUB_MAX_SLEEP"
DEFAULT_MAX_SLEEP = 120.0
ATTEMPTS = 5


class PermissionDenied(Exception):
    """The token may not do this (a fork's read-only token, missing ``permissions:``)."""


class GiveUp(Exception):
    """The call failed for good; ``str()`` says why in one line."""


def max_sleep() -> float:
    try:
        return max(0.0, float(os.environ.get(MAX_SLEEP_ENV, DEFAULT_MAX_SLEEP)))
    except ValueError:
        return DEFAULT_MAX_SLEEP


def _header(exc: GithubException, name: str) -> str | None:
    for key, value in (exc.headers or {}).items():
        if key.lower() == name:
            return str(value)
    return None


def _message(exc: GithubException) -> str:
    data = exc.data if isinstance(exc.data, dict) else {}
    return str(data.get("message") or exc.data or "")[:300]


def rate_limit_wait(exc: GithubException, now: float | None = None) -> float | None:
    """Seconds to wait if ``exc`` is a primary or secondary rate limit, else None."""
    if exc.status not in (403, 429):
        return None
    retry_after = _header(exc, "retry-after")
    if retry_after is not None:
        try:
            return max(0.0, float(retry_after))
        except ValueError:
            return 60.0
    if _header(exc, "x-ratelimit-remaining") == "0":
        reset = _header(exc, "x-ratelimit-reset")
        try:
            return max(0.0, float(reset or 0) - (now if now is not None else time.time())) + 1.0
        except ValueError:
            return 60.0
    if exc.status == 429 or "rate limit" in _message(exc).lower():
        return 60.0  # GitHub: wait at least a minute when no header says otherwise
    return None


def describe(exc: BaseException) -> str:
    if isinstance(exc, GithubException):
        return f"HTTP {exc.status}: {_message(exc)}"
    return f"{type(exc).__name__}: {str(exc)[:300]}"


def call(
    what: str,
    action: Callable[[], T],
    *,
    recheck: Callable[[], T | None] | None = None,
    attempts: int = ATTEMPTS,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Run ``action`` with retries; raise PermissionDenied for 403s that are not rate limits, else GiveUp.

    After an attempt whose outcome is unknown (5xx, connection dropped), ``recheck``
    runs first: if it finds the write already happened, its result is returned
    instead of writing a second time.
    """
    delay = 1.0
    last = ""
    for attempt in range(1, attempts + 1):
        try:
            return action()
        except GithubException as exc:
            last, wait, ambiguous = _retryable(what, exc, delay)
        except (requests.ConnectionError, requests.Timeout) as exc:
            last, wait, ambiguous = describe(exc), delay, True
        if ambiguous:
            delay *= 2
        if attempt == attempts:
            break
        wait = min(wait, max_sleep())
        print(f"quality-hooks: {what}: {last}; retrying in {wait:.1f}s ({attempt}/{attempts - 1})", file=sys.stderr)
        sleep(wait)
        if ambiguous and recheck is not None:
            found = call(f"{what} (check before retrying)", recheck, attempts=attempts, sleep=sleep)
            if found is not None:
                return found
    raise GiveUp(f"{what}: gave up after {attempts} attempts: {last}")


def _retryable(what: str, exc: GithubException, delay: float) -> tuple[str, float, bool]:
    """(description, seconds to wait, whether the write may have happened) for an error worth retrying.

    A rate limit waits as GitHub asks and was not applied; a 5xx backs off with
    jitter and may have been applied. Anything else is final and raises.
    """
    last = describe(exc)
    wait = rate_limit_wait(exc)
    if wait is not None:
        return last, wait, False
    if exc.status in (401, 403):
        raise PermissionDenied(f"{what}: {last}") from None
    if exc.status < 500:
        raise GiveUp(f"{what}: {last}") from None
    return last, delay * (1 + random.random() / 4), True
