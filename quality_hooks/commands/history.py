"""``quality-hooks history backfill``: fill a metrics store with the runs of past commits.

It walks the first-parent history of the current branch, checks each chosen
commit in a private worktree (with the analysis cache) and pushes each run at
its commit time; commits the store already has are skipped, so a re-run
resumes. See :mod:`quality_hooks.store.backfill`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from quality_hooks.commands.common import add_cache_arguments, open_cache, run_guarded

PROG = "quality-hooks history backfill"


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text} is not a positive number")
    return value


def build_parser() -> argparse.ArgumentParser:
    from quality_hooks.store.push import add_store_arguments

    parser = argparse.ArgumentParser(prog="quality-hooks history", description="A project's history in the store.")
    commands = parser.add_subparsers(dest="command", required=True)
    backfill = commands.add_parser(
        "backfill", prog=PROG, description="Check past commits of the current branch and push a run for each."
    )
    add_store_arguments(backfill)
    backfill.add_argument("--since", metavar="DATE", help="only commits after DATE (any date git log --since takes)")
    backfill.add_argument("--max-commits", type=_positive, metavar="N", help="at most the newest N chosen commits")
    backfill.add_argument("--every", type=_positive, default=1, metavar="K", help="every K-th commit from HEAD back")
    backfill.add_argument("--branch", help="the branch the runs belong to (default: the current branch)")
    backfill.add_argument("--no-model", action="store_true", help="skip the quality model score")
    backfill.add_argument("--attempts", type=_positive, default=5, help="tries per push (default: 5)")
    add_cache_arguments(backfill)
    return parser


def run_backfill(args: argparse.Namespace) -> int:
    from quality_hooks import git
    from quality_hooks.progress import Progress
    from quality_hooks.store.backfill import Commit, Target, backfill, first_parent_commits
    from quality_hooks.store.payload import default_branch_of
    from quality_hooks.store.push import store_target

    found = store_target(args, PROG)
    if found is None:
        return 2
    root = git.repo_root(".")
    branch = args.branch or git.git(["rev-parse", "--abbrev-ref", "HEAD"], root).decode().strip()
    if branch == "HEAD":
        print(f"{PROG}: HEAD is detached: name the branch with --branch", file=sys.stderr)
        return 2
    commits = first_parent_commits(root, since=args.since, max_commits=args.max_commits, every=args.every)
    target = Target(args.url, *found, branch, default_branch_of({}, root) or branch, args.attempts)
    progress = Progress(len(commits), "backfill")

    def show(commit: Commit, state: str) -> None:
        if state == "checking":
            progress.step(commit.sha[:10])
        else:
            progress.advance(f"{commit.sha[:10]} {state}")

    try:
        outcome = backfill(root, commits, target, open_cache(args), use_model=not args.no_model, on_commit=show)
    finally:
        progress.close()
    print(
        f"{PROG}: {outcome.chosen} commit(s) of {branch}: {len(outcome.stored)} pushed, "
        f"{outcome.already} already in the store"
    )
    if outcome.error:
        print(f"{PROG}: error: {outcome.error}; run it again to resume", file=sys.stderr)
        return 1
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return run_guarded(PROG, lambda: run_backfill(args))
