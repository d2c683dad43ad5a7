"""A repository's change history as of a parent commit, for scoring: built once, cached per parent.

Scoring a change needs what mining measured for each training row: the
history of the changed files and of the author *as of the change's parent*
(the hook: HEAD; CI: the merge base), and the latest rows of the
repository's history to rank the change against. Both come from one replay
of the parent's ``git log`` through the same code mining uses
(:func:`quality_hooks.model.features.replay_changes`), then a small JSON
snapshot is written under ``<git dir>/quality-hooks/``, keyed by the parent
commit; later runs on the same parent read it (a few milliseconds).

After a commit the parent is new, but its history is the old parent's plus a
few commits. So the replay's whole state (every file record and author, and
the rank rows with their arrival order) is kept too, for the latest parents,
and a new parent that descends from one of them in a straight line (no merge
between them) replays only the commits since: ``git log OLD..NEW`` through
the same :func:`~quality_hooks.model.features.replay_changes`, from the same
state, in the same order as a full replay would visit them. The features are
the same to the bit (``tests/test_change_history_incremental.py``); anything
else (a merge, a branch switch, an unreadable state) replays the whole log.

Shallow clones and directories outside git have no history: ``None``.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections import deque
from typing import Any

from quality_hooks.git import GitError, git
from quality_hooks.model.features import RankReference, replay_changes
from quality_hooks.model.history import FileRecord, HistorySnapshot, HistoryState, parse_log, replay_log_args

CACHE_VERSION = 2
#: Snapshots kept per repository (older ones are removed when a new one is written).
KEEP = 4
#: Replay states kept per repository (each is the whole history, so fewer): the parents a new one may extend.
KEEP_STATES = 2
#: Above this many commits since a cached parent, replaying the whole log is as cheap: no extension is tried.
MAX_EXTENSION = 2000


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


class Replay:
    """The whole state of a replay after ``parent``'s log: what a later parent's replay continues from."""

    def __init__(self, parent: str, at_time: int, state: HistoryState, reference: RankReference) -> None:
        self.parent, self.at_time, self.state, self.reference = parent, at_time, state, reference

    def history(self) -> ChangeHistory:
        return ChangeHistory(self.parent, self.at_time, HistorySnapshot.of(self.state, self.at_time), self.reference)

    def to_dict(self) -> dict[str, Any]:
        """Everything, lists in their order (a record's authors are a set: only their number is ever read)."""
        state, reference = self.state, self.reference
        files = {p: [r.changes, r.fixes, r.first, r.last, sorted(r.authors), r.times, r.fix_times]
                 for p, r in state.files.items()}  # fmt: skip
        return {
            "version": CACHE_VERSION,
            "parent": self.parent,
            "at_time": self.at_time,
            "files": files,
            "author_times": state.author_times,
            "author_subsystems": state.author_subsystems,
            "window": reference.window,
            "count": reference.count,
            "rows": list(reference.rows),
            "sorted": reference.sorted,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Replay:
        state = HistoryState()
        for path, (changes, fixes, first, last, authors, times, fix_times) in data["files"].items():
            state.files[path] = FileRecord(int(changes), int(fixes), int(first), int(last), set(authors),
                                           [int(t) for t in times], [int(t) for t in fix_times])  # fmt: skip
        state.author_times = {a: [int(t) for t in times] for a, times in data["author_times"].items()}
        state.author_subsystems = {a: {k: int(v) for k, v in c.items()} for a, c in data["author_subsystems"].items()}
        reference = RankReference(int(data["window"]))
        reference.count = int(data["count"])
        # As they were (JSON keeps an int an int): a rank row may hold an int 0 (a sum over no files).
        reference.rows = deque(list(row) for row in data["rows"])
        reference.sorted = [list(column) for column in data["sorted"]]
        return cls(str(data["parent"]), int(data["at_time"]), state, reference)


def _replay(root: str, rev: str, times: dict[str, int], state: HistoryState, reference: RankReference) -> None:
    commits = list(parse_log(_text(replay_log_args(rev), root)))
    commits.reverse()
    for _ in replay_changes(commits, times, state, reference):
        pass


def replay(root: str, parent: str) -> Replay:
    """Replay the parent's whole log (the slow path)."""
    times = {}
    for line in _text(["rev-list", "--timestamp", parent], root).splitlines():
        stamp, _, sha = line.partition(" ")
        times[sha] = int(stamp)
    state, reference = HistoryState(), RankReference()
    _replay(root, parent, times, state, reference)
    return Replay(parent, times[parent], state, reference)


def build(root: str, parent: str) -> ChangeHistory:
    """Replay the parent's whole log (the slow path: once per parent)."""
    return replay(root, parent).history()


def line_since(root: str, older: str, parent: str) -> dict[str, int] | None:
    """The commit times of ``older..parent`` (and of ``older``) when ``parent`` descends from ``older`` in a
    straight line, else None.

    Straight, because then ``git log parent`` walks exactly those commits, newest first, and then
    ``git log older``: a replay of the older state plus them visits every commit as a full replay does.
    A merge between the two could interleave its side branch with the older history (git walks by date).
    """
    if older == parent:
        return None
    args = ["rev-list", "--parents", "--timestamp", f"--max-count={MAX_EXTENSION + 1}", f"{older}..{parent}"]
    lines = _text(args, root).split("\n")
    times: dict[str, int] = {}
    expected = parent
    for line in filter(None, lines):
        fields = line.split()
        if len(fields) != 3 or fields[1] != expected:
            return None  # a merge, a root commit, or a walk that left the line
        times[fields[1]], expected = int(fields[0]), fields[2]
    if expected != older or not times or len(times) > MAX_EXTENSION:
        return None
    return times


def extend(root: str, older: Replay, parent: str, times: dict[str, int]) -> Replay:
    """``older`` carried on to ``parent`` (see :func:`line_since` for ``times``): only the new commits replayed.

    ``older`` is consumed (its state becomes the new one's).
    """
    times = {**times, older.parent: older.at_time}
    _replay(root, f"{older.parent}..{parent}", times, older.state, older.reference)
    return Replay(parent, times[parent], older.state, older.reference)


def _state_path(directory: str, parent: str) -> str:
    return os.path.join(directory, f"replay-state-{parent}.json")


def _write_state(directory: str, state: Replay) -> None:
    os.makedirs(directory, exist_ok=True)
    target = _state_path(directory, state.parent)
    with open(target + ".tmp", "w") as handle:
        json.dump(state.to_dict(), handle, separators=(",", ":"))
    os.replace(target + ".tmp", target)
    older = sorted(
        (os.path.join(directory, n) for n in os.listdir(directory) if n.startswith("replay-state-")),
        key=os.path.getmtime,
    )
    for stale in older[:-KEEP_STATES]:
        os.remove(stale)


def _extended(root: str, directory: str, parent: str) -> Replay | None:
    """The replay as of ``parent`` carried on from a cached state of an ancestor in a straight line, if any."""
    try:
        names = [n for n in os.listdir(directory) if n.startswith("replay-state-") and n.endswith(".json")]
        names.sort(key=lambda n: os.path.getmtime(os.path.join(directory, n)), reverse=True)
    except OSError:
        return None
    for name in names:
        older = name[len("replay-state-") : -len(".json")]
        try:
            times = line_since(root, older, parent)
            if times is None:
                continue
            with open(os.path.join(directory, name)) as handle:
                data = json.load(handle)
            if data.get("version") != CACHE_VERSION or data.get("parent") != older:
                continue
            return extend(root, Replay.from_dict(data), parent, times)
        except (GitError, OSError, ValueError, KeyError, TypeError):
            continue  # an unknown commit, a damaged state: the next candidate, else the whole log
    return None


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
        state = _extended(root, directory, parent) or replay(root, parent)
    except GitError:
        return None
    history = state.history()
    with contextlib.suppress(OSError):  # a read-only git dir: score without caching
        _write(directory, history)
        _write_state(directory, state)
    return history
