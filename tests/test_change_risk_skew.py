"""No train/serve skew: one real change scored as the mined row, staged in the hook and by ``check --base`` in CI."""

from __future__ import annotations

import csv
import gzip
import json
import math
import os
import subprocess

import pytest

from quality_hooks.model.diff_lines import DIFF_FEATURES, DIFF_LINE_FEATURES
from quality_hooks.model.features import CHANGE_FEATURE_NAMES, HISTORY_FEATURES, RANKS

T0 = 1_600_000_000
DAY = 86400
AUTHORS = ("ann@example.com", "bob@example.com")


def git(root: str, *args: str, when: int | None = None, author: str = AUTHORS[0]) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "Dev", "GIT_AUTHOR_EMAIL": author, "GIT_COMMITTER_NAME": "Dev",
           "GIT_COMMITTER_EMAIL": author}  # fmt: skip
    if when is not None:
        env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = f"@{when} +0000"
    done = subprocess.run(["git", *args], cwd=root, env=env, capture_output=True, text=True, check=True)
    return done.stdout.strip()


def module(n: int) -> str:
    body = "".join(f"\n\ndef f{i}(x):\n    if x > {i}:\n        return x - {i}\n    return {i}\n" for i in range(n))
    return f'"""Module."""\n{body}'


EDIT = "        try:\n            return x // 2\n        except:\n            return 0\n"
#: The form feed (an old page break, blank to Python) must not end a hunk in the hook: git's lines end at "\n".
CHANGED = module(6).replace("        return x - 2\n", EDIT).replace("\n\ndef f4", "\n\x0c\ndef f4")


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A repository with enough rows (> 50) for ranks, two authors and a fix; the change is its last commit."""
    root = str(tmp_path_factory.mktemp("skew"))
    git(root, "init", "-q", "-b", "main")
    when = T0
    for step in range(32):
        for name in ("a", "b"):
            path = os.path.join(root, "pkg", f"{name}.py")
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w") as handle:
                handle.write(module(2 + (step + (name == "b")) % 5))
        git(root, "add", "-A")
        message = "Fix crash in f1" if step % 7 == 3 else f"Step {step}"
        git(root, "commit", "-q", "-m", message, when=when, author=AUTHORS[step % 2])
        when += DAY
    with open(os.path.join(root, "pkg", "a.py"), "w") as handle:
        handle.write(CHANGED)
    with open(os.path.join(root, "pkg", "new.py"), "w") as handle:
        handle.write(module(3))
    parent = git(root, "rev-parse", "HEAD")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "Rework f2", when=when + DAY, author=AUTHORS[1])
    return {"root": root, "parent": parent, "change": git(root, "rev-parse", "HEAD")}


def _mined_row(history: dict[str, str], tmp: str) -> list[float]:
    from quality_hooks.mine.cli import main

    out = os.path.join(tmp, "dataset.csv.gz")
    assert main([history["root"], "--out", out, "--cache", os.path.join(tmp, "cache"), "--gap-days", "0"]) == 0
    with gzip.open(out, "rt", newline="") as handle:
        rows = list(csv.DictReader(handle))
    (row,) = [r for r in rows if r["commit"] == history["change"] and r["path"] == "pkg/a.py"]
    return [float(row[n]) if row[n] != "" else math.nan for n in CHANGE_FEATURE_NAMES]


def _pipeline_vector(root: str, *, staged: bool, base: str | None) -> tuple[list[float], float]:
    """The vector and risk ``run_check`` computes for pkg/a.py (hook: staged; CI: --base)."""
    from quality_hooks import git as qgit
    from quality_hooks.config import load_config
    from quality_hooks.model.change_risk import change_vectors
    from quality_hooks.pipeline import run_check

    cwd = os.getcwd()
    os.chdir(root)
    try:
        config = load_config(".", None)
        run = run_check([], config, base=base, staged=staged, use_baseline=False)
        change = qgit.collect_change(qgit.repo_root(root), base=base, staged=staged)
    finally:
        os.chdir(cwd)
    (result,) = [r for r in run.results if r.path.endswith(os.path.join("pkg", "a.py"))]
    assert result.score is not None
    vectors = change_vectors(run.results, change)
    return vectors[result.path], result.score.risk


def _risk(vector: list[float]) -> float:
    import numpy as np

    from quality_hooks.model.scorer import load_change_model

    model = load_change_model()
    columns = [CHANGE_FEATURE_NAMES.index(n) for n in model.names]
    return float(model.predict(np.array([[vector[c] for c in columns]]))[0])


def _same(a: list[float], b: list[float]) -> None:
    """Every feature the bundled model uses is the same (scoring computes no others)."""
    from quality_hooks.model.scorer import load_change_model

    used = set(load_change_model().names)
    for name, x, y in zip(CHANGE_FEATURE_NAMES, a, b, strict=True):
        if name not in used:
            continue
        assert (math.isnan(x) and math.isnan(y)) or x == pytest.approx(y, rel=1e-9, abs=1e-9), name


def test_one_change_three_ways_same_risk(history: dict[str, str], tmp_path) -> None:
    mined = _mined_row(history, str(tmp_path))
    named = dict(zip(CHANGE_FEATURE_NAMES, mined, strict=True))
    assert named["nf"] == 2 and named["file_la"] > 0 and named["exp"] > 0
    assert named["touched_functions"] == 4  # f2 edited, f3-f5 new
    kinds = [named[n] for n in DIFF_LINE_FEATURES]
    assert kinds[0] > 0 and kinds[3] > 0, "code and blank lines added"
    assert kinds[0] + kinds[2] + kinds[3] == named["file_la"], "every added line has one kind"
    assert not any(math.isnan(named[r]) for r in RANKS), "the fixture has enough history for ranks"

    hook = str(tmp_path / "hook")
    subprocess.run(["git", "clone", "-q", history["root"], hook], check=True)
    git(hook, "checkout", "-q", history["parent"])
    git(hook, "cherry-pick", "--no-commit", history["change"])
    git(hook, "config", "user.email", AUTHORS[1])
    staged_vector, staged_risk = _pipeline_vector(hook, staged=True, base=None)

    ci = str(tmp_path / "ci")
    subprocess.run(["git", "clone", "-q", history["root"], ci], check=True)
    ci_vector, ci_risk = _pipeline_vector(ci, staged=False, base=history["parent"])

    _same(mined, staged_vector)
    _same(mined, ci_vector)
    assert named["tok_add_kw_def"] >= 3 and named["tok_add_tokens"] > 0, "the new functions' tokens are counted"
    for name in DIFF_FEATURES:  # counted from git log -p in mining, from git diff -U0 in the hook and CI
        column = CHANGE_FEATURE_NAMES.index(name)
        assert mined[column] == staged_vector[column] == ci_vector[column], name
    assert _risk(staged_vector) == pytest.approx(_risk(mined), abs=1e-6)
    assert _risk(ci_vector) == pytest.approx(_risk(mined), abs=1e-6)
    assert staged_risk == ci_risk == round(_risk(mined), 4)


def test_shallow_clone_has_no_history_features(history: dict[str, str], tmp_path) -> None:
    shallow = str(tmp_path / "shallow")
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{history['root']}", shallow], check=True)
    with open(os.path.join(shallow, "pkg", "a.py"), "a") as handle:
        handle.write("\n\ndef extra():\n    return 1\n")
    git(shallow, "add", "-A")
    vector, risk = _pipeline_vector(shallow, staged=True, base=None)
    named = dict(zip(CHANGE_FEATURE_NAMES, vector, strict=True))
    assert all(math.isnan(named[n]) for n in (*HISTORY_FEATURES, *RANKS))
    assert named["file_la"] == 4 and 0.0 <= risk <= 1.0
    json.dumps(named, allow_nan=True)


def test_shallow_clone_compares_factors_with_the_training_projects(history: dict[str, str], tmp_path) -> None:
    """No history to compare with here: the change-risk sentences use the quantiles shipped with the model."""
    from quality_hooks.config import load_config
    from quality_hooks.model.scorer import load_change_model
    from quality_hooks.pipeline import run_check

    assert set(load_change_model().meta["quantiles"]) >= {"file_la", "la"}
    shallow = str(tmp_path / "shallow")
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{history['root']}", shallow], check=True)
    with open(os.path.join(shallow, "pkg", "a.py"), "a") as handle:
        handle.write("".join(f"\n\ndef extra_{n}(x):\n    return x + {n}\n" for n in range(40)))
    git(shallow, "add", "-A")
    cwd = os.getcwd()
    os.chdir(shallow)
    try:
        run = run_check([], load_config(".", None), staged=True, use_baseline=False)
    finally:
        os.chdir(cwd)
    (result,) = [r for r in run.results if r.path.endswith(os.path.join("pkg", "a.py"))]
    assert result.score is not None and result.score.factors
    texts = [str(f["text"]) for f in result.score.factors]
    assert any("in the training projects" in t for t in texts), texts
