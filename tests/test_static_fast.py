"""The fast static path (ast + one ruff run) agrees with the engine and sees what a change adds."""

from __future__ import annotations

from pathlib import Path

from quality_hooks.analysis.engine import analyse_paths
from quality_hooks.config import Config
from quality_hooks.model.static import (
    changed_functions,
    complexity_added,
    family,
    new_findings,
    ruff_counts,
    static_facts,
    touched_functions,
)

PACKAGE = Path(__file__).resolve().parent.parent / "quality_hooks"
BEFORE = """class Box:
    def put(self, item):
        self.items.append(item)

    def take(self):
        return self.items.pop()


def helper(x):
    return x
"""
AFTER = """class Box:
    def put(self, item):
        if item is None:
            try:
                self.items.append(item)
            except:
                pass
        self.items.append(item)

    def take(self):
        return    self.items.pop()


def helper(x):
    return x


def extra(y):
    return y or 1
"""


def test_functions_and_totals_match_the_engine() -> None:
    files = [str(p) for p in sorted(PACKAGE.rglob("*.py"))[:40]]
    for result in analyse_paths(files, Config()):
        facts = static_facts(Path(result.path).read_text())
        assert result.metrics is not None
        assert facts.parsed
        assert (facts.loc, facts.sloc, facts.cyclomatic_total) == (
            result.metrics.loc,
            result.metrics.sloc,
            result.metrics.cyclomatic_total,
        ), result.path
        engine = [
            (f.qualname, f.line, f.end_line, f.cyclomatic) for f in sorted(result.functions, key=lambda f: f.line)
        ]
        assert [(f.qualname, f.line, f.end_line, f.cyclomatic) for f in facts.functions] == engine, result.path


def test_delta_between_two_versions() -> None:
    old, new = static_facts(BEFORE).functions, static_facts(AFTER).functions
    touched = [f.qualname for f in touched_functions(old, new)]
    assert touched == ["Box.put", "extra"]  # whitespace-only edits (take) do not count
    assert complexity_added(old, new) == 2 + 2  # put: 1 -> 3 (+if +except); extra: new, cyclomatic 2
    # The cheap path (radon on touched functions only) gives the same delta.
    cheap_old, cheap_new = changed_functions(BEFORE, AFTER)
    assert cheap_old is not None and cheap_new is not None
    assert [f.qualname for f in touched_functions(cheap_old, cheap_new)] == touched
    assert complexity_added(cheap_old, cheap_new) == 4
    counts = ruff_counts({"old": BEFORE.encode(), "new": AFTER.encode()})
    assert counts["new"].get("E722") == 1 and "E722" not in counts["old"]
    assert new_findings(counts["old"], counts["new"]).get("E", 0) >= 1
    assert family("PLR0913") == "PL" and family("E722") == "E" and family("SIM102") == "SIM"


def test_unparsable_text_is_reported_not_raised() -> None:
    facts = static_facts("def broken(:\n    pass\n")
    assert not facts.parsed and facts.functions == []
    assert changed_functions(None, "def broken(:\n") == ([], None)
    assert ruff_counts({1: b"def broken(:\n"}) == {1: {}}


def test_python_warnings_stay_off_stderr_in_scoring_and_mining() -> None:
    """``1if x else 2`` makes CPython warn (SyntaxWarning: invalid decimal literal); the hook's static
    features and mining's SZZ parse it silently, with warnings turned into errors to prove it."""
    import warnings

    from quality_hooks.mine.szz import code_lines
    from quality_hooks.model.static import function_outline

    text = 'def f(x):\n    """Doc."""\n    return 1if x else 2\n'
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        outline = function_outline(text)
        lines = code_lines(text)
    assert outline is not None and [f.qualname for f in outline.functions] == ["f"]
    assert lines == {1, 3}, "the docstring line is still recognised"
