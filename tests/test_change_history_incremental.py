"""The change-risk history after a new commit: the cached replay carried on, the same features to the bit."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
from pathlib import Path

import pytest

from quality_hooks.model.features import RANKED, RankReference

#: The module itself (imported by name: it defines a function of the same name).
ch = importlib.import_module("quality_hooks.model.change_history")

T0 = 1_600_000_000
AUTHORS = ("ann@example.com", "bob@example.com", "cy@example.com")


def git(root: str, *args: str, when: int = T0, author: str = AUTHORS[0]) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "Dev", "GIT_AUTHOR_EMAIL": author, "GIT_COMMITTER_NAME": "Dev",
           "GIT_COMMITTER_EMAIL": author, "GIT_AUTHOR_DATE": f"@{when} +0000",
           "GIT_COMMITTER_DATE": f"@{when} +0000"}  # fmt: skip
    return subprocess.run(["git", *args], cwd=root, env=env, capture_output=True, text=True, check=True).stdout


def commit(root: str, message: str, when: int, files: dict[str, str | None], author: str = AUTHORS[0]) -> str:
    """Write (or delete, for None) files and commit them all; the new commit's id."""
    for rel, text in files.items():
        path = Path(root, rel)
        if text is None:
            path.unlink()
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message, when=when, author=author)
    return git(root, "rev-parse", "HEAD").strip()


def head(root: str) -> str:
    return git(root, "rev-parse", "HEAD").strip()


@pytest.fixture()
def repo(tmp_path: Path) -> str:
    """70 commits by three authors over two packages: enough rows (over 50) that every rank is measured."""
    root = str(tmp_path / "repo")
    os.makedirs(root)
    git(root, "init", "-q", "-b", "main")
    commit(root, "Initial import", T0, {f"{pkg}/m{i}.py": f"X = {i}\n" for pkg in ("app", "lib") for i in range(6)})
    for n in range(1, 70):
        pkg = ("app", "lib")[n % 2]
        files: dict[str, str | None] = {f"{pkg}/m{n % 6}.py": f"X = {n}\n" + "y = 1\n" * (n % 5 + 1)}
        if n % 7 == 0:
            files[f"{pkg}/m{(n + 1) % 6}.py"] = f"Z = {n}\n"
        if n % 11 == 0:
            files["README.md"] = f"v{n}\n"
        message = "Fix crash on empty input" if n % 4 == 0 else f"Add feature {n}"
        commit(root, message, T0 + n * 3600, files, AUTHORS[n % 3])
    return root


def cache_dir(root: str) -> str:
    return os.path.join(root, ".git", "quality-hooks")


def same(left: ch.Replay, right: ch.Replay) -> None:
    """Equal to the bit: the whole state, the snapshot scoring reads and the rank reference, as JSON text."""
    assert json.dumps(left.to_dict()) == json.dumps(right.to_dict())
    a, b = left.history(), right.history()
    assert (a.parent, a.at_time) == (b.parent, b.at_time)
    assert json.dumps([a.snapshot.files, a.snapshot.authors]) == json.dumps([b.snapshot.files, b.snapshot.authors])
    assert json.dumps(a.reference.to_dict()) == json.dumps(b.reference.to_dict())


def more_commits(root: str) -> None:
    """A fix, a rename with an edit, a deletion, a new author, a new file, a commit without Python."""
    t = T0 + 100 * 3600
    commit(root, "Fix wrong result when empty", t, {"app/m1.py": "X = -1\n"}, AUTHORS[1])
    git(root, "mv", "lib/m2.py", "lib/renamed.py")
    commit(root, "Move m2", t + 60, {"lib/renamed.py": "X = 2\nw = 3\n"}, AUTHORS[2])
    commit(root, "Drop m3", t + 120, {"app/m3.py": None, "app/new.py": "N = 1\n"}, "dee@example.com")
    commit(root, "Docs", t + 180, {"README.md": "docs\n"}, AUTHORS[0])


