"""QH102: long parameter lists hide a missing object and invite mix-ups."""

from __future__ import annotations

from quality_hooks.analysis.rules.base import Invalid, Valid
from quality_hooks.analysis.rules.thresholds import ThresholdRule


class TooManyParameters(ThresholdRule):
    CODE = "QH102"
    NAME = "too-many-parameters"
    DESCRIPTION = "Function takes more parameters than the configured limit (self/cls not counted)"
    METRIC = "parameters"
    OPTION = "max-parameters"
    OPTIONS = {"max-parameters": 6}
    MESSAGE = "`{name}` takes {value} parameters (limit {limit}); group them"
    VALID = [
        Valid("def f(a, b, c, d, e, f):\n    pass\n"),
        Valid("class C:\n    def m(self, a, b):\n        pass\n", options={"max-parameters": 2}),
    ]
    INVALID = [
        Invalid("def f(a, b, c, d, e, f, g):\n    pass\n", line=1),
        Invalid("def f(a, /, b, *args, c, **kwargs):\n    pass\n", options={"max-parameters": 4}),
        Invalid("class C:\n    def m(self, a, b, c):\n        pass\n", line=2, options={"max-parameters": 2}),
    ]
