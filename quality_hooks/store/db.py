"""A thin, portable database layer over sqlite3 and psycopg 3.

SQL is written once with ``?`` placeholders and standard syntax that both
SQLite (3.35+: RETURNING, ON CONFLICT) and PostgreSQL accept; only the
placeholder style and the primary-key DDL differ.

Durability: SQLite runs in WAL mode with ``synchronous=FULL``, so every commit
is fsynced before the API answers; a run that was acknowledged survives a
SIGKILL or a power cut.  Writers are serialised in-process (one SQLite writer
at a time anyway) and ``busy_timeout`` covers other processes.

Group commit (SQLite): a commit costs an fsync (milliseconds), and one writer at a time would
pay it once per push. :meth:`Database.write_async` queues the write; on the event loop, the
writes waiting at that moment run in one transaction, each inside its own savepoint (one that
fails is rolled back alone), and only the ``COMMIT`` (the fsync) goes to a thread of its own.
Each caller is answered after that commit: every acknowledged write is still fsynced before its
answer, and while one batch is being fsynced the next one gathers. The statements run on the
loop's thread rather than in a committer thread: a committer thread had to win the GIL back from
the loop after every statement, and under load each of those waits, and each wake-up of the
thread, held up every push of its group.
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")
#: The most writes one group commit takes; more wait for the next.
GROUP_LIMIT = 64

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
        #: Writes waiting for the next group commit (touched on the event loop's thread only).
        self._waiting: list[tuple[Callable[[Connection], Any], asyncio.Future[Any]]] = []
        self._committing: asyncio.Task[None] | None = None
        self._writer: Any = None  # the group commit's own connection, outside the pool
        self._fsync: ThreadPoolExecutor | None = None
        self._own_lock = threading.Lock()
        self._local = threading.local()
        self._own_connections: list[Any] = []
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

    async def write_async(self, work: Callable[[Connection], T]) -> T:
        """Run ``work`` in a write transaction; its result once that is durably committed.

        SQLite: grouped with the writes waiting at the same time (see the module docstring); ``work``
        runs on the event loop and sees the writes grouped before it. PostgreSQL: a transaction of
        its own, in a worker thread.
        """
        loop = asyncio.get_running_loop()
        if self.dialect != "sqlite":
            return await loop.run_in_executor(None, self._write_alone, work)
        done: asyncio.Future[T] = loop.create_future()
        self._waiting.append((work, done))
        if self._committing is None:
            self._committing = loop.create_task(self._commit_waiting())
        return await done

    def _write_alone(self, work: Callable[[Connection], T]) -> T:
        with self.transaction(write=True) as conn:
            return work(conn)

    async def _commit_waiting(self) -> None:
        try:
            while self._waiting:
                group = self._waiting[:GROUP_LIMIT]
                del self._waiting[:GROUP_LIMIT]
                await self._commit_group(group)
        finally:
            self._committing = None

    async def _commit_group(self, group: list[tuple[Callable[[Connection], Any], asyncio.Future[Any]]]) -> None:
        loop = asyncio.get_running_loop()
        if self._fsync is None:
            self._fsync = ThreadPoolExecutor(1, thread_name_prefix="qh-store-fsync")
        if not self._write_lock.acquire(blocking=False):  # another writer (a worker thread) is in: wait off the loop
            await loop.run_in_executor(self._fsync, self._write_lock.acquire)
        outcomes: list[tuple[asyncio.Future[Any], Any, BaseException | None]] = []
        try:
            if self._writer is None:
                self._writer = self._connect()
            raw = self._writer
            raw.execute("BEGIN IMMEDIATE")  # in-process writers hold the lock; WAL: another process's, briefly
            conn = Connection(raw, self.dialect)
            try:
                for work, done in group:
                    raw.execute("SAVEPOINT one_write")
                    try:
                        outcomes.append((done, work(conn), None))
                    except Exception as exc:  # this write only: the others in the group go on
                        raw.execute("ROLLBACK TO one_write")
                        outcomes.append((done, None, exc))
                    raw.execute("RELEASE one_write")
                await loop.run_in_executor(self._fsync, raw.execute, "COMMIT")  # the fsync, off the loop
            except Exception:  # (not on cancellation at shutdown: the COMMIT may still be running in its thread)
                with contextlib.suppress(Exception):
                    raw.execute("ROLLBACK")
                raise
        except Exception as exc:  # BEGIN, a savepoint or COMMIT failed: nothing of the group is stored
            for _, done in group:
                if not done.done():
                    done.set_exception(exc)
            return
        finally:
            self._write_lock.release()
        for done, result, error in outcomes:  # only now, after the commit's fsync
            if done.done():  # the caller went away (its request was cancelled); its write is stored all the same
                continue
            if error is None:
                done.set_result(result)
            else:
                done.set_exception(error)

    def read_here(self, work: Callable[[Connection], T]) -> T:
        """Run the reads of ``work`` on this thread's own SQLite connection, in autocommit (no BEGIN/COMMIT).

        For a few indexed reads on the event loop (the push's token check), where a hop to a worker
        thread and back costs more than the reads: the connection is outside the pool, so the loop
        never waits for a slot a worker holds, and WAL readers never wait for the writer.
        """
        if self.dialect != "sqlite":
            raise RuntimeError("read_here is for SQLite; PostgreSQL reads go through a worker thread")
        raw = getattr(self._local, "raw", None)
        if raw is None:
            raw = self._local.raw = self._connect()
            with self._own_lock:
                self._own_connections.append(raw)
        return work(Connection(raw, self.dialect))

    def statement(self, sql: str, *params: Any) -> list[Row]:
        """One statement on its own (autocommit: no BEGIN/COMMIT round trips); its rows, if any."""
        with self._borrow() as raw:
            return Connection(raw, self.dialect).all(sql, *params)

    def close(self) -> None:
        with self._own_lock:
            if self._fsync is not None:
                self._fsync.shutdown(wait=True)
                self._fsync = None
            for raw in [*self._own_connections, *([self._writer] if self._writer is not None else [])]:
                with contextlib.suppress(Exception):
                    raw.close()
            self._own_connections.clear()
            self._writer = None
            self._local = threading.local()
        while True:
            try:
                raw = self._pool.get_nowait()
            except queue.Empty:
                return
            with contextlib.suppress(Exception):
                raw.close()