def test_a_new_commit_carries_the_cached_replay_on_to_the_bit(repo: str) -> None:
    older = head(repo)
    first = ch.change_history(repo, older)
    assert first is not None and first.reference.count >= RankReference.MIN_RANK_ROWS
    assert os.path.exists(os.path.join(cache_dir(repo), f"replay-state-{older}.json"))
    more_commits(repo)
    newer = head(repo)
    assert ch.line_since(repo, older, newer) is not None
    extended = ch._extended(repo, cache_dir(repo), newer)
    assert extended is not None
    same(extended, ch.replay(repo, newer))
    # What scoring reads: the snapshot the hook writes for the new parent equals a full replay's.
    scored = ch.change_history(repo, newer)
    assert scored is not None
    full = ch.build(repo, newer)
    assert json.dumps([scored.snapshot.files, scored.snapshot.authors, scored.at_time]) == json.dumps(
        [full.snapshot.files, full.snapshot.authors, full.at_time]
    )
    assert json.dumps(scored.reference.to_dict()) == json.dumps(full.reference.to_dict())
    assert os.path.exists(os.path.join(cache_dir(repo), f"replay-state-{newer}.json"))


def test_a_merge_or_a_branch_switch_replays_the_whole_log(repo: str) -> None:
    older = head(repo)
    assert ch.change_history(repo, older) is not None
    # A side branch from an earlier commit, merged: git's date order interleaves it with the older history.
    git(repo, "checkout", "-q", "-b", "side", "HEAD~5")
    commit(repo, "Side work", T0 + 66 * 3600 + 30, {"lib/side.py": "S = 1\n"}, AUTHORS[1])
    git(repo, "checkout", "-q", "main")
    git(repo, "merge", "-q", "--no-ff", "-m", "Merge side", "side", when=T0 + 200 * 3600)
    merged = head(repo)
    assert ch.line_since(repo, older, merged) is None
    assert ch._extended(repo, cache_dir(repo), merged) is None
    same(ch.replay(repo, merged), ch.replay(repo, merged))
    assert ch.change_history(repo, merged) is not None
    # Back to an ancestor (a branch switch, a reset): not a descendant of either cached state.
    earlier = git(repo, "rev-parse", "HEAD~8").strip()
    assert ch._extended(repo, cache_dir(repo), earlier) is None
    history = ch.change_history(repo, earlier)
    full = ch.build(repo, earlier)
    assert history is not None
    assert json.dumps([history.snapshot.files, history.snapshot.authors]) == json.dumps(
        [full.snapshot.files, full.snapshot.authors]
    )


def test_a_damaged_state_is_never_trusted(repo: str) -> None:
    older = head(repo)
    assert ch.change_history(repo, older) is not None
    Path(cache_dir(repo), f"replay-state-{older}.json").write_text('{"version": 2, "parent": "')
    more_commits(repo)
    newer = head(repo)
    assert ch._extended(repo, cache_dir(repo), newer) is None
    history, full = ch.change_history(repo, newer), ch.build(repo, newer)
    assert history is not None
    assert json.dumps([history.snapshot.files, history.snapshot.authors]) == json.dumps(
        [full.snapshot.files, full.snapshot.authors]
    )
    assert json.loads(Path(cache_dir(repo), f"replay-state-{newer}.json").read_text())["parent"] == newer


def test_a_sliding_rank_window_survives_the_round_trip() -> None:
    """Past its window the reference drops its oldest rows: their arrival order is kept in the state."""

    def row(n: int) -> dict[str, float]:
        return {name: float((n * 7 + i) % 5) if i % 3 else 0 for i, name in enumerate(RANKED)}

    live = RankReference(window=5)
    for n in range(8):
        live.push(row(n))
    saved = ch.Replay("p", T0, ch.HistoryState(), live).to_dict()
    restored = ch.Replay.from_dict(json.loads(json.dumps(saved))).reference
    for n in range(8, 12):
        live.push(row(n))
        restored.push(row(n))
    assert json.dumps([list(live.rows), live.sorted, live.count]) == json.dumps(
        [list(restored.rows), restored.sorted, restored.count]
    )
