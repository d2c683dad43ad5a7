"""``quality-hooks store``: serve the store and administer projects and tokens."""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Sequence

DEFAULT_DB = os.environ.get("QUALITY_STORE_DATABASE", "quality-store.sqlite3")
PROJECT = re.compile(r"^([A-Za-z0-9_.-]{1,100})/([A-Za-z0-9_.-]{1,100})$")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="quality-hooks store", description=__doc__.splitlines()[0].replace("``", ""))
    sub = parser.add_subparsers(dest="command", required=True)
    database = argparse.ArgumentParser(add_help=False)
    database.add_argument(
        "--database",
        default=DEFAULT_DB,
        help="SQLite file path or postgresql://... URL (default: $QUALITY_STORE_DATABASE or ./quality-store.sqlite3)",
    )

    serve = sub.add_parser("serve", parents=[database], help="run the HTTP server")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1, help="uvicorn worker processes (PostgreSQL: any; SQLite: 1)")
    serve.add_argument("--public-url", help="URL the store is reached at (links in webhooks)")
    serve.add_argument("--max-body", type=int, default=8 * 1024 * 1024, help="largest request body in bytes")
    serve.add_argument("--rate", type=float, default=20.0, help="requests per second per token (0: no limit)")
    serve.add_argument("--burst", type=int, default=200, help="requests a token may send at once")
    serve.add_argument("--webhook-backoff", type=float, default=5.0, help="first webhook retry delay in seconds")
    serve.add_argument("--webhook-attempts", type=int, default=6, help="webhook tries before giving up")
    serve.add_argument(
        "--delivery-lease",
        type=_lease_seconds,
        default=90.0,
        help="seconds an instance's claim on a delivery lasts, renewed every third of it while sending (default: 90)",
    )
    serve.add_argument(
        "--allow-private-webhooks",
        action="store_true",
        help="let webhooks reach loopback, private and link-local addresses (refused by default)",
    )
    serve.add_argument("--log-level", default="info")

    add = sub.add_parser("add-project", parents=[database], help="create a project and print its write token")
    add.add_argument("project", help="OWNER/NAME")
    add.add_argument("--private", action="store_true", help="reading needs a read token")
    add.add_argument(
        "--default-branch",
        help="the branch whose runs are the history (default: the first push that names one, else main)",
    )

    token = sub.add_parser("add-token", parents=[database], help="print a new token for an existing project")
    token.add_argument("project", help="OWNER/NAME")
    token.add_argument("--kind", choices=("write", "read"), default="read")
    token.add_argument("--label", default="")

    revoke = sub.add_parser("revoke-tokens", parents=[database], help="revoke every token of a project")
    revoke.add_argument("project", help="OWNER/NAME")

    sub.add_parser("migrate", parents=[database], help="apply schema migrations and exit")

    saved = sub.add_parser(
        "backup",
        parents=[database],
        help="copy the store to FILE while it runs (SQLite: online backup API; PostgreSQL: pg_dump)",
    )
    saved.add_argument("file", help="the backup to write")
    put_back = sub.add_parser(
        "restore", parents=[database], help="put a backup back (stop the server first; SQLite or pg_restore)"
    )
    put_back.add_argument("file", help="a file written by store backup")
    put_back.add_argument("--force", action="store_true", help="replace a database that already holds runs")
    return parser


def _backup_or_restore(args: argparse.Namespace) -> int:
    from pathlib import Path

    from quality_hooks.store import backup

    try:
        if args.command == "backup":
            print(backup.backup(args.database, Path(args.file)))
        else:
            print(backup.restore(args.database, Path(args.file), force=args.force))
    except backup.BackupError as exc:
        print(f"quality-hooks store {args.command}: {exc}", file=sys.stderr)
        return 1
    return 0


def _project(text: str) -> tuple[str, str]:
    match = PROJECT.match(text)
    if not match:
        raise ValueError(f"project {text!r} is not OWNER/NAME (letters, digits, '_', '.', '-')")
    return match.group(1), match.group(2)


def _admin(args: argparse.Namespace) -> int:
    from quality_hooks.store import repository as repo
    from quality_hooks.store.db import Database
    from quality_hooks.store.migrations import migrate

    db = Database(args.database, pool_size=1)
    try:
        applied = migrate(db)
        if args.command == "migrate":
            print(f"applied migrations: {applied or 'none (up to date)'}")
            return 0
        owner, name = _project(args.project)
        with db.transaction(write=True) as conn:
            if args.command == "add-project":
                if repo.find_project(conn, owner, name):
                    raise ValueError(f"project {owner}/{name} exists; use add-token for another token")
                project = repo.create_project(
                    conn, owner, name, private=args.private, default_branch=args.default_branch
                )
                token = repo.issue_token(conn, project["id"], "write", "created with the project")
            else:
                found = repo.find_project(conn, owner, name)
                if found is None:
                    raise ValueError(f"no project {owner}/{name}")
                if args.command == "revoke-tokens":
                    count = repo.revoke_tokens(conn, found["id"])
                    print(f"revoked {count} token(s) of {owner}/{name}")
                    return 0
                token = repo.issue_token(conn, found["id"], args.kind, args.label)
    finally:
        db.close()
    kind = "write" if args.command == "add-project" else args.kind
    print(f"{kind} token for {owner}/{name} (shown once, store it as a secret):", file=sys.stderr)
    print(token)
    return 0


def _lease_seconds(text: str) -> float:
    """A delivery lease: at least a second (it is renewed every third of it), at most a day."""
    try:
        seconds = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not 1 <= seconds <= 86400:
        raise argparse.ArgumentTypeError("the lease must be between 1 and 86400 seconds")
    return seconds


def serve(args: argparse.Namespace) -> int:
    import uvicorn

    from quality_hooks.store.app import Settings, create_app

    settings = Settings(
        database=args.database,
        max_body=args.max_body,
        rate_per_second=args.rate,
        rate_burst=args.burst,
        public_url=args.public_url,
        webhook_backoff=args.webhook_backoff,
        webhook_attempts=args.webhook_attempts,
        allow_private_webhooks=args.allow_private_webhooks,
        delivery_lease=args.delivery_lease,
    )
    if args.workers > 1 and not args.database.startswith(("postgresql://", "postgres://")):
        print("quality-hooks store: --workers > 1 needs PostgreSQL; SQLite serves one process", file=sys.stderr)
        return 2
    if args.workers > 1:
        os.environ["QUALITY_STORE_SETTINGS"] = repr(settings.__dict__)
        uvicorn.run(
            "quality_hooks.store.app:app_from_env",
            factory=True,
            host=args.host,
            port=args.port,
            workers=args.workers,
            log_level=args.log_level,
            proxy_headers=True,
        )
    else:
        uvicorn.run(
            create_app(settings),
            host=args.host,
            port=args.port,
            log_level=args.log_level,
            proxy_headers=True,
            timeout_graceful_shutdown=10,
        )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "serve":
        return serve(args)
    try:
        if args.command in ("backup", "restore"):
            return _backup_or_restore(args)
        return _admin(args)
    except ValueError as exc:
        print(f"quality-hooks store {args.command}: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:  # database unreachable, bad URL...: one line, no traceback
        from quality_hooks.store.client import safe_url

        where = safe_url(args.database) if "://" in args.database else args.database
        first_line = (str(exc).splitlines() or [""])[0]
        print(f"quality-hooks store {args.command}: {where}: {type(exc).__name__}: {first_line}", file=sys.stderr)
        return 1
