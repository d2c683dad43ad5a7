"""The file score's history: one pass per HEAD, cached, extended from a cached ancestor, and as mining counts it."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from quality_hooks.cache import Cache
from quality_hooks.model.file_features import MASS_CHANGE_FILES
from quality_hooks.model.file_score import file_histories

T0 = 1_600_000_000


def git(root: str, *args: str, when: int = T0) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "Dev", "GIT_AUTHOR_EMAIL": "dev@example.com",
           "GIT_COMMITTER_NAME": "Dev", "GIT_COMMITTER_EMAIL": "dev@example.com",
           "GIT_AUTHOR_DATE": f"@{when} +0000", "GIT_COMMITTER_DATE": f"@{when} +0000"}  # fmt: skip
    return subprocess.run(["git", *args], cwd=root, env=env, capture_output=True, text=True, check=True).stdout


def commit(root: str, message: str, when: int, files: dict[str, str]) -> None:
    for rel, text in files.items():
        os.makedirs(os.path.dirname(os.path.join(root, rel)) or root, exist_ok=True)
        Path(root, rel).write_text(text)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message, when=when)


def make_repo(root: str) -> None:
    git(root, "init", "-q", "-b", "main")
    modules = {f"pkg/m{i}.py": f"X = {i}\n" for i in range(MASS_CHANGE_FILES + 1)}
    commit(root, "Initial import", T0, modules)
    commit(root, "Fix crash on empty input", T0 + 100, {"pkg/m0.py": "X = 0  # fixed\n"})
    # A sweep over more Python files than a fix can plausibly be: a change of each, never a fix of each.
    commit(root, "Fix crash when imported twice", T0 + 200, {p: t + "\n" for p, t in modules.items()})


def test_a_sweep_is_not_a_fix_whatever_files_are_scored_together(tmp_path: Path) -> None:
    root = str(tmp_path / "repo")
    os.makedirs(root)
    make_repo(root)
    events, at_time = file_histories(root)
    assert events is not None and at_time == T0 + 200
    assert [e.is_fix for e in events["pkg/m0.py"]] == [False, True, False]  # newest first: sweep, fix, import
    assert [e.is_fix for e in events["pkg/m1.py"]] == [False, False]


def test_the_history_is_cached_per_head_and_a_new_head_extends_its_ancestor(tmp_path: Path) -> None:
    root = str(tmp_path / "repo")
    os.makedirs(root)
    make_repo(root)
    cache = Cache(str(tmp_path / "cache"))
    first = file_histories(root, cache)
    assert cache.info().entries == 1
    assert file_histories(root, cache) == first  # read back from the entry
    commit(root, "Fix wrong result", T0 + 300, {"pkg/m1.py": "X = -1\n", "pkg/new.py": "Y = 1\n"})
    extended = file_histories(root, cache)
    assert extended == file_histories(root)  # from the ancestor's entry + the new commit == from scratch
    assert cache.info().entries == 2
    assert extended[0] is not None and [e.is_fix for e in extended[0]["pkg/m1.py"]] == [True, False, False]


def test_a_damaged_history_entry_is_ignored_and_rewritten(tmp_path: Path) -> None:
    root = str(tmp_path / "repo")
    os.makedirs(root)
    make_repo(root)
    cache = Cache(str(tmp_path / "cache"))
    expected = file_histories(root, cache)
    (entry,) = [os.path.join(d, n) for d, _, names in os.walk(tmp_path / "cache") for n in names]
    Path(entry).write_text('{"format": 1, "key": "')
    assert file_histories(root, cache) == expected
    assert Path(entry).read_text().endswith("}")


def test_outside_git_or_shallow_the_history_is_unknown(tmp_path: Path) -> None:
    assert file_histories(str(tmp_path)) == (None, None)
    root = str(tmp_path / "repo")
    os.makedirs(root)
    make_repo(root)
    shallow = str(tmp_path / "shallow")
    git(str(tmp_path), "clone", "-q", "--depth", "1", f"file://{root}", shallow)
    assert file_histories(shallow, Cache(str(tmp_path / "cache"))) == (None, None)
