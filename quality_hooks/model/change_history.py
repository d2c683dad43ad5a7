"""A repository's change history as of a parent commit, for scoring: built once, cached per parent.

Scoring a change needs what mining measured for each training row: the
history of the changed files and of the author *as of the change's parent*
(the hook: HEAD; CI: the merge base), and the latest rows of the
repository's history to rank the change against. Both come from one replay
of the parent's ``git log`` through the same code mining uses
(:func:`quality_hooks.model.features.replay_changes`), then a small JSON
snapshot is written under ``<git dir>/quality-hooks/``, keyed by the parent
commit; later runs on the same parent read it (a few milliseconds).

Shallow clones and directories outside git have no history: ``None``.
"""

from __future__ import annotations

import contextlib
import json
import os

from quality_hooks.git import GitError, git
from quality_hooks.model.features import RankReference, replay_changes
from quality_hooks.model.history import HistorySnapshot, HistoryState, parse_log, replay_log_args

CACHE_VERSION = 2
#: Snapshots kept per repository (older ones are removed when a new one is written).
KEEP = 4


class ChangeHistory:
    """History as of ``parent`` (at its commit time ``at_time``) and the rank reference rows.

    The reference is read from its own cache file on first use: a model
    without rank features never pays for it.
    """

    def __init__(
        self,
        parent: str,
        at_time: int,
        snapshot: HistorySnapshot,
        reference: RankReference | None = None,
        reference_file: str | None = None,
    ) -> None:
        self.parent, self.at_time, self.snapshot = parent, at_time, snapshot
        self._reference, self._reference_file = reference, reference_file

    @property
    def reference(self) -> RankReference:
        if self._reference is None:
            try:
                with open(self._reference_file or "") as handle:
                    self._reference = RankReference.from_dict(json.load(handle))
            except (OSError, ValueError, KeyError):
                self._reference = RankReference()  # unreadable: no ranks (fewer than MIN_RANK_ROWS rows)
        return self._reference


def _text(args: list[str], root: str) -> str:
    return git(args, root).decode("utf-8", errors="replace")


def build(root: str, parent: str) -> ChangeHistory:
    """Replay the parent's whole log (the slow path: once per parent)."""
    commits = list(parse_log(_text(replay_log_args(parent), root)))
    commits.reverse()
    times = {}
    for line in _text(["rev-list", "--timestamp", parent], root).splitlines():
        stamp, _, sha = line.partition(" ")
        times[sha] = int(stamp)
    state, reference = HistoryState(), RankReference()
    for _ in replay_changes(commits, times, state, reference):
        pass
    at_time = times[parent]
    return ChangeHistory(parent, at_time, HistorySnapshot.of(state, at_time), reference)


def _write(directory: str, history: ChangeHistory) -> None:
    os.makedirs(directory, exist_ok=True)
    data = {
        "version": CACHE_VERSION,
        "parent": history.parent,
        "at_time": history.at_time,
        "files": history.snapshot.files,
        "authors": history.snapshot.authors,
    }
    target = os.path.join(directory, f"change-history-{history.parent}.json")
    for path, content in ((_reference_path(target), history.reference.to_dict()), (target, data)):
        with open(path + ".tmp", "w") as handle:
            json.dump(content, handle, separators=(",", ":"))
        os.replace(path + ".tmp", path)
    older = sorted(
        (os.path.join(directory, n) for n in os.listdir(directory) if n.startswith("change-history-")),
        key=os.path.getmtime,
    )
    for stale in older[: -2 * KEEP]:
        os.remove(stale)


def _reference_path(target: str) -> str:
    return target[: -len(".json")] + "-ranks.json"


def _read(path: str, parent: str) -> ChangeHistory | None:
    try:
        with open(path) as handle:
            data = json.load(handle)
    except (OSError, ValueError):
        return None
    if data.get("version") != CACHE_VERSION or data.get("parent") != parent:
        return None
    snapshot = HistorySnapshot(int(data["at_time"]), data["files"], data["authors"])
    return ChangeHistory(parent, int(data["at_time"]), snapshot, reference_file=_reference_path(path))


def change_history(root: str, parent: str | None) -> ChangeHistory | None:
    """History as of ``parent`` (a commit id), cached; ``None`` without a parent, outside git, or shallow."""
    if parent is None:
        return None
    dot_git = os.path.join(root, ".git")
    if os.path.isdir(dot_git):  # the usual checkout: no git process needed to find the cache
        shallow, common = os.path.exists(os.path.join(dot_git, "shallow")), dot_git
    else:  # a linked worktree, a bare repository, ...
        try:
            answer, common = _text(["rev-parse", "--is-shallow-repository", "--git-common-dir"], root).splitlines()
        except (GitError, ValueError):
            return None
        shallow = answer == "true"
    if shallow:
        return None
    directory = os.path.join(root, common, "quality-hooks")  # join keeps ``common`` when it is absolute
    path = os.path.join(directory, f"change-history-{parent}.json")
    cached = _read(path, parent) if os.path.exists(path) else None
    if cached is not None:
        return cached
    try:
        history = build(root, parent)
    except GitError:
        return None
    with contextlib.suppress(OSError):  # a read-only git dir: score without caching
        _write(directory, history)
    return history
