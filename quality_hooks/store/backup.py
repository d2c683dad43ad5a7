"""``store backup FILE`` and ``store restore FILE``: a consistent copy of a live store, and putting one back.

SQLite goes through the online backup API (``sqlite3.Connection.backup``): one step under a
read transaction, so the copy is the database as of one commit, taken while the server keeps
accepting pushes (WAL readers do not block writers); every run acknowledged before the backup
started is in it. The copy is a single self-contained file (rollback journal, no ``-wal``),
checked with ``PRAGMA integrity_check``.

PostgreSQL goes through ``pg_dump``/``pg_restore`` (custom format; the lines are in
store/README.md); the password travels in ``PGPASSWORD``, never on the command line.
"""

from __future__ import annotations

import glob
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from quality_hooks.store.client import safe_url
from quality_hooks.store.db import Database
from quality_hooks.store.migrations import MIGRATIONS


class BackupError(Exception):
    """The backup or restore could not be made; the message says why and what to do."""


def _sqlite_path(database: str) -> Path:
    return Database(database, pool_size=1).path


def _summary(conn: sqlite3.Connection) -> tuple[int, int]:
    """(schema version, runs) of a store database; BackupError when it is not one or is damaged."""
    verdict = conn.execute("PRAGMA integrity_check").fetchone()[0]
    if verdict != "ok":
        raise BackupError(f"integrity check failed: {verdict}")
    try:
        version = conn.execute("SELECT MAX(version) FROM schema_migrations").fetchone()[0] or 0
        runs = conn.execute("SELECT COUNT(*) FROM runs").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"not a quality-hooks store database ({exc})") from None
    return int(version), int(runs)


def backup_sqlite(database: str, target: Path) -> str:
    source_path = _sqlite_path(database)
    if not source_path.is_file():
        raise BackupError(f"{source_path}: no such store database")
    partial = target.with_name(f".{target.name}.partial")
    partial.unlink(missing_ok=True)
    source = sqlite3.connect(source_path, timeout=30)
    copy = sqlite3.connect(partial)
    try:
        source.backup(copy)  # pages=-1: the whole database in one step, one consistent snapshot
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        version, runs = _summary(copy)
    finally:
        copy.close()
        source.close()
    with partial.open("rb") as handle:
        os.fsync(handle.fileno())
    os.replace(partial, target)
    return f"backed up {source_path} to {target}: schema version {version}, {runs} runs"


def restore_sqlite(database: str, backup_file: Path) -> str:
    target_path = _sqlite_path(database)
    source = sqlite3.connect(f"file:{backup_file}?mode=ro", uri=True)
    try:
        version, runs = _summary(source)
        if version > MIGRATIONS[-1][0]:
            raise BackupError(f"{backup_file} has schema version {version}, newer than this quality-hooks knows")
        target = sqlite3.connect(target_path, timeout=30)
        try:
            source.backup(target)  # the target is locked for the copy; readers then see the restored state
            target.execute("PRAGMA journal_mode=WAL")
            _summary(target)
        finally:
            target.close()
    finally:
        source.close()
    return f"restored {backup_file} into {target_path}: schema version {version}, {runs} runs"


def holds_runs(database: str) -> bool:
    """Whether ``database`` already has a store with runs in it (a restore would replace them)."""
    if not database.startswith(("postgresql://", "postgres://")) and not _sqlite_path(database).exists():
        return False
    db = Database(database, pool_size=1)
    try:
        with db.transaction() as conn:
            return bool(conn.value("SELECT COUNT(*) AS n FROM runs"))
    except Exception:  # no runs table: not a store yet
        return False
    finally:
        db.close()


def _pg_tool(name: str) -> str:
    found = shutil.which(name) or next(iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)), None)
    if not found:
        raise BackupError(
            f"{name} not found (install PostgreSQL's client tools, e.g. apt-get install postgresql-client)"
        )
    return found


def pg_command(tool: str, url: str, file: Path) -> tuple[list[str], dict[str, str]]:
    """The documented ``pg_dump``/``pg_restore`` line for ``url``, and the environment carrying its password."""
    parts = urlsplit(url)
    env = dict(os.environ)
    if parts.password is not None:
        env["PGPASSWORD"] = parts.password
        host = parts.hostname or ""
        netloc = f"{parts.username}@{host}" if parts.username else host
        netloc += f":{parts.port}" if parts.port else ""
        url = urlunsplit(parts._replace(netloc=netloc))
    if tool == "pg_dump":
        return [_pg_tool(tool), "--format=custom", "--no-owner", f"--file={file}", f"--dbname={url}"], env
    restore = [_pg_tool(tool), "--clean", "--if-exists", "--no-owner", "--single-transaction", f"--dbname={url}"]
    return [*restore, str(file)], env


def _run_pg(tool: str, url: str, file: Path) -> None:
    command, env = pg_command(tool, url, file)
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        shown = " ".join(safe_url(part) if "://" in part else part for part in command)
        raise BackupError(f"{shown} failed: {done.stderr.strip()[-500:]}")


def backup(database: str, target: Path) -> str:
    """Back ``database`` up to ``target``; returns the line to print."""
    if Database(database, pool_size=1).dialect == "postgresql":
        _run_pg("pg_dump", database, target)
        return f"backed up {safe_url(database)} to {target} (pg_dump, custom format)"
    return backup_sqlite(database, target)


def restore(database: str, backup_file: Path, *, force: bool = False) -> str:
    """Put ``backup_file`` back into ``database``; returns the line to print."""
    if not backup_file.is_file():
        raise BackupError(f"{backup_file}: no such backup file")
    if not force and holds_runs(database):
        raise BackupError("the target database already holds runs; pass --force to replace them")
    if Database(database, pool_size=1).dialect == "postgresql":
        _run_pg("pg_restore", database, backup_file)
        return f"restored {backup_file} into {safe_url(database)} (pg_restore)"
    return restore_sqlite(database, backup_file)
