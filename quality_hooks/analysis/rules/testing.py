"""Run one rule on a snippet through the real engine and fix loop, for rule examples and tests.

Nothing here re-implements the engine: :func:`findings` is ``check``'s analysis
and :func:`fix` is ``fix``'s loop, both with ``Config(select=[CODE])``, so an
example also exercises radon's metrics (for metric rules), the
drop-only-the-bad-fix fallback, suppression comments and the round limit.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from typing import Any

from quality_hooks.analysis.engine import analyse_source
from quality_hooks.analysis.rules.base import Rule
from quality_hooks.config import Config
from quality_hooks.fix import FixOutcome, fix_text
from quality_hooks.results import Finding
from quality_hooks.source import SourceFile, detect_newline

#: The file name examples are analysed under (a public module, as most code is).
EXAMPLE_PATH = "example.py"


def example_source(text: str) -> str:
    """An example's code: triple-quoted examples may be indented and start with a newline."""
    text = textwrap.dedent(text)
    return text[1:] if text.startswith("\n") else text


def example_config(rule: type[Rule], options: Mapping[str, Any] | None = None) -> Config:
    """Only ``rule``, with ``options`` and its fixes whatever their class; ruff off, the rest as defaults."""
    return Config(select=[rule.CODE], rules={rule.CODE: dict(options or {})}, ruff=False, unsafe_fixes=True)


def findings(rule: type[Rule], code: str, options: Mapping[str, Any] | None = None) -> list[Finding]:
    """What ``check`` reports on ``code`` with only ``rule`` enabled."""
    raw = code.encode()
    source = SourceFile(EXAMPLE_PATH, raw, code, "utf-8", bom=False, newline=detect_newline(raw), mode=0o644)
    result = analyse_source(source, example_config(rule, options))
    if result.error is not None:
        raise AssertionError(f"{rule.CODE}: the example cannot be analysed: {result.error}\n{code}")
    return result.findings


def fix(rule: type[Rule], code: str, options: Mapping[str, Any] | None = None) -> FixOutcome:
    """What ``fix`` makes of ``code`` with only ``rule`` enabled (``rejected`` lists refused fixes)."""
    outcome = fix_text(code, EXAMPLE_PATH, example_config(rule, options))
    if outcome.error is not None:
        raise AssertionError(f"{rule.CODE}: the example cannot be fixed: {outcome.error}\n{code}")
    return outcome
