"""Tokens: random, shown once, stored only as SHA-256 hashes.

A plain hash is enough (no slow KDF) because tokens carry 256 bits of
randomness: nothing to brute-force, and a lookup by hash stays one index hit.
"""

from __future__ import annotations

import hashlib
import secrets

KINDS = ("write", "read")


def new_token(kind: str) -> str:
    if kind not in KINDS:
        raise ValueError(f"token kind must be one of {KINDS}")
    return f"qh{kind[0]}_{secrets.token_urlsafe(32)}"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()
