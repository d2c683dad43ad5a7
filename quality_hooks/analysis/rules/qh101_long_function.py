"""QH101: functions longer than a screen are hard to read and to test."""

from __future__ import annotations

from quality_hooks.analysis.rules.base import Invalid, Valid
from quality_hooks.analysis.rules.thresholds import ThresholdRule


class LongFunction(ThresholdRule):
    CODE = "QH101"
    NAME = "long-function"
    DESCRIPTION = "Function is longer than the configured number of lines"
    METRIC = "length"
    OPTION = "max-lines"
    OPTIONS = {"max-lines": 60}
    MESSAGE = "`{name}` is {value} lines long (limit {limit}); split it"
    VALID = [
        Valid("def short():\n    return 1\n"),
        Valid("def f():\n    a = 1\n    b = 2\n    return a + b\n", options={"max-lines": 4}),
    ]
    INVALID = [
        Invalid("def f():\n    a = 1\n    b = 2\n    c = 3\n    return a + b + c\n", line=1, options={"max-lines": 4}),
        Invalid(
            "class C:\n    @property\n    def value(self):\n        x = 1\n        return x\n",
            line=3,
            options={"max-lines": 2},
        ),
    ]
