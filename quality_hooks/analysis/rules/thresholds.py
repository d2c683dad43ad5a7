"""One shape for the size and complexity rules: a function metric over a limit."""

from __future__ import annotations

from typing import ClassVar

from quality_hooks.analysis.metrics.functions import MeasuredFunction
from quality_hooks.analysis.rules.base import MetricRule


class ThresholdRule(MetricRule):
    """Reports functions whose ``METRIC`` exceeds the ``OPTION`` limit.

    Subclasses name the metric (a FunctionMetrics field), the option key and a
    message template with ``{name}``, ``{value}`` and ``{limit}``.
    """

    GROUP = "complexity"
    METRIC: ClassVar[str]
    OPTION: ClassVar[str]
    MESSAGE: ClassVar[str]

    def check(self, functions: list[MeasuredFunction]) -> None:
        limit = int(self.options[self.OPTION])
        for function in functions:
            value = getattr(function.metrics, self.METRIC)
            if value > limit:
                message = self.MESSAGE.format(name=function.metrics.qualname, value=value, limit=limit)
                self.report(function.node.name, message)
