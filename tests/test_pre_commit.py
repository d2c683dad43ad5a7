"""Real pre-commit runs against this checkout, as a team would configure it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, GitRepo, run_cli

pytestmark = pytest.mark.slow

BAD = '''"""A module."""


def compare(value):
    """Doc."""
    if not value in (1, 2):
        return value == None
    return f"constant"
'''

CONFIG = """\
[tool.quality-hooks]
fix-policy = { QH204 = "safe" }  # a team's choice: QH204's fix is unsafe by default
[tool.quality-hooks.gate]
fail-rules = ["QH", "F"]
"""


def pre_commit(repo: GitRepo, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PRE_COMMIT_HOME": str(home), "PRE_COMMIT_COLOR": "never"}
    exe = shutil.which("pre-commit", path=str(Path(sys.executable).parent)) or "pre-commit"
    return subprocess.run([exe, "run", *args], cwd=repo.path, capture_output=True, text=True, env=env, check=False)


@pytest.fixture(scope="module")
def hook_rev() -> str:
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=False)
    if head.returncode != 0:
        pytest.skip("this checkout has no commit for pre-commit to install")
    return head.stdout.strip()


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pre-commit-home")


def make_repo(path: Path, rev: str) -> GitRepo:
    repo = GitRepo(path)
    repo.write(
        ".pre-commit-config.yaml",
        f"repos:\n- repo: {ROOT}\n  rev: {rev}\n  hooks:\n  - id: quality-fix\n  - id: quality-gate\n",
    )
    repo.write("pyproject.toml", CONFIG)
    return repo


def test_fix_then_pass(tmp_path: Path, hook_rev: str, pre_commit_home: Path) -> None:
    repo = make_repo(tmp_path / "repo", hook_rev)
    repo.write("clean.py", '"""Clean."""\n\nVALUE = 1\n')
    repo.write("bad.py", BAD)
    repo.git("add", "-A")

    first = pre_commit(repo, pre_commit_home, "--all-files")
    assert first.returncode == 1, first.stdout + first.stderr
    assert "Fixing bad.py" in first.stdout
    fixed = (repo.path / "bad.py").read_text()
    assert "value not in (1, 2)" in fixed and "value is None" in fixed
    assert "Fixing clean.py" not in first.stdout

    repo.git("add", "-A")
    second = pre_commit(repo, pre_commit_home, "--all-files")
    assert second.returncode == 0, second.stdout + second.stderr


def test_gate_reports_codes_and_fails(tmp_path: Path, hook_rev: str, pre_commit_home: Path) -> None:
    repo = make_repo(tmp_path / "repo", hook_rev)
    repo.write("bad.py", BAD)
    repo.git("add", "-A")
    done = pre_commit(repo, pre_commit_home, "quality-gate", "--all-files")
    assert done.returncode == 1
    for line in ("bad.py:6:", "bad.py:7:"):
        assert line in done.stdout, done.stdout
    assert "quality gate failed" in done.stdout


def test_same_verdict_in_hook_and_in_ci(tmp_path: Path, hook_rev: str, pre_commit_home: Path) -> None:
    repo = make_repo(tmp_path / "repo", hook_rev)
    repo.write("mod.py", '"""Mod."""\n\n\ndef old(value):\n    """Doc."""\n    return value == None\n')
    repo.commit("legacy")
    verdicts = []
    for change, expected in (
        ('\n\ndef ok(value):\n    """Doc."""\n    return value\n', 0),
        ('\n\ndef bad(value):\n    """Doc."""\n    return undefined_name\n', 1),
    ):
        repo.write("mod.py", (repo.path / "mod.py").read_text() + change)
        repo.git("add", "mod.py")
        hook = pre_commit(repo, pre_commit_home, "quality-gate")
        repo.commit("change")
        ci = run_cli("check", "--base", "HEAD~1", "--format", "json", cwd=repo.path)
        report = json.loads(ci.stdout)
        verdicts.append((hook.returncode, ci.returncode, expected))
        reasons = [r["message"] for f in report["files"] for r in f["gate"]["reasons"]]
        if expected:
            assert any("F821" in r for r in reasons), reasons
            assert "F821" in hook.stdout
    assert all(hook == ci == expected for hook, ci, expected in verdicts), verdicts
