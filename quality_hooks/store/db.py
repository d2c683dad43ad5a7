"""A thin, portable database layer over sqlite3 and psycopg 3.

SQL is written once with ``?`` placeholders and standard syntax that both
SQLite (3.35+: RETURNING, ON CONFLICT) and PostgreSQL accept; only the
placeholder style and the primary-key DDL differ.

Durability: SQLite runs in WAL mode with ``synchronous=FULL``, so every commit
is fsynced before the API answers; a run that was acknowledged survives a
SIGKILL or a power cut.  Writers are serialised in-process (one SQLite writer
at a time anyway) and ``busy_timeout`` covers other processes.
"""

from __future__ import annotations

import contextlib
import queue
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

Row = dict[str, Any]


class IntegrityError(Exception):
    """A unique or foreign-key constraint refused a write."""


class Connection:
    """One connection inside one transaction; rows come back as dicts."""

    def __init__(self, raw: Any, dialect: str) -> None:
        self.raw = raw
        self.dialect = dialect

    def _sql(self, sql: str) -> str:
        return sql.replace("?", "%s") if self.dialect == "postgresql" else sql

    def _run(self, sql: str, params: Sequence[Any]) -> Any:
        try:
            return self.raw.execute(self._sql(sql), tuple(params))
        except sqlite3.IntegrityError as exc:
            raise IntegrityError(str(exc)) from exc
        except Exception as exc:
            if type(exc).__name__ in {"UniqueViolation", "ForeignKeyViolation", "IntegrityError"}:
                raise IntegrityError(str(exc)) from exc
            raise

    def all(self, sql: str, *params: Any) -> list[Row]:
        cursor = self._run(sql, params)
        if cursor.description is None:
            return []
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def one(self, sql: str, *params: Any) -> Row | None:
        rows = self.all(sql, *params)
        return rows[0] if rows else None

    def value(self, sql: str, *params: Any) -> Any:
        row = self.one(sql, *params)
        return next(iter(row.values())) if row else None

    def execute(self, sql: str, *params: Any) -> int:
        """Run a statement; returns the number of rows it changed."""
        return int(self._run(sql, params).rowcount)

    def insert(self, sql: str, *params: Any) -> int:
        """Run an ``INSERT`` and return the new row's ``id``."""
        return int(self.value(f"{sql} RETURNING id", *params))

    def many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if not rows:
            return
        cursor = self.raw.cursor()
        try:
            cursor.executemany(self._sql(sql), [tuple(r) for r in rows])
        except sqlite3.IntegrityError as exc:
            raise IntegrityError(str(exc)) from exc
        finally:
            cursor.close()


class Database:
    """A small connection pool with transactions; ``url`` is a path or postgresql://."""

    def __init__(self, url: str, pool_size: int = 8) -> None:
        self.url = url
        self.dialect = "postgresql" if url.startswith(("postgresql://", "postgres://")) else "sqlite"
        self._pool: queue.LifoQueue[Any] = queue.LifoQueue()
        self._slots = threading.BoundedSemaphore(pool_size)
        self._write_lock = threading.Lock()
        if self.dialect == "sqlite":
            path = url.removeprefix("sqlite:///").removeprefix("sqlite://")
            self.path = Path(path)
            self.path.parent.mkdir(parents=True, exist_ok=True)

    @property
    def pk(self) -> str:
        return "BIGSERIAL PRIMARY KEY" if self.dialect == "postgresql" else "INTEGER PRIMARY KEY AUTOINCREMENT"

    def _connect(self) -> Any:
        if self.dialect == "postgresql":
            import psycopg

            return psycopg.connect(self.url, autocommit=True, connect_timeout=10)
        raw = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
        raw.execute("PRAGMA journal_mode=WAL")
        raw.execute("PRAGMA synchronous=FULL")
        raw.execute("PRAGMA busy_timeout=30000")
        raw.execute("PRAGMA foreign_keys=ON")
        return raw

    @contextlib.contextmanager
    def _borrow(self) -> Iterator[Any]:
        with self._slots:
            try:
                raw = self._pool.get_nowait()
            except queue.Empty:
                raw = self._connect()
            healthy = True
            try:
                yield raw
            except BaseException:
                healthy = self._still_usable(raw)
                raise
            finally:
                if healthy:
                    self._pool.put(raw)
                else:
                    with contextlib.suppress(Exception):
                        raw.close()

    def _still_usable(self, raw: Any) -> bool:
        if self.dialect == "sqlite":
            return True
        return not raw.closed and raw.info.transaction_status == 0  # IDLE

    @contextlib.contextmanager
    def transaction(self, write: bool = False) -> Iterator[Connection]:
        """A transaction; ``write`` takes the write lock up front (no upgrade deadlocks)."""
        lock = self._write_lock if write and self.dialect == "sqlite" else contextlib.nullcontext()
        with lock, self._borrow() as raw:
            if self.dialect == "sqlite":
                raw.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            else:
                raw.execute("BEGIN")
            try:
                yield Connection(raw, self.dialect)
            except BaseException:
                with contextlib.suppress(Exception):
                    raw.execute("ROLLBACK")
                raise
            raw.execute("COMMIT")

    def close(self) -> None:
        while True:
            try:
                raw = self._pool.get_nowait()
            except queue.Empty:
                return
            with contextlib.suppress(Exception):
                raw.close()
