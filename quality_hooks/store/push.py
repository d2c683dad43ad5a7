"""``quality-hooks push REPORT.json``: send a check report to a metrics store.

A store that is down or refuses the push is a warning, not a failed build,
unless ``--strict`` asks otherwise: quality history must never block a merge.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from quality_hooks.store.client import push_report
from quality_hooks.store.payload import RunContext, commit_time_of, context_from_env, payload_from_report

TOKEN_ENV = "QUALITY_HOOKS_STORE_TOKEN"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="quality-hooks push", description=__doc__.splitlines()[0].replace("``", ""))
    parser.add_argument("report", help="JSON report written by 'quality-hooks check --format json'")
    add_store_arguments(parser)
    parser.add_argument("--commit", help="commit id (default: from CI variables or git)")
    parser.add_argument("--branch", help="branch name")
    parser.add_argument("--pull-request", type=int, help="pull request number")
    parser.add_argument("--base-commit", help="the pull request's base commit")
    parser.add_argument("--run-id", help="CI run id; with the commit, makes retried pushes idempotent")
    parser.add_argument("--attempts", type=int, default=5, help="tries before giving up (default: 5)")
    parser.add_argument("--strict", action="store_true", help="exit 1 when the push fails instead of warning")
    return parser


def add_store_arguments(parser: argparse.ArgumentParser) -> None:
    """Where runs go: ``push`` and ``history backfill`` share these options and their environment variables."""
    parser.add_argument("--url", required=True, help="base URL of the store, e.g. https://quality.example.org")
    parser.add_argument("--token", help=f"project write token (default: ${TOKEN_ENV})")
    parser.add_argument("--project", help="OWNER/NAME (default: $GITHUB_REPOSITORY)")


def store_target(args: argparse.Namespace, prog: str) -> tuple[str, str] | None:
    """The token and project the options (or the environment) name; None, said on stderr, when one is missing."""
    token = args.token or os.environ.get(TOKEN_ENV)
    project = args.project or os.environ.get("GITHUB_REPOSITORY")
    if not token or not project:
        missing = "--token" if not token else "--project"
        print(f"{prog}: {missing} is required", file=sys.stderr)
        return None
    return token, project


def _context(args: argparse.Namespace) -> RunContext:
    found = context_from_env()
    return RunContext(
        commit=args.commit or found.commit,
        run_id=args.run_id or found.run_id,
        branch=args.branch or found.branch,
        pull_request=args.pull_request or found.pull_request,
        base_commit=args.base_commit or found.base_commit,
        default_branch=found.default_branch,
        commit_time=commit_time_of(args.commit, {}, None) if args.commit else found.commit_time,
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    target = store_target(args, "quality-hooks push")
    if target is None:
        return 2
    token, project = target
    try:
        report = json.loads(Path(args.report).read_text(encoding="utf-8"))
        if not isinstance(report, dict):
            raise ValueError("top level is not an object")
        context = _context(args)
        problems = context.problems()
        if problems:
            raise ValueError("; ".join(problems))
        payload = payload_from_report(report, context)
    except (OSError, ValueError) as exc:
        print(f"quality-hooks push: {args.report}: {exc}", file=sys.stderr)
        return 2
    result = push_report(args.url, token, project, payload, attempts=max(1, args.attempts))
    if result.ok:
        verb = "stored" if result.created else "already stored"
        print(f"quality-hooks push: run {verb} ({result.run_url or project})")
        return 0
    level = "error" if args.strict else "warning"
    print(
        f"quality-hooks push: {level}: run not stored after {result.attempts} attempt(s): {result.error}",
        file=sys.stderr,
    )
    return 1 if args.strict else 0
