"""Fix safety classes: safe fixes keep behaviour and line numbers; unsafe ones only on request.

Also the comment matrix: a pragma-like comment ending any line of any rule's
example either stays on a line of code or the fix is not applied.
"""

from __future__ import annotations

import json
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
from conftest import run_cli

from quality_hooks.analysis.rules import all_rules
from quality_hooks.analysis.rules.base import FIX_SAFETIES, Invalid, Rule
from quality_hooks.analysis.rules.testing import example_source
from quality_hooks.config import Config, ConfigError, parse_config
from quality_hooks.fix import fix_text

RULES = all_rules()
FIXABLE = [rule for rule in RULES.values() if rule.FIXABLE]

#: A class whose ``__len__`` raises: ``[x for x in obj]`` works, ``list(obj)`` does not.
LEN_RAISES = """\
class Stream:
    def __iter__(self):
        return iter([1, 2])

    def __len__(self):
        raise ValueError("unknown length")


print([x for x in Stream()])
"""


def _run(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(path)], capture_output=True, text=True, check=False)


@pytest.mark.parametrize("rule", FIXABLE, ids=lambda r: r.CODE)
def test_every_fix_has_a_class_and_a_reason(rule: type[Rule]) -> None:
    assert rule.FIX_SAFETY in FIX_SAFETIES
    assert rule.FIX_REASON and "\n" not in rule.FIX_REASON and rule.FIX_REASON.endswith(".")


def test_rules_command_shows_class_and_reason() -> None:
    done = run_cli("rules", "--format", "json")
    rows = {row["code"]: row for row in json.loads(done.stdout)}
    assert rows["QH308"]["fix_safety"] == "unsafe" and "__len__" in rows["QH308"]["fix_reason"]
    assert rows["QH314"]["fix_safety"] == "safe"
    assert rows["QH101"]["fix_safety"] is None
    text = run_cli("rules").stdout
    assert any(line.startswith("QH308") and " unsafe " in line for line in text.splitlines())


def test_qh314_keeps_line_numbers(tmp_path: Path) -> None:
    target = tmp_path / "mod.py"
    target.write_text("# -*- coding: utf-8 -*-\nimport sys\nprint(sys._getframe().f_lineno)\n")
    before = _run(target).stdout
    assert run_cli("fix", str(target)).returncode == 1
    assert target.read_text() == "\nimport sys\nprint(sys._getframe().f_lineno)\n"
    assert _run(target).stdout == before == "3\n"


