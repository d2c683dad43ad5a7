"""Fix safety: formats kept, writes atomic, idempotent, broken fixes refused."""

from __future__ import annotations

import codecs
import random
import shutil
import sysconfig
import time
from pathlib import Path
from typing import ClassVar

import libcst as cst
import pytest
from conftest import run_cli

from quality_hooks import fix as fix_module
from quality_hooks.analysis.rules.base import Rule
from quality_hooks.config import Config, parse_config
from quality_hooks.fix import fix_text
from quality_hooks.results import Severity

BAD = 'def f(a):\n    if not a in (1, 2):\n        return f"none"\n    return a\n'
FIXED = 'def f(a):\n    if a not in (1, 2):\n        return "none"\n    return a\n'


def test_fix_rewrites_and_reports(tmp_path: Path) -> None:
    target = tmp_path / "mod.py"
    target.write_text(BAD)
    first = run_cli("fix", str(target))
    assert first.returncode == 1
    assert first.stdout.strip() == f"Fixing {target}"
    assert target.read_text() == FIXED
    second = run_cli("fix", str(target))
    assert (second.returncode, second.stdout) == (0, "")


def test_diff_writes_nothing(tmp_path: Path) -> None:
    target = tmp_path / "mod.py"
    target.write_text(BAD)
    done = run_cli("fix", "--diff", str(target))
    assert done.returncode == 1
    assert "-    if not a in (1, 2):" in done.stdout and "+    if a not in (1, 2):" in done.stdout
    assert target.read_text() == BAD


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (BAD.replace("\n", "\r\n").encode(), FIXED.replace("\n", "\r\n").encode()),
        (codecs.BOM_UTF8 + BAD.encode(), codecs.BOM_UTF8 + FIXED.encode()),
        (
            ("# -*- coding: latin-1 -*-\n# café\n" + BAD).encode("latin-1"),
            ("# -*- coding: latin-1 -*-\n# café\n" + FIXED).encode("latin-1"),
        ),
    ],
    ids=["crlf", "bom", "latin-1"],
)
def test_encoding_bom_newlines_and_mode_are_kept(tmp_path: Path, raw: bytes, expected: bytes) -> None:
    target = tmp_path / "script.py"
    target.write_bytes(raw)
    target.chmod(0o751)
    assert run_cli("fix", str(target)).returncode == 1
    assert target.read_bytes() == expected
    assert target.stat().st_mode & 0o777 == 0o751
    assert sorted(p.name for p in tmp_path.iterdir()) == ["script.py"]


def test_bad_files_do_not_stop_the_others(tmp_path: Path) -> None:
    (tmp_path / "broken.py").write_text("def broken(:\n")
    (tmp_path / "bytes.py").write_bytes(b"x = '\xff'\n")
    good = tmp_path / "good.py"
    good.write_text(BAD)
    done = run_cli("fix", str(tmp_path))
    assert done.returncode == 1
    assert "broken.py:1:12: syntax error" in done.stderr
    assert "bytes.py: cannot decode" in done.stderr
    assert "Traceback" not in done.stderr
    assert good.read_text() == FIXED
    assert (tmp_path / "broken.py").read_text() == "def broken(:\n"


class BreaksCode(Rule):
    """A deliberately wrong fix: the safety net must refuse it."""

    CODE = "QH999"
    NAME = "breaks-code"
    GROUP = "style"
    SEVERITY = Severity.INFO
    DESCRIPTION = "awaits return values, which does not compile outside async functions"
    FIXABLE = True
    VALID: ClassVar[list] = []
    INVALID: ClassVar[list] = []

    def visit_Return(self, node: cst.Return) -> None:
        if node.value is not None:
            self.report(node, replacement=node.with_changes(value=cst.Await(expression=node.value)))


def test_fix_that_breaks_code_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fix_module, "enabled_rules", lambda config, path: ([(BreaksCode, {})], {}))
    outcome = fix_text("def f():\n    return 1\n", "m.py", Config())
    assert not outcome.changed
    assert outcome.rejected == ["QH999"]


def _stdlib_files() -> list[Path]:
    lib = Path(sysconfig.get_paths()["stdlib"])
    top = sorted(p for p in lib.glob("*.py"))
    nested = sorted(
        p
        for p in lib.glob("*/**/*.py")
        if "site-packages" not in p.parts and "test" not in p.parts[len(lib.parts) :][:1]
    )
    random.Random(1234).shuffle(nested)
    return top + nested


@pytest.mark.filterwarnings("ignore::SyntaxWarning")
def test_fix_over_the_standard_library(tmp_path: Path) -> None:
    """Every .py of the stdlib (top level all, the rest sampled within a time cap)."""
    # _pydecimal.py alone takes ~8 s of CPU, near the default file-timeout on a busy machine; the
    # budget is tested in test_safety_inputs.py, here every file must be fixed.
    config = parse_config({"ruff": False, "file-timeout": 120})
    budget = 60.0
    files = _stdlib_files()
    top_level = sum(1 for f in files if f.parent == files[0].parent)
    started = time.monotonic()
    checked = changed = 0
    for index, source in enumerate(files):
        if index >= top_level and time.monotonic() - started > budget:
            break
        copy = tmp_path / "lib" / source.name
        copy.parent.mkdir(exist_ok=True)
        shutil.copyfile(source, copy)
        try:
            text = copy.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        try:
            cst.parse_module(text)
        except cst.ParserSyntaxError:
            continue  # a few stdlib files are deliberately invalid
        outcome = fix_text(text, str(copy), config)
        assert outcome.error is None, outcome.error
        if outcome.changed:
            changed += 1
            compile(outcome.fixed, str(copy), "exec", dont_inherit=True)
            again = fix_text(outcome.fixed, str(copy), config)
            assert not again.changed, f"{source}: second pass changed:\n{again.diff()}"
        checked += 1
    assert checked >= top_level - 5, (checked, top_level)
    assert changed > 0
