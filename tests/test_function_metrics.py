"""The function collector and cognitive complexity, against known values and radon."""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper
from radon.complexity import cc_visit

from quality_hooks.analysis.metrics.cognitive import cognitive_complexity
from quality_hooks.analysis.metrics.functions import FunctionCollector
from quality_hooks.results import FunctionMetrics

STDLIB = Path(ast.__file__).parent


def measure(code: str) -> dict[str, FunctionMetrics]:
    collector = FunctionCollector()
    MetadataWrapper(cst.parse_module(textwrap.dedent(code))).visit_batched([collector])
    return {m.metrics.qualname: m.metrics for m in collector.measured}


def cognitive(code: str) -> int:
    module = cst.parse_module(textwrap.dedent(code))
    function = module.body[0]
    assert isinstance(function, cst.FunctionDef)
    return cognitive_complexity(function)


# SonarSource's white paper examples, in Python (no labelled jumps in Python).
SONAR_CASES = {
    "sum_of_primes": (
        """
        def sum_of_primes(maximum):
            total = 0
            for i in range(1, maximum + 1):
                for j in range(2, i):
                    if i % j == 0:
                        break
                else:
                    total += i
            return total
        """,
        6,
    ),
    "get_words": (
        """
        def get_words(number):
            match number:
                case 1:
                    return "one"
                case 2:
                    return "a couple"
                case _:
                    return "lots"
        """,
        1,
    ),
    "nesting": (
        """
        def my_method():
            try:
                if condition1:
                    for i in range(10):
                        while condition2:
                            pass
            except (ExcType1, ExcType2) as e:
                if condition2:
                    pass
        """,
        9,
    ),
    "nested_function": (
        """
        def my_method2():
            def run():
                if condition1:
                    pass
            return run
        """,
        2,
    ),
    "lambda": ("def f(xs):\n    return map(lambda x: 1 if x else 2, xs)\n", 2),
    "boolean_sequences": ("def f(a, b, c, d):\n    if a and b and c or d:\n        pass\n", 3),
    "not_a_sequence_break": ("def f(a, b, c):\n    return a and (b and c)\n", 1),
    "if_elif_else": (
        """
        def f(x):
            if x == 1:
                pass
            elif x == 2:
                if x:
                    pass
            else:
                pass
        """,
        5,
    ),
    "flat": ("def f(x):\n    return x + 1\n", 0),
}


@pytest.mark.parametrize("name", list(SONAR_CASES))
def test_cognitive_complexity_known_values(name: str) -> None:
    code, expected = SONAR_CASES[name]
    assert cognitive(code) == expected


def test_collector_matches_the_pure_function() -> None:
    code, expected = SONAR_CASES["nesting"]
    assert measure(code)["my_method"].cognitive == expected
    nested = measure(SONAR_CASES["nested_function"][0])
    assert nested["my_method2"].cognitive == 2
    assert nested["my_method2.<locals>.run"].cognitive == 1


def test_collector_names_lines_and_counts() -> None:
    metrics = measure(
        """
        class Shape:
            @property
            def area(self, *, precise=False):
                if precise:
                    return 1.0
                return 1

            class Inner:
                @staticmethod
                def make(a, b, /, c, *rest, **options):
                    def helper(x):
                        return x
                    with open(a) as handle:
                        for line in handle:
                            try:
                                pass
                            except ValueError:
                                pass
                            finally:
                                pass
                    return helper
        """
    )
    area = metrics["Shape.area"]
    assert (area.line, area.end_line, area.length) == (4, 7, 4)
    assert (area.parameters, area.returns, area.branches, area.max_nesting) == (1, 2, 1, 1)
    assert area.cyclomatic == 2
    make = metrics["Shape.Inner.make"]
    assert make.parameters == 5  # a, b, c, *rest, **options: a staticmethod has no self
    assert make.returns == 1  # helper's return is its own
    assert make.max_nesting == 3  # with > for > try
    assert make.branches == 3  # for, except, finally
    assert make.cyclomatic == 3  # 1 + for + except
    assert metrics["Shape.Inner.make.<locals>.helper"].returns == 1


def test_collector_counts_classes_and_skips_module_code() -> None:
    collector = FunctionCollector()
    code = "class A:\n    pass\nclass B:\n    class C:\n        pass\nif x:\n    y = [i for i in z if i]\n"
    MetadataWrapper(cst.parse_module(code)).visit_batched([collector])
    assert collector.classes == 3
    assert collector.measured == []


STDLIB_SAMPLE = ["difflib.py", "datetime.py", "shutil.py"]


@pytest.mark.parametrize("name", STDLIB_SAMPLE)
def test_cyclomatic_and_lines_agree_with_radon(name: str) -> None:
    text = (STDLIB / name).read_text(encoding="utf-8")
    module = cst.parse_module(text)
    by_positions = FunctionCollector()
    MetadataWrapper(module, unsafe_skip_copy=True).visit_batched([by_positions])
    ours = [m.metrics for m in by_positions.measured]
    tree = ast.parse(text)
    defs = sorted(n.lineno for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)))
    assert sorted(m.line for m in ours) == defs
    radon: dict[int, int] = {}
    for block in cc_visit(text):
        for function in [block, *getattr(block, "methods", [])]:
            radon.setdefault(function.lineno, function.complexity)
    compared = [(m.line, m.cyclomatic) for m in ours if m.line in radon]
    assert len(compared) > 20
    assert compared == [(line, radon[line]) for line, _ in compared]
