"""QH104: many exits make a function's result hard to follow."""

from __future__ import annotations

from quality_hooks.analysis.rules.base import Invalid, Valid
from quality_hooks.analysis.rules.thresholds import ThresholdRule


class TooManyReturns(ThresholdRule):
    CODE = "QH104"
    NAME = "too-many-returns"
    DESCRIPTION = "Function has more return statements than the configured limit"
    METRIC = "returns"
    OPTION = "max-returns"
    OPTIONS = {"max-returns": 6}
    MESSAGE = "`{name}` has {value} return statements (limit {limit})"
    VALID = [
        Valid("def f(x):\n    if x:\n        return 1\n    return 2\n"),
        Valid(
            "def f(x):\n    def g():\n        return 1\n    return g\n",
            options={"max-returns": 1},
        ),
    ]
    INVALID = [
        Invalid(
            "def f(x):\n    if x:\n        return 1\n    if x > 1:\n        return 2\n    return 3\n",
            line=1,
            options={"max-returns": 2},
        ),
    ]
