"""The CLI as users run it: output formats, exit codes, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from conftest import ROOT, run_cli

BAD = '"""Mod."""\n\n\ndef f(a):\n    """Doc."""\n    if not a in (1, 2):\n        return f"none"\n    return a\n'
NO_RUFF = "[tool.quality-hooks]\nruff = false\n"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text(NO_RUFF)
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "bad.py").write_text(BAD)
    (tmp_path / "pkg" / "good.py").write_text('"""Good."""\n\nVALUE = 1\n')
    return tmp_path


def test_text_lines_and_summary(project: Path) -> None:
    done = run_cli("check", "pkg", "--no-model", cwd=project)
    lines = done.stdout.splitlines()
    assert "pkg/bad.py:6:8: QH305 Use `x not in y` / `x is not y` instead of negating the comparison" in lines
    assert any(line.startswith("pkg/bad.py:7:16: QH304") for line in lines)
    assert any(line.startswith("pkg/good.py: ok") for line in lines)
    assert lines[-1].startswith("quality gate passed")
    assert done.returncode == 0


def test_gitignore_and_excludes_are_honoured(project: Path) -> None:
    (project / ".gitignore").write_text("generated/\n")
    (project / "generated").mkdir()
    (project / "generated" / "x.py").write_text("x = (\n")
    (project / "pyproject.toml").write_text(NO_RUFF + 'exclude = ["pkg/good.py"]\n')
    done = run_cli("check", ".", "--no-model", cwd=project)
    assert "generated" not in done.stdout
    assert "good.py" not in done.stdout
    assert "bad.py" in done.stdout


def test_json_report_matches_schema(project: Path) -> None:
    done = run_cli("check", "pkg", "--format", "json", "--no-model", cwd=project)
    report = json.loads(done.stdout)
    schema = json.loads((ROOT / "quality_hooks" / "report" / "report.schema.json").read_text())
    jsonschema.validate(report, schema)
    bad = next(f for f in report["files"] if f["path"].endswith("bad.py"))
    assert {f["code"] for f in bad["findings"]} >= {"QH304", "QH305"}
    assert all(f["fixable"] for f in bad["findings"] if f["code"] in {"QH304", "QH305"})
    assert bad["metrics"]["sloc"] > 0
    assert report["schema_version"] == 1


def test_sarif_is_valid_2_1_0(project: Path) -> None:
    done = run_cli("check", "pkg", "--format", "sarif", "--no-model", cwd=project)
    sarif = json.loads(done.stdout)
    schema = json.loads((Path(__file__).parent / "data" / "sarif-2.1.0.schema.json").read_text())
    jsonschema.validate(sarif, schema)
    run = sarif["runs"][0]
    rules = {rule["id"]: rule for rule in run["tool"]["driver"]["rules"]}
    assert rules["QH305"]["help"]["text"]
    result = next(r for r in run["results"] if r["ruleId"] == "QH305")
    assert result["level"] == "warning"
    assert result["locations"][0]["physicalLocation"]["region"]["startLine"] == 6


def test_bad_inputs_are_one_line_and_others_still_processed(project: Path) -> None:
    (project / "pkg" / "syntax.py").write_text("def broken(:\n    pass\n")
    (project / "pkg" / "binary.py").write_bytes(b"x = '\xff'\n")
    (project / "pkg" / "nul.py").write_bytes(b"x = 1\x00\n")
    (project / "pkg" / "empty.py").write_bytes(b"")
    (project / "notes.txt").write_text("hello\n")
    done = run_cli("check", "pkg", "missing.py", "--no-model", cwd=project)
    assert done.returncode == 1
    assert "Traceback" not in done.stdout + done.stderr
    out = done.stdout
    assert "pkg/syntax.py:1:12: syntax error" in out
    assert "pkg/binary.py: cannot decode as utf-8" in out
    assert "pkg/nul.py: contains NUL bytes" in out
    assert "missing.py: no such file" in out
    assert "pkg/bad.py:6:8: QH305" in out
    assert "pkg/empty.py: ok" in out


def test_config_error_is_exit_2(project: Path) -> None:
    (project / "pyproject.toml").write_text("[tool.quality-hooks]\nbogus = 1\n")
    done = run_cli("check", "pkg", cwd=project)
    assert done.returncode == 2
    assert "unknown key 'bogus'" in done.stderr
    assert "Traceback" not in done.stderr


def test_usage_errors_are_exit_2(project: Path) -> None:
    assert run_cli("check", "--format", "xml", cwd=project).returncode == 2
    assert run_cli("nonsense", cwd=project).returncode == 2


def test_rules_listing(project: Path) -> None:
    rows = json.loads(run_cli("rules", "--format", "json").stdout)
    assert len(rows) >= 25
    assert sum(1 for r in rows if r["fixable"]) >= 12
    for row in rows:
        assert row["code"].startswith("QH") and row["description"] and row["severity"] in {"info", "warning", "error"}
    text = run_cli("rules").stdout
    assert "QH305" in text


def test_quality_ignore_comments(project: Path) -> None:
    text = BAD.replace("if not a in (1, 2):", "if not a in (1, 2):  # quality: ignore[QH305]")
    text = text.replace('        return f"none"', '        # quality: ignore\n        return f"none"')
    (project / "pkg" / "bad.py").write_text(text)
    done = run_cli("check", "pkg/bad.py", "--no-model", cwd=project)
    assert "QH305" not in done.stdout and "QH304" not in done.stdout
