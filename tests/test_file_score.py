"""File-score dataset and scoring on a real git repository: labels from the next year, no train/serve skew."""

from __future__ import annotations

import math
import os
import subprocess
from pathlib import Path

import pytest

from quality_hooks.mine.file_labels import HORIZON_DAYS, mine_repository, snapshot_times
from quality_hooks.mine.walk import load_commits
from quality_hooks.model.file_features import FILE_FEATURE_NAMES, NEEDS_HISTORY
from quality_hooks.model.file_score import file_vectors
from quality_hooks.results import FileResult
from quality_hooks.source import read_source

DAY = 86400
T0 = 1_500_000_000


def git(root: str, *args: str, when: int | None = None) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "Dev", "GIT_AUTHOR_EMAIL": "dev@example.com",
           "GIT_COMMITTER_NAME": "Dev", "GIT_COMMITTER_EMAIL": "dev@example.com"}  # fmt: skip
    if when is not None:
        env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = f"@{when} +0000"
    return subprocess.run(["git", *args], cwd=root, env=env, capture_output=True, text=True, check=True).stdout.strip()


def commit(root: str, message: str, day: int, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = os.path.join(root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as handle:
            handle.write(text)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message, when=T0 + day * DAY)


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Three years of history: ``core.py`` is fixed twice after the snapshot, ``util.py`` never."""
    root = str(tmp_path_factory.mktemp("file-score-repo"))
    git(root, "init", "-q", "-b", "main")
    commit(root, "Initial import", 0, {"pkg/core.py": "def f(x):\n    return x\n", "pkg/util.py": "A = 1\n",
                                        "tests/test_core.py": "def test():\n    pass\n"})  # fmt: skip
    commit(root, "Fix crash on empty input", 100, {"pkg/core.py": "def f(x):\n    if not x:\n        return 0\n"
                                                                  "    return x\n"})  # fmt: skip
    commit(root, "Add helper", 300, {"pkg/util.py": "A = 1\nB = 2\n"})
    commit(root, "Tidy", 500, {"pkg/core.py": "def f(x):\n    if not x:\n        return 0\n    return x + 0\n"})
    # Snapshot at day ~500 (one year before the last commit): what follows is its label year.
    commit(root, "Fix wrong result for negatives", 600, {"pkg/core.py": "def f(x):\n    try:\n        return abs(x)\n"
                                                                        "    except:\n        return 0\n"})  # fmt: skip
    commit(root, "Document B", 700, {"pkg/util.py": "A = 1\nB = 2  # two\n"})
    commit(root, "Release", 866, {"README": "1.0\n"})
    return root


def test_snapshot_rows_are_labelled_by_fixes_of_the_following_year(repo: str, tmp_path: Path) -> None:
    commits = load_commits(repo)
    assert [round((t - T0) / DAY) for t in snapshot_times(commits)] == [866 - HORIZON_DAYS]
    rows = mine_repository(repo, str(tmp_path))
    by_path = {str(row[3]): row for row in rows}
    assert sorted(by_path) == ["pkg/core.py", "pkg/util.py"]  # the test file is not a row
    assert by_path["pkg/core.py"][4] == 1 and by_path["pkg/util.py"][4] == 0
    features = dict(zip(FILE_FEATURE_NAMES, by_path["pkg/core.py"][5:], strict=True))
    # History strictly before the snapshot (the "Tidy" commit at day 500): the import and the day-100 fix.
    assert features["changes"] == 2 and features["fixes"] == 1 and features["fixes_1y"] == 0
    assert features["loc"] == 4 and features["bare_excepts"] == 0
    assert mine_repository(repo, str(tmp_path)) == rows  # cached


def test_scoring_at_the_snapshot_computes_the_mined_features(repo: str, tmp_path: Path) -> None:
    rows = mine_repository(repo, str(tmp_path / "cache"))
    snapshot = str(rows[0][1])
    work = str(tmp_path / "work")
    git(repo, "worktree", "add", "-q", "--detach", work, snapshot)
    try:
        paths = sorted(str(row[3]) for row in rows)
        results = [FileResult(path=os.path.join(work, p), source=read_source(os.path.join(work, p))) for p in paths]
        vectors = file_vectors(results, {r.path: p for r, p in zip(results, paths, strict=True)}, work)
    finally:
        git(repo, "worktree", "remove", "--force", work)
    mined = {str(row[3]): [float(v) for v in row[5:]] for row in rows}  # type: ignore[arg-type]  # rows are numbers here
    for path, vector in zip(paths, vectors, strict=True):
        for name, served, trained in zip(FILE_FEATURE_NAMES, vector, mined[path], strict=True):
            assert (math.isnan(served) and math.isnan(trained)) or served == pytest.approx(trained, abs=1e-9), name


def test_outside_git_the_history_is_unknown_not_zero(tmp_path: Path) -> None:
    path = tmp_path / "lonely.py"
    path.write_text("def g():\n    return 1\n")
    result = FileResult(path=str(path), source=read_source(str(path)))
    vector = dict(zip(FILE_FEATURE_NAMES, file_vectors([result], {}, None)[0], strict=True))
    assert all(math.isnan(vector[name]) for name in NEEDS_HISTORY)
    assert vector["loc"] == 2 and vector["functions"] == 1


def test_check_shows_the_file_score_and_a_change_shows_both_numbers(repo: str, tmp_path: Path) -> None:
    from quality_hooks.config import load_config
    from quality_hooks.model.file_score import score_files
    from quality_hooks.pipeline import run_check

    work = str(tmp_path / "clone")
    git(str(tmp_path), "clone", "-q", repo, work)
    core = os.path.join(work, "pkg", "core.py")
    whole = run_check([core], load_config(work), use_baseline=False, cwd=work).results[0]
    expected = score_files([whole], work, {whole.path: "pkg/core.py"})[whole.path]
    assert whole.score is not None and whole.score.score == expected.score
    assert whole.score.score == pytest.approx(100 * (1 - whole.score.risk), abs=0.06) and whole.whole_file_score is None
    assert all(isinstance(f["text"], str) and f["text"] for f in whole.score.factors)
    with open(core, "a") as handle:
        handle.write("\n\ndef g(y):\n    return y * 2\n")
    git(work, "add", "-A")
    changed = run_check([], load_config(work), staged=True, use_baseline=False, cwd=work).results[0]
    assert changed.score is not None and changed.whole_file_score is not None
    assert changed.base is not None and changed.base.score is not None
    assert changed.base.score.score == expected.score  # the base version is the file checked above
    assert all(f.get("text") for f in changed.score.factors)  # the change risk's factors, in words


NESTED_IMPORTS = """
import os, sys as system
from . import sibling
from ..pkg.mod import a, b
try:
    import json
except* ImportError:
    from x import y
else:
    import csv
finally:
    import re
class C:
    import abc
    async def f(self):
        async with ctx():
            from .deep import z
        while True:
            import glob
        else:
            import fnmatch
match value:
    case 1:
        import heapq
    case _:
        for i in []:
            pass
        else:
            import bisect
if x:
    import shutil
elif y:
    from shutil import copy
def g():
    lambda: __import__("not_a_statement")
"""


def test_imports_are_counted_like_a_full_walk_of_the_tree() -> None:
    """The statement-only walk (what the hook runs on every new version) finds the very import nodes
    ``ast.walk`` finds, in every place an import can hide, and on this package's own files."""
    import ast
    from collections.abc import Iterable

    from quality_hooks.model.file_features import _imports, _statements

    def imports(nodes: Iterable[ast.AST]) -> set[int]:
        return {id(n) for n in nodes if isinstance(n, (ast.Import, ast.ImportFrom))}

    assert _imports(NESTED_IMPORTS) == (17, 15)
    package = Path(__file__).resolve().parent.parent / "quality_hooks"
    for text in [NESTED_IMPORTS, *(p.read_text(encoding="utf-8") for p in sorted(package.rglob("*.py")))]:
        tree = ast.parse(text)
        assert imports(_statements(tree)) == imports(ast.walk(tree))


def test_a_prefetched_history_is_the_one_read_in_view_and_is_taken_once(repo: str, tmp_path: Path) -> None:
    from quality_hooks.cache import Cache
    from quality_hooks.model import file_score

    direct = file_score.file_histories(repo, Cache(None))
    assert direct[0] and direct[1]
    cache = Cache(str(tmp_path / "cache"))
    file_score.prefetch_file_histories(repo, cache)  # a git log in a thread, as while the files are analysed
    assert file_score.file_histories(repo, cache) == direct
    assert file_score._prefetch_key(repo, cache) not in file_score._PREFETCHED  # a later call reads HEAD afresh
    assert file_score.file_histories(repo, cache) == direct  # now from the cache the prefetch filled
    file_score.prefetch_file_histories(str(tmp_path), cache)  # not a repository: unknown, as in view
    assert file_score.file_histories(str(tmp_path), cache) == (None, None)
    file_score.prefetch_file_histories(repo, cache)  # started, never taken: dropped, not kept for a later HEAD
    file_score.discard_prefetched(repo, cache)
    assert file_score._prefetch_key(repo, cache) not in file_score._PREFETCHED
