"""The pre-commit entry points: honest exit codes, and verdicts that do not depend on chunking."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from conftest import GitRepo

BIN = Path(sys.executable).parent
GOOD = '"""Good."""\n\nVALUE = 1\n'
BAD = '"""Bad."""\n\n\ndef f(x):\n    """Doc."""\n    return undefined_name + x\n'


def hook(name: str, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / name), *args], cwd=cwd, capture_output=True, text=True, check=False)


def summaries(output: str) -> dict[str, str]:
    """Per-file summary lines, keyed by path."""
    return {line.split(":", 1)[0]: line for line in output.splitlines() if ": ok:" in line or ": FAILED:" in line}


def test_same_verdict_however_files_are_chunked(git_repo: GitRepo) -> None:
    for index in range(4):
        git_repo.write(f"good{index}.py", GOOD)
    git_repo.write("bad.py", BAD)
    git_repo.git("add", "-A")
    files = ["bad.py", *(f"good{i}.py" for i in range(4))]
    together = hook("quality-gate", "--no-model", *files, cwd=git_repo.path)
    assert together.returncode == 1
    chunked = [hook("quality-gate", "--no-model", *chunk, cwd=git_repo.path) for chunk in (files[:2], files[2:])]
    single = [hook("quality-gate", "--no-model", name, cwd=git_repo.path) for name in files]
    assert [r.returncode for r in chunked] == [1, 0]
    assert [r.returncode for r in single] == [1, 0, 0, 0, 0]
    by_file = summaries(together.stdout)
    for run in [*chunked, *single]:
        for path, line in summaries(run.stdout).items():
            assert by_file[path] == line


def test_fixer_exit_codes(tmp_path: Path) -> None:
    target = tmp_path / "m.py"
    target.write_text('"""M."""\n\n\ndef f(x):\n    """Doc."""\n    return f"x" if not x in (1,) else x\n')
    first = hook("quality-fix", str(target), cwd=tmp_path)
    assert (first.returncode, first.stdout.strip()) == (1, f"Fixing {target}")
    second = hook("quality-fix", str(target), cwd=tmp_path)
    assert (second.returncode, second.stdout) == (0, "")


def test_gate_outside_git_judges_everything(tmp_path: Path) -> None:
    (tmp_path / "bad.py").write_text(BAD)
    done = hook("quality-gate", "--no-model", "bad.py", cwd=tmp_path)
    assert done.returncode == 1
    assert "bad.py:6:12: F821" in done.stdout