def test_unsafe_fix_needs_the_flag_or_a_policy(tmp_path: Path) -> None:
    target = tmp_path / "mod.py"
    target.write_text(LEN_RAISES)
    assert _run(target).returncode == 0
    default = run_cli("fix", str(target))
    assert default.returncode == 0 and target.read_text() == LEN_RAISES
    assert "1 unsafe fixes not applied (QH308): --unsafe-fixes applies them" in default.stderr
    assert run_cli("fix", "--unsafe-fixes", str(target)).returncode == 1
    assert "list(Stream())" in target.read_text()
    assert "unknown length" in _run(target).stderr  # why it is unsafe

    target.write_text(LEN_RAISES)
    (tmp_path / "pyproject.toml").write_text('[tool.quality-hooks]\nfix-policy = { QH308 = "safe" }\n')
    assert run_cli("fix", str(target)).returncode == 1 and "list(Stream())" in target.read_text()
    target.write_text(LEN_RAISES)
    (tmp_path / "pyproject.toml").write_text('[tool.quality-hooks]\nfix-policy = { QH308 = "off" }\n')
    assert run_cli("fix", "--unsafe-fixes", str(target)).returncode == 0 and target.read_text() == LEN_RAISES


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"fix-policy": {"QH999": "safe"}}, "fix-policy.QH999: unknown rule code"),
        ({"fix-policy": {"QH101": "safe"}}, "fix-policy.QH101: this rule has no fix"),
        ({"fix-policy": {"QH308": "always"}}, "fix-policy.QH308: expected one of safe, unsafe, off"),
        ({"fix-policy": ["QH308"]}, "fix-policy: expected a table"),
        ({"unsafe-fixes": "yes"}, "unsafe-fixes: expected true or false"),
    ],
)
def test_bad_fix_settings_are_errors(table: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_config(table, "pyproject.toml")


def _invalid_with_fix() -> list[tuple[type[Rule], int, Invalid]]:
    return [
        (rule, index, example)
        for rule in FIXABLE
        for index, example in enumerate(rule.INVALID)
        if example.expected_fix is not None
    ]


@pytest.mark.parametrize("case", _invalid_with_fix(), ids=lambda c: f"{c[0].CODE}-{c[1]}")
def test_safe_fixes_never_shift_lines(case: tuple[type[Rule], int, Invalid]) -> None:
    rule, _, example = case
    code = example_source(example.code)
    outcome = fix_text(code, "example.py", Config(select=[rule.CODE], rules={rule.CODE: dict(example.options)}))
    if outcome.changed:
        assert rule.FIX_SAFETY == "safe"
        assert outcome.fixed.count("\n") == code.count("\n"), outcome.diff()
    else:
        assert outcome.unsafe_skipped, f"{rule.CODE}: the fix was neither applied nor left for --unsafe-fixes"


PRAGMAS = ("# pragma: no cover", "# type: ignore", "# noqa", "# fmt: skip")


def _code_part(line: str, pragma: str) -> str:
    return line.split(pragma)[0].strip()


@pytest.mark.parametrize("case", _invalid_with_fix(), ids=lambda c: f"{c[0].CODE}-{c[1]}")
def test_pragmas_stay_on_their_line(case: tuple[type[Rule], int, Invalid]) -> None:
    """Each pragma on each line of code a fix rewrites: kept on a line of code, or the fix is not applied."""
    rule, _, example = case
    code = example_source(example.code)
    config = Config(select=[rule.CODE], rules={rule.CODE: dict(example.options)}, ruff=False, unsafe_fixes=True)
    lines = code.splitlines(keepends=True)
    checked = 0
    for number, line in enumerate(lines):
        if not line.strip() or "#" in line or line.rstrip().endswith(("\\", '"""', "'''", "(", "[", "{", ",")):
            continue
        for pragma in PRAGMAS:
            marked = "".join(lines[:number]) + line.rstrip("\n") + f"  {pragma}\n" + "".join(lines[number + 1 :])
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    compile(marked, "example.py", "exec")
            except SyntaxError:
                continue
            fixed = fix_text(marked, "example.py", config).fixed
            checked += 1
            holders = [item for item in fixed.splitlines() if pragma in item]
            assert len(holders) == 1, f"{rule.CODE}: {pragma} vanished or doubled:\n{fixed}"
            assert _code_part(holders[0], pragma), f"{rule.CODE}: {pragma} left on a line of its own:\n{fixed}"
            original_code = _code_part(line, pragma)
            if fixed != marked and original_code not in _code_part(holders[0], pragma):
                # The line itself was rewritten in place (an operator, a prefix): same line, same statement.
                assert fixed.splitlines().index(holders[0]) == number, f"{rule.CODE}: {pragma} moved:\n{fixed}"
    assert checked or rule.CODE == "QH314"


#: QH304's fix is safe; QH308's is unsafe (``list()`` asks for ``__len__``); QH202 is safe but off by policy.
CLASSED = 'x = f"plain"\ny = [v for v in range(3)]\ntry:\n    pass\nexcept:\n    pass\n'


def test_each_finding_carries_its_fix_class_in_json_and_sarif(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.quality-hooks]\nfix-policy = { QH202 = "off" }\n')
    (tmp_path / "mod.py").write_text(CLASSED)
    report = json.loads(run_cli("check", "--no-model", "--format", "json", "mod.py", cwd=tmp_path).stdout)
    found = {f["code"]: f for r in report["files"] for f in r["findings"]}
    assert (found["QH304"]["fixable"], found["QH304"]["fix_safety"]) == (True, "safe")
    assert (found["QH308"]["fixable"], found["QH308"]["fix_safety"]) == (True, "unsafe")
    assert (found["QH202"]["fixable"], found["QH202"]["fix_safety"]) == (False, None)
    sarif = json.loads(run_cli("check", "--no-model", "--format", "sarif", "mod.py", cwd=tmp_path).stdout)
    results = {r["ruleId"]: r for r in sarif["runs"][0]["results"]}
    assert results["QH304"]["properties"]["fixSafety"] == "safe"
    assert results["QH304"]["fixes"][0]["properties"] == {"fixSafety": "safe"}
    assert results["QH304"]["fixes"][0]["description"]["text"] == "quality-hooks fix (safe fix)"
    assert results["QH308"]["properties"]["fixSafety"] == "unsafe"
    assert "fixes" not in results["QH308"]  # quality-hooks fix leaves it without --unsafe-fixes
    assert results["QH202"]["properties"]["fixSafety"] is None and "fixes" not in results["QH202"]
