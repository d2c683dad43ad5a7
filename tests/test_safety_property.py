"""Generated programs through ``fix`` (hypothesmith): they compile, a second fix changes nothing,
and where only safe fixes ran the AST is unchanged.

Bounded: a fixed number of examples, well under 60 s. Measured with 25 examples: 14.5 s for the
test's call (pytest --durations) and 12.3 s of CPU for the whole pytest process, on a 2-core
machine at load average ~20 (``/usr/bin/time python -m pytest tests/test_safety_property.py``).
"""

from __future__ import annotations

import ast
import warnings

import pytest

from quality_hooks.config import Config
from quality_hooks.fix import fix_text

hypothesis = pytest.importorskip("hypothesis")
hypothesmith = pytest.importorskip("hypothesmith")

from hypothesis import HealthCheck, given, settings  # noqa: E402

SAFE = Config(ruff=False, select=["ALL"])
#: Safe fixes that rewrite the tree on purpose while keeping behaviour: the AST comparison leaves them out.
TREE_CHANGING_SAFE = ["QH202", "QH304", "QH305", "QH309", "QH312", "QH313", "QH315", "QH317", "QH318"]
LINES_ONLY = Config(ruff=False, select=["ALL"], fix_policy=dict.fromkeys(TREE_CHANGING_SAFE, "off"))
UNSAFE = Config(ruff=False, select=["ALL"], unsafe_fixes=True)


def _compiles(text: str) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(text, "generated.py", "exec", dont_inherit=True)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


def _dump(text: str) -> str:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ast.dump(ast.parse(text))


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(hypothesmith.from_grammar(auto_target=False))
def test_generated_programs_survive_fix(source: str) -> None:
    if not _compiles(source):
        return  # the grammar allows what the compiler refuses; fix must leave those alone (tested elsewhere)
    for config in (SAFE, UNSAFE):
        outcome = fix_text(source, "generated.py", config)
        if outcome.error:
            continue
        assert _compiles(outcome.fixed), outcome.diff()
        assert fix_text(outcome.fixed, "generated.py", config).fixed == outcome.fixed
        if config is SAFE:
            assert outcome.fixed.count("\n") == source.count("\n"), outcome.diff()
    lines_only = fix_text(source, "generated.py", LINES_ONLY)
    if not lines_only.error:
        assert _dump(lines_only.fixed) == _dump(source), lines_only.diff()
