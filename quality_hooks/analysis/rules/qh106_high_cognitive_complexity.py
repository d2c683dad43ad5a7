"""QH106: SonarSource's cognitive complexity weighs nesting, the main cost of reading code."""

from __future__ import annotations

from quality_hooks.analysis.rules.base import Invalid, Valid
from quality_hooks.analysis.rules.thresholds import ThresholdRule


class HighCognitiveComplexity(ThresholdRule):
    CODE = "QH106"
    NAME = "high-cognitive-complexity"
    DESCRIPTION = "Function's cognitive complexity (SonarSource) is above the limit"
    METRIC = "cognitive"
    OPTION = "max-complexity"
    OPTIONS = {"max-complexity": 15}
    MESSAGE = "`{name}` has cognitive complexity {value} (limit {limit})"
    VALID = [
        Valid("def f(x):\n    if x:\n        return 1\n    return 2\n"),
        Valid("def f(a, b, c):\n    return a and b and c\n", options={"max-complexity": 1}),
    ]
    INVALID = [
        Invalid(
            "def f(xs):\n    for x in xs:\n        if x:\n            if x > 1:\n                return x\n",
            line=1,
            options={"max-complexity": 5},
        ),
    ]
