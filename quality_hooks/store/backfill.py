"""The store's history from git, like wily's build: check past commits and push each run at its commit time.

Why: a project that starts pushing today has no past, yet its first-parent
history holds it. Each chosen commit is checked in a worktree of its own, so
the user's work tree, index and HEAD are never touched, through the same
pipeline as ``check`` and with the analysis cache: the worktree sits at one
place per repository, so a file unchanged since the previous commit (or the
previous backfill) is a cache hit. Each run is pushed with the commit's time
and the run id ``backfill``; the store keeps one run per (commit, run id),
and commits it already has on the branch are skipped before any checking, so
a re-run, after an interruption too, goes on where the last one stopped.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from quality_hooks.cache import Cache, digest
from quality_hooks.git import GitError, git, repo_relative
from quality_hooks.store.client import push_report, stored_commits
from quality_hooks.store.payload import RunContext, build_run_payload

#: Every backfilled run has this run id: with the commit it is the store's idempotency key.
RUN_ID = "backfill"
#: The user's hooks (post-checkout and the like) must not run for our private worktree.
NO_HOOKS = ("-c", f"core.hooksPath={os.devnull}")


@dataclass(frozen=True)
class Commit:
    sha: str
    #: Committer time, Unix seconds.
    time: int


@dataclass(frozen=True)
class Target:
    """Where the runs go: the store, the project's write token and the branch they are runs of."""

    url: str
    token: str
    project: str
    branch: str
    default_branch: str | None = None
    attempts: int = 5


@dataclass
class Outcome:
    chosen: int = 0
    already: int = 0
    stored: list[str] = field(default_factory=list)
    error: str | None = None


def first_parent_commits(root: str, *, since: str | None = None, max_commits: int | None = None,
                         every: int = 1) -> list[Commit]:  # fmt: skip
    """HEAD's first-parent commits (since ``since``), every ``every``-th from HEAD on, the newest
    ``max_commits`` of those; oldest first, the order the store should receive them in."""
    args = ["log", "--first-parent", "--format=%H %ct"]
    if since:
        args.append(f"--since={since}")
    lines = git([*args, "HEAD", "--"], root).decode().split("\n")
    commits = [Commit(sha, int(stamp)) for sha, stamp in (line.split() for line in lines if line.strip())]
    picked = commits[:: max(1, every)]
    if max_commits is not None:
        picked = picked[: max(0, max_commits)]
    return picked[::-1]


def worktree_place(root: str, cache: Cache) -> str:
    """One place per repository under the cache directory (analysis keys name absolute paths), else a temp dir."""
    if cache.directory is None:
        return os.path.join(tempfile.mkdtemp(prefix="quality-hooks-backfill-"), "tree")
    return os.path.join(cache.directory, "backfill", digest(os.path.realpath(root))[:16])


@contextlib.contextmanager
def private_worktree(root: str, place: str) -> Iterator[str]:
    """A detached worktree of ``root`` at ``place`` (a stale one left by a killed run is replaced), removed after."""

    def remove() -> None:
        with contextlib.suppress(GitError):
            git([*NO_HOOKS, "worktree", "remove", "--force", "--force", place], root)
        shutil.rmtree(place, ignore_errors=True)

    remove()
    os.makedirs(os.path.dirname(place), exist_ok=True)
    git([*NO_HOOKS, "worktree", "add", "--force", "--detach", "--no-checkout", "--quiet", place, "HEAD"], root)
    try:
        yield place
    finally:
        remove()


@contextlib.contextmanager
def _inside(directory: str) -> Iterator[None]:
    before = os.getcwd()
    os.chdir(directory)
    try:
        yield
    finally:
        os.chdir(before)


def check_commit(place: str, commit: str, cache: Cache, *, use_model: bool) -> list[dict[str, Any]]:
    """The file results of ``check .`` at ``commit`` in the worktree, paths relative to its root."""
    from quality_hooks.config import ConfigFinder
    from quality_hooks.pipeline import run_check

    git([*NO_HOOKS, "checkout", "--detach", "--force", "--quiet", commit], place)
    git(["clean", "-ffdqx"], place)  # nothing of the previous commit's stays behind
    with _inside(place):
        run = run_check(["."], ConfigFinder(None, start="."), use_model=use_model, cache=cache)
        return [result.to_dict() | {"path": repo_relative(result.path, ".")} for result in run.results]


def backfill(
    root: str,
    commits: list[Commit],
    target: Target,
    cache: Cache,
    *,
    use_model: bool = True,
    on_commit: Callable[[Commit, str], None] = lambda commit, state: None,
) -> Outcome:
    """Check and push each commit the store does not have yet on the branch, oldest first; stop at a failed push.

    ``on_commit`` hears ``(commit, "already stored")`` for each commit skipped, then
    ``(commit, "checking")`` before each check and ``(commit, "stored")`` (or "already
    stored") after its push: what the progress bar shows.
    """
    outcome = Outcome(chosen=len(commits))
    wanted = {c.sha for c in commits}
    try:
        have = stored_commits(target.url, target.token, target.project, target.branch, wanted=wanted)
    except ValueError as exc:
        outcome.error = f"cannot ask the store which commits it has: {exc}"
        return outcome
    todo = [c for c in commits if c.sha not in have]
    outcome.already = len(commits) - len(todo)
    for commit in commits:
        if commit.sha in have:
            on_commit(commit, "already stored")
    if not todo:
        return outcome
    with private_worktree(root, worktree_place(root, cache)) as place:
        for commit in todo:
            on_commit(commit, "checking")
            context = RunContext(
                commit=commit.sha,
                run_id=RUN_ID,
                branch=target.branch,
                default_branch=target.default_branch,
                commit_time=commit.time,
            )
            payload = build_run_payload(check_commit(place, commit.sha, cache, use_model=use_model), context)
            result = push_report(target.url, target.token, target.project, payload, attempts=target.attempts)
            if not result.ok:
                outcome.error = f"{commit.sha[:12]}: run not stored after {result.attempts} attempt(s): {result.error}"
                break
            outcome.stored.append(commit.sha)
            on_commit(commit, "stored" if result.created else "already stored")
    cache.prune_if_due()
    return outcome
