"""The one git runner: failures are one-line GitErrors, and its callers degrade as they promise."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import GitRepo

from quality_hooks.git import GitError, git, head_commit, hunk_header
from quality_hooks.github.diff import git_patches
from quality_hooks.store.payload import context_from_env


def test_hunk_header_gives_the_new_side() -> None:
    assert hunk_header("@@ -1,2 +3,4 @@ def f():") == (3, 4)
    assert hunk_header("@@ -7 +9 @@") == (9, 1)
    assert hunk_header("@@ -5,3 +4,0 @@") == (4, 0)
    assert hunk_header("+++ b/x.py") is None


def test_failures_are_one_line(tmp_path: Path) -> None:
    with pytest.raises(GitError) as missing:
        git(["status"], str(tmp_path / "absent"))
    with pytest.raises(GitError) as outside:
        git(["rev-parse", "HEAD"], str(tmp_path))
    for error in (missing, outside):
        assert "\n" not in str(error.value) and str(error.value).startswith("git ")
    assert "absent" in str(missing.value) and "not a git repository" in str(outside.value)


def test_head_commit_and_its_fallbacks(git_repo: GitRepo) -> None:
    assert head_commit(str(git_repo.path)) is None  # no commit yet
    git_repo.write("a.py", "x = 1\n")
    git_repo.git("add", "a.py")
    git_repo.git("commit", "-qm", "one")
    sha = git_repo.git("rev-parse", "HEAD").strip()
    assert head_commit(str(git_repo.path)) == sha
    # The store payload falls back to git when no CI variable says where the run happened.
    context = context_from_env({}, git_repo.path)
    assert (context.commit, context.branch) == (sha, "main")
    # An unknown base is skipped, not raised: the review then treats the path as outside the diff.
    git_repo.write("a.py", "x = 2\n")
    git_repo.git("commit", "-qam", "two")
    head = git_repo.git("rev-parse", "HEAD").strip()
    assert git_patches(str(git_repo.path), sha, head, ["a.py"]) == {"a.py": {1}}
    assert git_patches(str(git_repo.path), "0" * 40, head, ["a.py"]) == {}
