"""The reporter registry: every format renders a real run through the one signature."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from quality_hooks.config import load_config
from quality_hooks.pipeline import run_check
from quality_hooks.report import FORMATS, ReportOptions, render


def test_every_format_renders_the_same_run(tmp_path: Path) -> None:
    source = tmp_path / "mod.py"
    source.write_text('"""Doc."""\n\n\ndef f(a, b=[]):\n    """Doc."""\n    return a == None\n')
    run = run_check([str(source)], load_config(str(tmp_path)), use_model=False, use_baseline=False)
    run.notes.append("a note for the reader")
    reports = {fmt: render(run, fmt, ReportOptions()) for fmt in FORMATS}
    assert set(reports) == {"text", "json", "sarif"}
    codes = {f.code for f in run.results[0].findings}
    assert {"QH201", "QH204"} <= codes
    text = reports["text"].splitlines()
    assert text[0] == "note: a note for the reader" and text[-1].startswith("quality gate ")
    # Finding lines name the file; the gate's reason lines below the file's summary are indented.
    assert all(f"{source}:" in line for line in text[1:] if " QH" in line and not line.startswith("  "))
    assert "  critical: line 4: QH201 (B006) Mutable default for `b`" in reports["text"]
    report = json.loads(reports["json"])
    assert report["context"]["notes"] == ["a note for the reader"]
    assert {f["code"] for f in report["files"][0]["findings"]} == codes
    sarif = json.loads(reports["sarif"])
    assert {r["ruleId"] for r in sarif["runs"][0]["results"]} == codes


def test_an_unknown_format_is_named(tmp_path: Path) -> None:
    run = run_check([], load_config(str(tmp_path)), use_model=False, use_baseline=False, cwd=str(tmp_path))
    with pytest.raises(ValueError, match="unknown report format 'xml'; expected one of text, json, sarif"):
        render(run, "xml")


def test_text_totals_by_group_with_safe_and_unsafe_fixes(tmp_path: Path) -> None:
    source = tmp_path / "mod.py"
    body = '    """Doc."""\n    try:\n        return a == None\n    except:\n        return f"x"\n'
    source.write_text('"""Doc."""\n\n\ndef f(a):\n' + body)
    run = run_check([str(source)], load_config(str(tmp_path)), use_model=False, use_baseline=False)
    lines = render(run, "text", ReportOptions()).splitlines()
    # QH202 and QH304 (F541) have safe fixes, QH204's is unsafe.
    assert lines[-2] == (
        "3 findings (2 bug-risk, 1 readability); 2 fixable with quality-hooks fix;"
        " 1 more with quality-hooks fix --unsafe-fixes"
    )
    assert lines[-1].startswith("quality gate failed (1 file, level critical): ")
