"""`quality-hooks train --local` on a real, generated git history: judged, installed only when better, then used."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import run_cli

from quality_hooks.model.scorer import load_change_model, local_model_paths
from quality_hooks.results import Score

DAY = 86400
T0 = 1_500_000_000
CYCLES = 150  # enough rows (450) for the learner to split at all: 50 rows a leaf


def core(limit: int, helpers: int) -> str:
    extra = "".join(
        f'\n\ndef helper_{k}(values):\n    """Helper {k}."""\n    out = []\n    for value in values:\n'
        f"        out.append(value + {k})\n    return out\n"
        for k in range(helpers)
    )
    clip = 'def clip(value):\n    """Clip to the limit."""\n    return min(value, LIMIT)\n'
    return f'"""Core."""\n\nLIMIT = {limit}\n\n\n{clip}{extra}'


def feature(i: int) -> str:
    funcs = "\n\n".join(f'def feature_{i}_{k}(x):\n    """Feature {k}."""\n    return x + {k}\n' for k in range(8))
    return f'"""Feature {i}."""\n\n\n{funcs}'


def history(cycles: int) -> Iterator[tuple[str, int, dict[str, str]]]:
    """A project whose one-line edits of LIMIT are bugs (each fixed by the next commit, which also adds a
    helper) and whose new feature modules are clean: here small changes are the risky ones."""
    t = T0
    yield "Initial import", t, {"pkg/core.py": core(0, 0)}
    for i in range(cycles):
        t += 3 * DAY
        yield f"Add feature {i}", t, {f"pkg/feature_{i}.py": feature(i)}
        t += 3 * DAY
        yield f"Raise the limit to {i + 1}", t, {"pkg/core.py": core(-(i + 1), i)}
        t += 3 * DAY
        yield "Fix wrong sign of the limit", t, {"pkg/core.py": core(i + 1, i + 1)}


def make_repo(root: Path, commits: Iterator[tuple[str, int, dict[str, str]]]) -> Path:
    """A real repository written in one ``git fast-import`` (hundreds of dated commits in well under a second)."""
    subprocess.run(["git", "init", "-q", "-b", "main", str(root)], check=True)
    stream = []
    for message, when, files in commits:
        who = f"Dev <dev@example.com> {when} +0000"
        stream.append(
            f"commit refs/heads/main\nauthor {who}\ncommitter {who}\ndata {len(message.encode())}\n{message}\n"
        )
        stream += [f"M 100644 inline {path}\ndata {len(text.encode())}\n{text}\n" for path, text in files.items()]
        stream.append("\n")
    subprocess.run(["git", "fast-import", "--quiet"], cwd=root, input="".join(stream).encode(), check=True)
    subprocess.run(["git", "reset", "-q", "--hard", "main"], cwd=root, check=True)
    return root


def train_local(repo: Path, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    """``quality-hooks train --local`` as a user runs it: a real process (mining uses threads and a pool)."""
    done = run_cli("train", "--local", "--repo", str(repo), "--gap-days", "0", "--jobs", "1", env=env)
    return done.returncode, done.stdout, done.stderr


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    """The generated repository after one ``train --local``; tests that change it work on a copy."""
    repo = make_repo(tmp_path_factory.mktemp("local") / "project", history(CYCLES))
    code, _, err = train_local(repo)
    assert code == 0, err
    return repo, code


def test_local_model_is_installed_when_better_and_check_uses_it(trained: tuple[Path, int]) -> None:
    repo, code = trained
    assert code == 0
    model_path, meta_path = local_model_paths(repo)
    meta = json.loads(meta_path.read_text())
    evaluation = meta["evaluation"]
    assert evaluation["test_share"] == 0.2 and evaluation["test_rows"] + evaluation["train_rows"] == meta["rows"]
    figures = evaluation["metrics"]
    assert set(figures) == {"local model", "bundled model", "lines added (LApredict)", "file size (LOC)"}
    assert figures["local model"]["roc_auc"] > figures["bundled model"]["roc_auc"]
    assert evaluation["roc_auc_gain_over_bundled"] == pytest.approx(
        figures["local model"]["roc_auc"] - figures["bundled model"]["roc_auc"], abs=1e-3
    )
    card = (model_path.parent / "MODEL_CARD.md").read_text()
    assert "| local model |" in card and meta["trained"] in card
    assert (model_path.parent / ".gitignore").read_text() == "cache/\n"

    from quality_hooks.config import load_config
    from quality_hooks.model.scorer import _change_model_for_root
    from quality_hooks.pipeline import run_check

    # The local model is a change-risk model: check scores a change with it (as the hook and CI do).
    target = repo / "pkg" / "core.py"
    before = target.read_text()
    target.write_text(before + "\n\ndef added_later(value):\n    if value:\n        return value + 1\n    return 0\n")
    try:

        def judged() -> Score:
            run = run_check(
                [str(target)], load_config(str(target), None), base="HEAD", use_baseline=False, cwd=str(repo)
            )
            (result,) = run.results
            assert result.score is not None and result.score.model is not None
            return result.score

        local = judged()
        assert local.model is not None
        assert local.model.kind == "local" and local.model.path == str(model_path)
        assert local.model.trained == meta["trained"]
        # Without the local model the bundled change-risk model judges the same change, with another risk.
        hidden = repo / ".quality-hooks-hidden"
        (repo / ".quality-hooks").rename(hidden)
        _change_model_for_root.cache_clear()
        try:
            bundled = judged()
        finally:
            hidden.rename(repo / ".quality-hooks")
            _change_model_for_root.cache_clear()
        assert bundled.model is not None and bundled.model.kind == "bundled"
        assert bundled.risk != local.risk
    finally:
        target.write_text(before)


def test_not_installed_when_it_does_not_beat_the_bundled_model(trained: tuple[Path, int], tmp_path: Path) -> None:
    assert trained[1] == 0
    repo = tmp_path / "project"
    shutil.copytree(trained[0], repo, symlinks=True)  # with the mining cache: nothing is mined again
    model_path, meta_path = local_model_paths(repo)
    # Stand-in for a bundled model as good as anything this history can teach: the local model
    # trained on every row. A model retrained on the older 80% cannot beat it on the newest 20%.
    strong = tmp_path / "bundled"
    strong.mkdir()
    (strong / "change-risk.onnx").write_bytes(model_path.read_bytes())
    (strong / "change-risk.json").write_text(meta_path.read_text())
    model_path.unlink()
    code, out, _ = train_local(repo, env={"QUALITY_HOOKS_MODEL_DIR": str(strong)})
    assert code == 1
    assert "not installed: the local model does not beat the bundled model" in out and "ROC-AUC" in out
    assert "| bundled model |" in out and not model_path.exists()


def test_shallow_clone_cannot_train(trained: tuple[Path, int], tmp_path: Path) -> None:
    repo = trained[0]
    shallow = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "3", f"file://{repo}", str(shallow)], check=True)
    code, out, err = train_local(shallow)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "shallow clone" in err and "full history" in err
    assert not (shallow / ".quality-hooks").exists()
    assert load_change_model(str(shallow)).source.kind == "bundled"


def test_outside_git_cannot_train(tmp_path: Path) -> None:
    code, out, err = train_local(tmp_path)
    assert code == 2 and "not in a git repository" in err and out == ""
