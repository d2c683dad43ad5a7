"""QH103: many branches mean many paths to understand and to test."""

from __future__ import annotations

from quality_hooks.analysis.rules.base import Invalid, Valid
from quality_hooks.analysis.rules.thresholds import ThresholdRule


class TooManyBranches(ThresholdRule):
    CODE = "QH103"
    NAME = "too-many-branches"
    DESCRIPTION = "Function has more branches (if/elif/else, loops, except, match cases) than the limit"
    METRIC = "branches"
    OPTION = "max-branches"
    OPTIONS = {"max-branches": 12}
    MESSAGE = "`{name}` has {value} branches (limit {limit})"
    VALID = [
        Valid("def f(x):\n    if x:\n        return 1\n    return 2\n"),
        Valid("def f(x):\n    with x:\n        with x:\n            pass\n", options={"max-branches": 0}),
    ]
    INVALID = [
        Invalid(
            """
            def f(x):
                if x == 1:
                    return 1
                elif x == 2:
                    return 2
                else:
                    return 3
            """,
            line=1,
            options={"max-branches": 2},
        ),
        Invalid(
            """
            def f(xs):
                for x in xs:
                    try:
                        g(x)
                    except ValueError:
                        pass
            """,
            options={"max-branches": 1},
        ),
    ]
