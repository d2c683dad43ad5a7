"""The ruff runner, against the real ruff binary on temporary files."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import pytest

from quality_hooks.analysis.ruff_runner import RUFF_ENV, RuffRun, chunk_paths, find_ruff, severity_for
from quality_hooks.analysis.rules.runner import fingerprint
from quality_hooks.config import Config
from quality_hooks.results import Severity

SAMPLE = """\
import os


def f(items=[]):
    unused = 1
    return undefined_name
"""


def write(directory: Path, name: str, text: str) -> str:
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def run(paths: list[str], config: Config | None = None, executable: str | None = None) -> dict:
    return RuffRun.start(paths, config or Config(), executable=executable).results()


def by_code(findings: list) -> dict:
    return {finding.code: finding for finding in findings}


def test_ruff_is_found() -> None:
    binary = find_ruff()
    assert binary and os.access(binary, os.X_OK)


def test_codes_positions_and_severities(tmp_path: Path) -> None:
    path = write(tmp_path, "sample.py", SAMPLE)
    run_ = RuffRun.start([path], Config())
    assert len(run_.processes) == 1
    findings = run_.results()[os.path.abspath(path)]
    found = by_code(findings)
    assert set(found) == {"F401", "B006", "F841", "F821"}
    unused_import = found["F401"]
    assert (unused_import.line, unused_import.column, unused_import.end_line, unused_import.end_column) == (1, 8, 1, 10)
    assert unused_import.source == "ruff" and unused_import.fixable
    assert unused_import.severity is Severity.WARNING
    assert found["F821"].severity is Severity.ERROR and not found["F821"].fixable
    assert found["B006"].line == 4
    lines = SAMPLE.splitlines()
    assert found["F841"].fingerprint == fingerprint("F841", lines, 5, 5)
    assert [f.line for f in findings] == sorted(f.line for f in findings)


def test_suppression_comments_on_the_line_and_above(tmp_path: Path) -> None:
    text = SAMPLE.replace("import os", "import os  # quality: ignore[F401]").replace(
        "    unused = 1", "    # quality: ignore[F841, B006]\n    unused = 1"
    )
    text = text.replace("    return undefined_name", "    return undefined_name  # quality: ignore")
    path = write(tmp_path, "sample.py", text)
    assert set(by_code(run([path])[os.path.abspath(path)])) == {"B006"}


def test_select_and_ignore_come_from_our_config_not_ruffs(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.ruff.lint]\nignore = ["F"]\n', encoding="utf-8")
    path = write(tmp_path, "sample.py", SAMPLE)
    assert set(by_code(run([path])[os.path.abspath(path)])) == {"F401", "B006", "F841", "F821"}
    config = Config(ruff_select=["F"], ruff_ignore=["F841"])
    assert set(by_code(run([path], config)[os.path.abspath(path)])) == {"F401", "F821"}


def test_syntax_errors_and_missing_files_are_left_to_our_reader(tmp_path: Path) -> None:
    good = write(tmp_path, "good.py", SAMPLE)
    broken = write(tmp_path, "broken.py", "def broken(:\n    pass\n")
    missing = str(tmp_path / "missing.py")
    results = run([broken, good, missing])
    assert set(results) == {os.path.abspath(good)}


def test_relative_paths_are_keyed_absolute(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, "sample.py", SAMPLE)
    monkeypatch.chdir(tmp_path)
    assert list(run(["sample.py"])) == [str(tmp_path / "sample.py")]


def test_missing_binary_warns_once_and_continues(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "sample.py", SAMPLE)
    assert run([path], executable=str(tmp_path / "no-such-ruff")) == {}
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "ruff findings skipped" in err


def test_environment_override_is_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.setenv(RUFF_ENV, str(tmp_path / "elsewhere" / "ruff"))
    assert run([write(tmp_path, "sample.py", SAMPLE)]) == {}
    assert "cannot run ruff" in capsys.readouterr().err


@pytest.mark.skipif(sys.platform == "win32", reason="shell script stands in for a broken ruff")
@pytest.mark.parametrize(
    ("script", "message"),
    [("echo 'ruff: boom' >&2; exit 2", "exited with status 2: ruff: boom"), ("echo 'not json'", "not JSON")],
)
def test_failing_ruff_names_the_file_and_yields_nothing(tmp_path: Path, script: str, message: str) -> None:
    fake = tmp_path / "ruff"
    fake.write_text(f"#!/bin/sh\n{script}\n", encoding="utf-8")
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    sample = write(tmp_path, "sample.py", SAMPLE)
    ruff = RuffRun.start([sample], Config(), executable=str(fake))
    assert ruff.results() == {}
    assert message in ruff.failures[sample]


def test_no_paths_starts_nothing() -> None:
    run_ = RuffRun.start([], Config())
    assert run_.processes == [] and run_.results() == {}


def test_chunking_keeps_one_list_when_it_fits() -> None:
    paths = [f"dir/file{i}.py" for i in range(100)]
    assert chunk_paths(paths, 1_000_000) == [paths]
    chunks = chunk_paths(paths, 200)
    assert [p for chunk in chunks for p in chunk] == paths
    assert all(sum(len(p) + 1 for p in chunk) <= 200 for chunk in chunks)
    assert len(chunks) > 1


def test_severity_mapping() -> None:
    assert severity_for("E999") is Severity.ERROR
    assert severity_for("F632") is Severity.ERROR
    assert severity_for("F706") is Severity.ERROR
    assert severity_for("F821") is Severity.ERROR
    assert severity_for("F401") is Severity.WARNING
    assert severity_for("E501") is Severity.WARNING


def test_target_version_follows_requires_python(tmp_path: Path) -> None:
    """A project that supports 3.8 is never told to write ``int | None``."""
    from quality_hooks.config import load_config

    source = tmp_path / "mod.py"
    source.write_text("from typing import Optional\n\n\ndef f(x: Optional[int]) -> None:\n    return None\n")
    codes = {}
    for requires in (">=3.8", ">=3.10"):
        (tmp_path / "pyproject.toml").write_text(
            f'[project]\nname = "x"\nrequires-python = "{requires}"\n[tool.quality-hooks]\nruff-select = ["UP"]\n'
        )
        load_config.cache_clear()
        config = load_config(str(tmp_path))
        found = RuffRun.start([str(source)], config).results()
        codes[requires] = {f.code for f in found.get(str(source), [])}
    assert codes[">=3.8"] == set()
    assert codes[">=3.10"] & {"UP007", "UP045"}
