"""Configuration errors are errors: one line naming the key and the file, exit 2, before any file is touched."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from conftest import BIN, GitRepo, run_cli

from quality_hooks.config import ConfigError, ConfigFinder

FIXABLE = 'x = f"plain"\n'

#: pyproject.toml text -> what the one error line must say after the file's name.
MALFORMED = {
    "[tool]\nquality-hooks = 5\n": "[tool.quality-hooks]: expected a table, got 5",
    "tool = 5\n": "[tool]: expected a table, got 5",
    "[tool.quality-hooks]\nselect = 'QH1'\n": "select: expected a list of strings",
    "[tool.quality-hooks]\nselect = ['QH999']\n": "select: unknown rule code or group 'QH999'",
    "[tool.quality-hooks]\nignore = ['nope']\n": "ignore: unknown rule code or group 'nope'",
    "[tool.quality-hooks]\nrules = 5\n": "rules: expected a table of rule codes",
    "[tool.quality-hooks]\nrules.QH101 = 5\n": "rules.QH101: expected a table of options",
    "[tool.quality-hooks]\nrules.QH101.max-lines = 'x'\n": "rules.QH101.max-lines: expected int",
    "[tool.quality-hooks]\noverrides = 5\n": "overrides: expected an array of tables",
    "[tool.quality-hooks]\noverrides = [5]\n": "overrides[0]: expected a table",
    "[[tool.quality-hooks.overrides]]\npaths = ['t/']\nselect = ['QH999']\n": "overrides[0].select: unknown rule code",
    "[tool.quality-hooks]\ngate = 5\n": "gate: expected a table",
    "[tool.quality-hooks.gate]\nfail-rules = ['QH999']\n": "gate.fail-rules: unknown rule code or prefix 'QH999'",
    "[tool.quality-hooks.gate]\nfail-rules = ['F9999']\n": "gate.fail-rules: unknown rule code or prefix 'F9999'",
    "[tool.quality-hooks.gate]\nmax-complexity = 'high'\n": "gate.max-complexity: expected a number or a table",
    "[tool.quality-hooks]\nruff-select = ['F', 'XYZ1']\n": "ruff-select: unknown ruff rule code or prefix 'XYZ1'",
    "[tool.quality-hooks]\nruff-ignore = ['E9999']\n": "ruff-ignore: unknown ruff rule code or prefix 'E9999'",
    "[tool.quality-hooks]\nmax-file-size = -1\n": "max-file-size: expected a positive integer",
    "[tool.quality-hooks]\nfile-timeout = 0\n": "file-timeout: expected a positive number of seconds",
    "[tool.quality-hooks]\nexclude = 'tests'\n": "exclude: expected a list of strings",
    "[tool.quality-hooks\n": "invalid TOML",
}


@pytest.mark.parametrize("text", list(MALFORMED), ids=range(len(MALFORMED)))
def test_malformed_table_is_a_config_error_naming_key_and_file(tmp_path: Path, text: str) -> None:
    (tmp_path / "pyproject.toml").write_text(text)
    with pytest.raises(ConfigError) as caught:
        ConfigFinder(start=str(tmp_path)).for_path(str(tmp_path / "mod.py"))
    message = str(caught.value)
    assert "\n" not in message and str(tmp_path / "pyproject.toml") in message and MALFORMED[text] in message


@pytest.mark.parametrize("text", ["[tool]\nquality-hooks = 5\n", "[tool.quality-hooks.gate]\nfail-rules = ['F9999']\n"])
def test_commands_exit_2_with_one_line_and_touch_nothing(tmp_path: Path, text: str) -> None:
    (tmp_path / "pyproject.toml").write_text(text)
    target = tmp_path / "mod.py"
    target.write_text(FIXABLE)
    for command in (["check", "--no-model"], ["fix"]):
        done = run_cli(*command, "mod.py", cwd=tmp_path)
        assert done.returncode == 2, (command, done.stdout, done.stderr)
        lines = done.stderr.splitlines()
        assert len(lines) == 1 and MALFORMED[text] in lines[0] and "internal error" not in lines[0], lines
    assert target.read_text() == FIXABLE


def test_known_ruff_codes_and_prefixes_are_accepted(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        "[tool.quality-hooks]\nruff-select = ['F', 'E9', 'PLE', 'UP006']\n"
        "[tool.quality-hooks.gate]\nfail-rules = ['QH2', 'F821', 'E9']\n"
    )
    (tmp_path / "mod.py").write_text('"""Doc."""\n')
    assert run_cli("check", "--no-model", "mod.py", cwd=tmp_path).returncode == 0


def test_broken_config_below_stops_fix_before_any_file_is_written(git_repo: GitRepo) -> None:
    """A broken ``sub/pyproject.toml``: one line and exit 2 in check, fix and both hooks (staged), a.py untouched."""
    git_repo.write("a.py", FIXABLE)
    git_repo.write("sub/pyproject.toml", "[tool.quality-hooks\n")
    git_repo.write("sub/b.py", FIXABLE)
    git_repo.git("add", "-A")
    runs = [run_cli("fix", ".", cwd=git_repo.path), run_cli("check", "--no-model", ".", cwd=git_repo.path)]
    for hook in ("quality-gate", "quality-fix"):
        args = [str(BIN / hook), *(["--no-model"] if hook == "quality-gate" else []), "a.py", "sub/b.py"]
        runs.append(subprocess.run(args, cwd=git_repo.path, capture_output=True, text=True, check=False))
    for done in runs:
        lines = done.stderr.splitlines()
        assert done.returncode == 2 and len(lines) == 1 and "sub/pyproject.toml: invalid TOML" in lines[0], done.args
    assert (git_repo.path / "a.py").read_text() == FIXABLE
