"""Edge cases of the readability rules (QH3xx) that their examples do not cover.

The VALID/INVALID examples run in test_rule_examples.py; here: builtins
shadowed in ways the examples skip, several rules fixing the same code
together, comments surviving fixes, and fixes that must not be offered.
"""

from __future__ import annotations

import textwrap

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper

from quality_hooks.analysis.rules import all_rules
from quality_hooks.analysis.rules.testing import findings, fix
from quality_hooks.config import Config
from quality_hooks.fix import fix_text

RULES = all_rules()
READABILITY = Config(select=["QH3"], ruff=False)
UNSAFE = Config(select=["QH3"], ruff=False, unsafe_fixes=True)


def code(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


@pytest.mark.parametrize(
    "shadowing",
    [
        "from compat import list\n",
        "import builtins as list\n",
        "for list in groups:\n    pass\n",
        "def f(list):\n    return list\n",
        "with open(p) as list:\n    pass\n",
        "try:\n    pass\nexcept OSError as list:\n    pass\n",
        "def f():\n    global list\n    list = tuple\n",
        "(list := tuple)\n",
        "[list for list in groups]\n",
        "list, other = tuple, 1\n",
        "from compat import *\n",
        "match point:\n    case [*list]:\n        pass\n",
        "class list:\n    pass\n",
        "del list\n",
    ],
)
def test_builtin_fixes_are_withheld_when_the_name_may_be_rebound(shadowing: str) -> None:
    text = shadowing + "a = list()\nb = [x for x in y]\nc = list(tuple(z))\n"
    for rule_code in ("QH308", "QH312", "QH317"):
        assert fix(RULES[rule_code], text).fixed == text, rule_code


@pytest.mark.parametrize(
    "harmless",
    [
        "self.list = 1\n",
        "ok = isinstance(x, (list, dict))\n",
        "items: list[int] = []\n",
        "f(list=3)\n",
        "factory = defaultdict(list)\n",
        "import os.list\n",
    ],
)
def test_loads_and_attributes_named_like_a_builtin_do_not_block_fixes(harmless: str) -> None:
    assert fix(RULES["QH317"], harmless + "a = list()\n").fixed == harmless + "a = []\n"


def test_all_readability_fixes_together_converge_and_keep_comments() -> None:
    text = code(
        '''
        # -*- coding: utf-8 -*-
        """Module docs."""


        class Base(object):
            """Docs."""

            def check(self, x):  # entry point
                """Docs."""
                if not x in self.seen:
                    # not seen yet
                    return False
                else:
                    # seen: look closer
                    if type(x) == int:
                        return True
                    else:
                        return False
                pass

            def names(self):
                """Docs."""
                return list(sorted([n for n in self.seen], key=lambda n: str(n)))


        def show(value):
            """Docs."""
            return f"value: {str(value)}" + f"!" + u"done"
        '''
    )
    safe = fix_text(text, "sample.py", READABILITY)
    assert not safe.rejected
    # Only safe fixes by default: behaviour and line numbers kept (the cookie's line is left empty).
    assert safe.fixed.splitlines()[0] == ""
    assert len(safe.fixed.splitlines()) == len(text.splitlines())
    assert "else:\n            # seen: look closer" in safe.fixed
    assert "sorted([n for n in self.seen], key=str)" in safe.fixed
    assert sorted(set(safe.unsafe_skipped)) == ["QH307", "QH308", "QH310", "QH311", "QH320"]
    outcome = fix_text(text, "sample.py", UNSAFE)
    assert not outcome.rejected and not outcome.unsafe_skipped
    assert outcome.fixed == "\n" + code(
        '''
        """Module docs."""


        class Base:
            """Docs."""

            def check(self, x):  # entry point
                """Docs."""
                if x not in self.seen:
                    # not seen yet
                    return False
                # seen: look closer
                return bool(type(x) == int)

            def names(self):
                """Docs."""
                return sorted(self.seen, key=str)


        def show(value):
            """Docs."""
            return f"value: {value!s}" + "!" + "done"
        '''
    )
    assert fix_text(outcome.fixed, "sample.py", UNSAFE).fixed == outcome.fixed
    remaining = {f.code for f in findings(RULES["QH306"], outcome.fixed)}
    assert remaining == {"QH306"}  # reported, never rewritten: isinstance() is not equivalent


def test_suppression_comment_keeps_a_fix_from_being_applied() -> None:
    text = "a = dict()  # quality: ignore[QH317]\nx = 1\nb = dict()\n"
    assert fix_text(text, "m.py", READABILITY).fixed == "a = dict()  # quality: ignore[QH317]\nx = 1\nb = {}\n"


def test_nested_needless_else_blocks_unfold_in_rounds() -> None:
    text = code(
        """
        def f(x, y):
            if x:
                return 1
            else:
                if y:
                    return 2
                else:
                    return 3
        """
    )
    outcome = fix(RULES["QH307"], text)
    assert outcome.fixed == code(
        """
        def f(x, y):
            if x:
                return 1
            if y:
                return 2
            return 3
        """
    )
    assert outcome.rounds == 2  # the inner else waits for the outer one's round


def test_loop_else_after_a_break_in_a_nested_loop_else_is_kept() -> None:
    # The inner loop's else belongs to the outer loop's body: its break ends the outer loop.
    text = code(
        """
        for x in xs:
            for y in x:
                if y:
                    break
            else:
                break
        else:
            done()
        """
    )
    assert findings(RULES["QH319"], text) == []


@pytest.mark.parametrize(
    "text",
    [
        # A nested function or lambda has no __class__ cell: super() would fail there.
        "class A(B):\n    def f(self):\n        def g():\n            return super(A, self).f()\n        return g\n",
        "class A(B):\n    def f(self):\n        return lambda: super(A, self).f()\n",
        # A class inside a function may be rebound there; only module-level classes are fixed.
        "def make():\n    class A(B):\n        def f(self):\n            return super(A, self).f()\n    return A\n",
        # Two classes with the same name: super(A, self) names the later one.
        "class A(B):\n    def f(self):\n        return super(A, self).f()\n\nclass A(C):\n    pass\n",
    ],
)
def test_super_with_arguments_is_reported_but_not_fixed(text: str) -> None:
    assert [f.code for f in findings(RULES["QH316"], text)] == ["QH316"]
    assert fix(RULES["QH316"], text).fixed == text


def test_needless_lambda_is_not_fixed_outside_positional_callers() -> None:
    # The lambda may be called with x= as a keyword, which len() refuses.
    text = "measure = lambda x: len(x)\nhandler = sorted(xs, key=lambda v: len(v), reverse=True)\n"
    assert len(findings(RULES["QH309"], text)) == 2
    fixed = fix(RULES["QH309"], text).fixed
    assert fixed == "measure = lambda x: len(x)\nhandler = sorted(xs, key=len, reverse=True)\n"


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ('f"{{a}} and {{b}}"', '"{a} and {b}"'),
        ("f'''{{\n}}'''", "'''{\n}'''"),
        ('Rf"\\{{x}}"', 'R"\\{x}"'),
        ('fr"{{"', 'r"{"'),
    ],
)
def test_fstring_fix_unescapes_braces(before: str, after: str) -> None:
    text = f"s = {before}\n"
    fixed = fix(RULES["QH304"], text).fixed
    assert fixed == f"s = {after}\n"
    namespace: dict[str, str] = {}
    exec(text, namespace)  # the fix keeps the value
    expected = namespace["s"]
    exec(fixed, namespace)
    assert namespace["s"] == expected


