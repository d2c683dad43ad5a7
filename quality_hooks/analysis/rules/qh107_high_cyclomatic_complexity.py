"""QH107: McCabe complexity counts the independent paths a test suite must cover.

The value is radon's where the engine merged it; otherwise (rule examples,
files radon could not measure) the collector's own count, which follows
radon's rules.
"""

from __future__ import annotations

from quality_hooks.analysis.rules.base import Invalid, Valid
from quality_hooks.analysis.rules.thresholds import ThresholdRule


class HighCyclomaticComplexity(ThresholdRule):
    CODE = "QH107"
    NAME = "high-cyclomatic-complexity"
    DESCRIPTION = "Function's cyclomatic complexity (radon) is above the limit"
    METRIC = "cyclomatic"
    OPTION = "max-complexity"
    OPTIONS = {"max-complexity": 10}
    MESSAGE = "`{name}` has cyclomatic complexity {value} (limit {limit})"
    VALID = [
        Valid("def f(x):\n    if x:\n        return 1\n    return 2\n"),
        Valid("def f(x):\n    return [y for y in x if y]\n", options={"max-complexity": 3}),
    ]
    INVALID = [
        Invalid(
            "def f(x, y):\n    if x and y:\n        return 1\n    elif x or y:\n        return 2\n    return 3\n",
            line=1,
            options={"max-complexity": 4},
        ),
    ]
