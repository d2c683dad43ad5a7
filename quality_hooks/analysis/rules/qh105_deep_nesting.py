"""QH105: deeply nested blocks are hard to read; return early or extract."""

from __future__ import annotations

from quality_hooks.analysis.rules.base import Invalid, Valid
from quality_hooks.analysis.rules.thresholds import ThresholdRule


class DeepNesting(ThresholdRule):
    CODE = "QH105"
    NAME = "deep-nesting"
    DESCRIPTION = "Function nests blocks (if/for/while/try/with/match) deeper than the limit"
    METRIC = "max_nesting"
    OPTION = "max-nesting"
    OPTIONS = {"max-nesting": 4}
    MESSAGE = "`{name}` nests blocks {value} deep (limit {limit})"
    VALID = [
        Valid("def f(x):\n    if x:\n        for y in x:\n            pass\n", options={"max-nesting": 2}),
        Valid(
            "def f(x):\n    if x == 1:\n        pass\n    elif x == 2:\n        pass\n    elif x == 3:\n        pass\n",
            options={"max-nesting": 1},
        ),
    ]
    INVALID = [
        Invalid(
            "def f(x):\n    if x:\n        for y in x:\n            while y:\n                y -= 1\n",
            line=1,
            options={"max-nesting": 2},
        ),
    ]
