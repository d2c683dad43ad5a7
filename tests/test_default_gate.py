"""Issue 13: with no configuration, a new bug-risk finding fails the gate; legacy code does not.

Real git repositories, real ruff, the real ``check`` command and ``quality-gate`` hook; no
``pyproject.toml`` anywhere, so every verdict here is the defaults'.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from conftest import GitRepo, run_cli

BIN = Path(sys.executable).parent

#: The issue's sample: a bare except, a mutable default, ``== None``, ``type(x) == int``, deep nesting.
SAMPLE = """\
def load(path, cache=[]):
    try:
        data = path.read()
    except:
        data = None
    if data == None:
        return cache
    if type(data) == int:
        return [data]
    for a in data:
        if a:
            for b in a:
                if b:
                    while b:
                        if b > 1:
                            if b > 2:
                                cache.append(b)
                        b -= 1
    return cache
"""
#: A module with an untouched bare except and only readability findings elsewhere.
LEGACY = '''\
"""Legacy."""


def old(path):
    """Doc."""
    try:
        return path.read()
    except:
        return None


VALUE = 1
'''


def critical_lines(output: str) -> list[str]:
    return re.findall(r"^  critical: (line \d+: \S+.*)$", output, re.MULTILINE)


def test_sample_fails_whole_file_with_one_reason_per_bug_risk_finding(tmp_path: Path) -> None:
    (tmp_path / "sample.py").write_text(SAMPLE)
    done = run_cli("check", "--no-model", "sample.py", cwd=tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    reasons = critical_lines(done.stdout)
    assert [reason.split(" ")[2] for reason in reasons] == ["QH201", "QH202", "QH204"], done.stdout
    assert "QH201 (B006)" in reasons[0]
    # Readability, style and complexity findings are listed but never fail the gate by default.
    assert "QH306" in done.stdout and "QH105" in done.stdout and "QH301" in done.stdout
    assert (
        done.stdout.rstrip()
        .splitlines()[-1]
        .startswith("quality gate failed (1 file, level critical): sample.py: line 1: QH201 (B006) Mutable default")
    )


def test_readability_alone_passes(tmp_path: Path) -> None:
    (tmp_path / "style.py").write_text(
        "def f(x):\n    if type(x) == int:\n        return f'{str(x)}'\n    return None\n"
    )
    done = run_cli("check", "--no-model", "style.py", cwd=tmp_path)
    assert done.returncode == 0, done.stdout
    assert "QH306" in done.stdout and "QH313" in done.stdout


def legacy_repo(repo: GitRepo) -> None:
    repo.write("legacy.py", LEGACY)
    repo.commit("legacy")


def test_untouched_legacy_bare_except_passes_base_and_hook(git_repo: GitRepo) -> None:
    legacy_repo(git_repo)
    git_repo.write("legacy.py", LEGACY.replace("VALUE = 1", "VALUE = 2"))
    git_repo.commit("unrelated change")
    done = run_cli("check", "--no-model", "--base", "HEAD~1", cwd=git_repo.path)
    assert done.returncode == 0, done.stdout
    git_repo.write("legacy.py", LEGACY.replace("VALUE = 1", "VALUE = 3"))
    git_repo.git("add", "legacy.py")
    hook = subprocess.run(
        [str(BIN / "quality-gate"), "--no-model", "legacy.py"], cwd=git_repo.path, capture_output=True, text=True
    )
    assert hook.returncode == 0, hook.stdout
    # The same file judged whole fails on its legacy bare except.
    assert run_cli("check", "--no-model", "legacy.py", cwd=git_repo.path).returncode == 1


def test_new_bare_except_fails_base_and_hook(git_repo: GitRepo) -> None:
    legacy_repo(git_repo)
    added = LEGACY + "\n\ndef new(path):\n    try:\n        return path.read()\n    except:\n        return 0\n"
    git_repo.write("legacy.py", added)
    git_repo.commit("adds another bare except")
    done = run_cli("check", "--no-model", "--base", "HEAD~1", cwd=git_repo.path)
    assert done.returncode == 1, done.stdout
    assert [reason.split(" ")[:3] for reason in critical_lines(done.stdout)] == [["line", "18:", "QH202"]]
    git_repo.write("legacy.py", added + "\n\ndef newer(x=[]):\n    return x\n")
    git_repo.git("add", "legacy.py")
    hook = subprocess.run(
        [str(BIN / "quality-gate"), "--no-model", "legacy.py"], cwd=git_repo.path, capture_output=True, text=True
    )
    assert hook.returncode == 1, hook.stdout
    assert [reason.split(" ")[2] for reason in critical_lines(hook.stdout)] == ["QH201"]


def test_show_settings_prints_the_effective_gate(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("X = 1\n")
    done = run_cli("check", "--show-settings", "a.py", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "# from: defaults" in done.stdout
    assert 'fail-rules = ["QH2", "F", "E9", "PLE", "B"]' in done.stdout
    assert "max-complexity = { warning = 15, critical = 25 }" in done.stdout
    (tmp_path / "pyproject.toml").write_text(
        '[tool.quality-hooks]\ndedupe = false\n[tool.quality-hooks.gate]\nfail-rules = ["QH202"]\n'
    )
    done = run_cli("check", "--show-settings", "a.py", cwd=tmp_path)
    assert f"# from: {tmp_path / 'pyproject.toml'}" in done.stdout
    assert 'fail-rules = ["QH202"]' in done.stdout and "dedupe = false" in done.stdout