def test_conversion_call_fix_keeps_the_formatted_value() -> None:
    text = 's = f"{str(v):>6}|{repr(w)}|{ascii(u)}|{str({1: 2})}"\n'
    fixed = fix(RULES["QH313"], text).fixed
    assert fixed == 's = f"{v!s:>6}|{w!r}|{u!a}|{ {1: 2}!s}"\n'
    values = {"v": 1.5, "w": "x", "u": "é"}
    assert eval(text[4:], dict(values)) == eval(fixed[4:], dict(values))


def test_return_bool_keeps_value_of_non_bool_comparisons() -> None:
    text = "def f(a, b):\n    if a == b:\n        return True\n    else:\n        return False\n"
    fixed = fix(RULES["QH310"], text).fixed
    assert fixed == "def f(a, b):\n    return bool(a == b)\n"

    class Vector:
        def __eq__(self, other: object) -> object:
            return [1]  # truthy, but not True

    namespace: dict[str, object] = {}
    exec(fixed, namespace)
    assert namespace["f"](Vector(), Vector()) is True  # type: ignore[operator]


def test_coding_cookie_for_another_encoding_is_kept() -> None:
    text = "# -*- coding: latin-1 -*-\nx = 1\n"
    assert fix_text(text, "m.py", READABILITY).fixed == text


@pytest.mark.parametrize(
    ("path", "flagged"), [("pkg/_internal.py", False), ("pkg/api.py", True), ("pkg/__init__.py", True)]
)
def test_module_docstring_rule_skips_private_modules(path: str, flagged: bool) -> None:
    visitor = RULES["QH301"]({}, path)
    MetadataWrapper(cst.parse_module("x = 1\n"), unsafe_skip_copy=True).visit_batched([visitor])
    assert bool(visitor.reports) is flagged
