"""``fix: push``: commit the safe fixes of a pull request's changed lines and push them to its branch.

Off by default. Only for a pull request whose head branch lives in this
repository (never a fork's), only while the branch is still at the head that
was analysed (the push carries ``--force-with-lease`` on that commit, so a
branch that moved meanwhile is never overwritten), and never on ``push``
events. The fixes are the suggestions' hunks: the auto-fixer's safe fixes cut
to the lines the change added or modified. After a push the Action stops: the
new head gets its own run (with a token that triggers workflows; see README).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from quality_hooks import git
from quality_hooks.github.bundle import Suggestion

COMMIT_MESSAGE = "quality-hooks: apply safe fixes"
BOT_NAME = "github-actions[bot]"
BOT_EMAIL = "41898282+github-actions[bot]@users.noreply.github.com"


@dataclass
class PushRequest:
    """What the Action knows about the pull request when it is asked to push."""

    root: str
    head_sha: str
    head_ref: str
    head_repo: str
    repository: str
    api_head_sha: str  # the pull request's head as GitHub reports it now


def refusal(request: PushRequest) -> str | None:
    """Why not to push, or None."""
    if not request.head_ref:
        return "the pull request's head branch is unknown"
    if request.head_repo != request.repository:
        return f"the head branch lives in the fork {request.head_repo or '(deleted)'}; the Action never pushes there"
    if request.api_head_sha != request.head_sha:
        return f"the branch moved on to {request.api_head_sha[:12]} after {request.head_sha[:12]} was analysed"
    if (git.head_commit(request.root) or "") != request.head_sha:
        return "the checked-out commit is not the pull request's head"
    return None


def apply_suggestions(root: str, suggestions: Sequence[Suggestion]) -> list[str]:
    """Write each suggestion's replacement into the working tree, bottom-up per file; the paths changed."""
    by_path: dict[str, list[Suggestion]] = {}
    for suggestion in suggestions:
        by_path.setdefault(suggestion.path, []).append(suggestion)
    changed = []
    for path, items in sorted(by_path.items()):
        full = f"{root}/{path}"
        with open(full, encoding="utf-8", newline="") as handle:
            lines = handle.read().splitlines(keepends=True)
        ending = "\r\n" if lines and lines[0].endswith("\r\n") else "\n"
        for item in sorted(items, key=lambda s: -s.start_line):
            lines[item.start_line - 1 : item.line] = [text + ending for text in item.replacement]
        with open(full, "w", encoding="utf-8", newline="") as handle:
            handle.write("".join(lines))
        changed.append(path)
    return changed


def commit_and_push(request: PushRequest, suggestions: Sequence[Suggestion]) -> str:
    """Commit the fixes as the bot and push them; a one-line account of what happened. GitError on failure."""
    paths = apply_suggestions(request.root, suggestions)
    try:
        git.git(["add", "--", *paths], request.root)
        identity = ["-c", f"user.name={BOT_NAME}", "-c", f"user.email={BOT_EMAIL}"]
        git.git([*identity, "commit", "-q", "--no-verify", "-m", COMMIT_MESSAGE], request.root)
        commit = git.head_commit(request.root) or ""
        branch = f"refs/heads/{request.head_ref}"
        lease = f"--force-with-lease={branch}:{request.head_sha}"  # refused if the branch moved meanwhile
        git.git(["push", "--quiet", lease, "origin", f"HEAD:{branch}"], request.root, timeout=120)
    except git.GitError:
        git.git(["reset", "-q", "--hard", request.head_sha], request.root)  # back to the analysed head
        raise
    what = f"{len(suggestions)} fix(es) in {len(paths)} file(s)"
    return f"pushed {commit[:12]} ({COMMIT_MESSAGE}: {what}) to {request.head_ref}"
