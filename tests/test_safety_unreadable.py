"""Unreadable files: one clear line naming the file, the same in ``check``, ``fix`` and the hooks.

The tests run as root, who reads any file whatever its mode. So the commands run without the
two capabilities that let root ignore file permissions (``setpriv`` drops CAP_DAC_OVERRIDE and
CAP_DAC_READ_SEARCH from the bounding set): a mode-000 file is then really unreadable to them,
while the interpreter and the venv stay reachable. A non-root user needs no such help.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import BIN, GitRepo

FIXABLE = '"""Doc."""\n\nx = f"plain"\n'
FIXED = '"""Doc."""\n\nx = "plain"\n'
CLEAN = '"""Doc."""\n'


def _without_read_override() -> list[str]:
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv (util-linux): cannot make a file unreadable to the command")
    return [setpriv, "--bounding-set=-dac_override,-dac_read_search", "--inh-caps=-dac_override,-dac_read_search"]


def run_unprivileged(name: str, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run one of the project's entry points so that permission bits hold for it, even as root."""
    command = [*_without_read_override(), str(BIN / name), *args]
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False, timeout=300)


@pytest.fixture
def unreadable_source(git_repo: GitRepo) -> GitRepo:
    """``locked.py`` staged clean, then made unreadable on disk; ``open.py`` is fixable and readable."""
    git_repo.write("locked.py", CLEAN)
    git_repo.write("open.py", FIXABLE)
    git_repo.git("add", "locked.py", "open.py")
    (git_repo.path / "locked.py").chmod(0)
    probe = run_unprivileged("quality-hooks", "--help", cwd=git_repo.path)
    assert probe.returncode == 0, probe.stderr  # the entry point itself is reachable
    return git_repo


def test_check_names_the_unreadable_file_and_judges_the_others(unreadable_source: GitRepo) -> None:
    done = run_unprivileged("quality-hooks", "check", "--no-model", "locked.py", "open.py", cwd=unreadable_source.path)
    assert done.returncode == 1
    assert "locked.py: cannot read: Permission denied" in done.stdout.splitlines()
    assert "open.py:3:5: QH304 (F541) f-string without placeholders" in done.stdout
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("entry", [("quality-hooks", "fix"), ("quality-fix",)], ids=["fix", "quality-fix hook"])
def test_fix_names_the_unreadable_file_and_fixes_the_others(unreadable_source: GitRepo, entry: tuple[str, ...]) -> None:
    done = run_unprivileged(*entry, "locked.py", "open.py", cwd=unreadable_source.path)
    assert done.returncode == 1
    assert done.stderr.splitlines() == ["locked.py: cannot read: Permission denied"]
    assert (unreadable_source.path / "open.py").read_text() == FIXED


def test_gate_judges_the_staged_blob_of_an_unreadable_file(unreadable_source: GitRepo) -> None:
    """The hook reads what is committed (the index), which git can read; README says so."""
    done = run_unprivileged("quality-gate", "--no-model", "locked.py", "open.py", cwd=unreadable_source.path)
    assert done.returncode == 1  # open.py's f-string is new code at the critical level
    assert "cannot read" not in done.stdout + done.stderr
    assert any(line.startswith("locked.py: ok") for line in done.stdout.splitlines()), done.stdout
    assert "open.py:3:5: QH304" in done.stdout


@pytest.mark.parametrize(
    "entry",
    [
        ("quality-hooks", "check", "--no-model"),
        ("quality-hooks", "fix"),
        ("quality-gate", "--no-model"),
        ("quality-fix",),
    ],
    ids=["check", "fix", "quality-gate", "quality-fix"],
)
@pytest.mark.parametrize("where", [".", "sub"])
def test_unreadable_pyproject_stops_every_command_before_any_file(
    git_repo: GitRepo, entry: tuple[str, ...], where: str
) -> None:
    git_repo.write("top.py", FIXABLE)
    git_repo.write(f"{where}/pyproject.toml", "[tool.quality-hooks]\n")
    git_repo.write("sub/inner.py", FIXABLE)
    git_repo.git("add", ".")
    config = git_repo.path / where / "pyproject.toml"
    config.chmod(0)
    done = run_unprivileged(*entry, "top.py", "sub/inner.py", cwd=git_repo.path)
    assert done.returncode == 2, (done.stdout, done.stderr)
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].endswith(f": {config}: cannot read: Permission denied"), lines
    assert (git_repo.path / "top.py").read_text() == FIXABLE
    assert (git_repo.path / "sub" / "inner.py").read_text() == FIXABLE
