"""A change-risk model trained on the repository's own history: found at its root, used when usable, named."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import GitRepo

from quality_hooks.model.scorer import CHANGE_MODEL_FILE, load_change_model, local_model_paths

DAY = 86400
T0 = 1_500_000_000

MODULE = '''"""Parsing helpers."""


def parse(text):
    """Split on commas."""
    return [int(part) for part in text.split(",")]
'''


def dated_commit(repo: GitRepo, message: str, when: int) -> str:
    """Commit everything with author and committer dates set to ``when``."""
    repo.git("add", "-A")
    env = {**os.environ, "GIT_AUTHOR_DATE": f"@{when} +0000", "GIT_COMMITTER_DATE": f"@{when} +0000"}
    subprocess.run(["git", "commit", "-q", "-m", message], cwd=repo.path, env=env, check=True, capture_output=True)
    return repo.git("rev-parse", "HEAD").strip()


def install_copy_of_bundled(root: Path, trained: str = "2026-01-02T03:04:05Z") -> Path:
    """A local model that is a copy of the bundled one (same features), with its own training date."""
    model_path, meta_path = local_model_paths(root)
    model_path.parent.mkdir(parents=True, exist_ok=True)
    bundled = load_change_model()
    shutil.copyfile(bundled.source.path, model_path)
    meta_path.write_text(json.dumps({**bundled.meta, "trained": trained}))
    return model_path


@pytest.fixture
def small_repo(tmp_path: Path) -> GitRepo:
    repo = GitRepo(tmp_path / "repo")
    repo.write("pkg/mod.py", MODULE)
    dated_commit(repo, "Initial import", T0)
    repo.write("pkg/mod.py", MODULE + "\n\ndef first(text):\n    return parse(text)[0]\n")
    dated_commit(repo, "Add first()", T0 + DAY)
    return repo


def test_bundled_model_without_a_local_one(small_repo: GitRepo) -> None:
    model = load_change_model(str(small_repo.path))
    assert model is load_change_model() and model.source.kind == "bundled" and model.source.note is None
    assert Path(model.source.path).name == CHANGE_MODEL_FILE


def stage_an_edit(repo: GitRepo) -> None:
    """A staged change to pkg/mod.py: what the hook and ``score --staged`` judge."""
    repo.write("pkg/mod.py", MODULE + "\n\ndef last(text):\n    return parse(text)[-1]\n")
    repo.git("add", "pkg/mod.py")


def score_cli(*args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """``quality-hooks score`` in this process (the CLI's own entry point), with its stdout."""
    from quality_hooks.model.cli import main

    code = main(list(args))
    return code, capsys.readouterr().out


def test_local_model_at_the_repository_root_is_used_by_check_and_named_by_score(
    small_repo: GitRepo, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    model_path = install_copy_of_bundled(small_repo.path)
    model = load_change_model(str(small_repo.path))
    assert model.source.kind == "local" and model.source.path == str(model_path)
    assert model.source.trained == "2026-01-02T03:04:05Z"
    stage_an_edit(small_repo)
    # `check --staged` (the hook's pipeline) records which model judged the change.
    from quality_hooks.config import load_config
    from quality_hooks.pipeline import run_check

    target = str(small_repo.path / "pkg" / "mod.py")
    run = run_check([target], load_config(target, None), staged=True, use_baseline=False, cwd=str(small_repo.path))
    (result,) = run.results
    assert result.score is not None and result.score.model is not None and result.score.model.kind == "local"
    # The whole-file score stays the bundled file model's: a local model judges changes only.
    assert result.whole_file_score is not None and result.whole_file_score.model is not None
    assert result.whole_file_score.model.kind == "bundled"
    monkeypatch.chdir(small_repo.path)
    code, out = score_cli("--staged", "--format", "json", capsys=capsys)
    assert code == 0
    (entry,) = json.loads(out)["files"]
    assert entry["model"] == {"kind": "local", "path": str(model_path), "trained": "2026-01-02T03:04:05Z",
                              "note": None}  # fmt: skip
    assert entry["history_unknown"] is None
    _, text = score_cli("--staged", capsys=capsys)
    assert f"scored with the local model ({model_path}, trained 2026-01-02T03:04:05Z)" in text


def test_shallow_clone_uses_the_bundled_model_and_says_why(
    small_repo: GitRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    shallow = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{small_repo.path}", str(shallow)], check=True)
    install_copy_of_bundled(shallow)
    model = load_change_model(str(shallow))
    assert model.source.kind == "bundled" and "shallow clone" in (model.source.note or "")
    stage_an_edit(GitRepo(shallow))  # re-initialising an existing clone only sets the committer
    monkeypatch.chdir(shallow)
    code, out = score_cli("--staged", capsys=capsys)
    assert code == 0
    assert "(history unknown: shallow clone)" in out
    assert "scored with the bundled model" in out and "not used: shallow clone" in out
    # `check` (the hook and the Action too) says it once, as a note of the run.
    from quality_hooks.config import load_config
    from quality_hooks.pipeline import run_check

    target = str(shallow / "pkg" / "mod.py")
    run = run_check([target], load_config(target, None), staged=True, use_baseline=False, cwd=str(shallow))
    assert [note for note in run.notes if "not used: shallow clone" in note] == [model.source.note]


def test_local_model_of_another_version_falls_back_to_the_bundled_one(small_repo: GitRepo) -> None:
    _, meta_path = local_model_paths(small_repo.path)
    install_copy_of_bundled(small_repo.path)
    meta_path.write_text(json.dumps({"features": ["lines_added"], "medians": [1.0]}))
    model = load_change_model(str(small_repo.path))
    assert model.source.kind == "bundled" and "do not match this version" in (model.source.note or "")


def test_score_outside_git_says_history_is_unknown(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "loose.py"
    target.write_text(MODULE)
    code, out = score_cli(str(target), "--format", "json", capsys=capsys)
    assert code == 0
    (entry,) = json.loads(out)["files"]
    assert entry["history_unknown"] == "not in a git repository"
    assert 0.0 <= entry["score"]["risk"] <= 1.0 and entry["model"]["kind"] == "bundled"
    _, text = score_cli(str(target), capsys=capsys)
    assert "loose.py: score" in text and "(history unknown: not in a git repository)" in text
