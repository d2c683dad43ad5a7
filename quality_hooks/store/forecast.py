"""Where a metric is heading: an ordinary least-squares line over the last runs and its prediction interval.

x is the run's position (0 for the oldest run of the window), so "within K runs" is plain arithmetic.
The interval is the textbook one for a new observation at x0:

    y0 = a + b*x0 +- t(1 - alpha/2; n - 2) * s * sqrt(1 + 1/n + (x0 - mean(x))^2 / Sxx)

with s^2 the residual variance (n - 2 degrees of freedom) and 1 - alpha the coverage.  Pure Python: the
store needs no SciPy for the t quantile, which comes from the regularised incomplete beta function,
inverted by bisection.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

#: The interval's coverage.
LEVEL = 0.95
#: Fewest runs a line is fitted to (two points leave no residual degrees of freedom).
MIN_RUNS = 3


@dataclass(frozen=True)
class Forecast:
    """A fitted line over ``n`` evenly spaced runs; x = 0 is the window's oldest run, n - 1 its newest."""

    n: int
    intercept: float
    slope: float
    residual_sd: float
    x_mean: float
    sxx: float
    t: float
    level: float = LEVEL

    def expected(self, x: float) -> float:
        return self.intercept + self.slope * x

    def interval(self, x: float) -> tuple[float, float]:
        """The prediction interval of one new run at ``x`` (lower, upper)."""
        half = self.t * self.residual_sd * math.sqrt(1 + 1 / self.n + (x - self.x_mean) ** 2 / self.sxx)
        centre = self.expected(x)
        return centre - half, centre + half

    def ahead(self, k: int) -> float:
        """The x of the run ``k`` runs after the newest."""
        return self.n - 1 + k


def fit(values: Sequence[float], level: float = LEVEL) -> Forecast | None:
    """The least-squares line through ``values`` (oldest first); None with fewer than MIN_RUNS values."""
    n = len(values)
    if n < MIN_RUNS:
        return None
    x_mean = (n - 1) / 2
    y_mean = sum(values) / n
    sxx = sum((x - x_mean) ** 2 for x in range(n))
    slope = sum((x - x_mean) * (y - y_mean) for x, y in enumerate(values)) / sxx
    intercept = y_mean - slope * x_mean
    sse = sum((y - (intercept + slope * x)) ** 2 for x, y in enumerate(values))
    return Forecast(
        n=n,
        intercept=intercept,
        slope=slope,
        residual_sd=math.sqrt(sse / (n - 2)),
        x_mean=x_mean,
        sxx=sxx,
        t=t_quantile(1 - (1 - level) / 2, n - 2),
        level=level,
    )


def worst_expected(values: Sequence[float], horizon: int, *, higher_is_better: bool) -> float | None:
    """The worst expected value over the next ``horizon`` runs of the line through ``values`` (the ``forecast``
    alert rule's figure); None with too few values."""
    fitted = fit(values)
    if fitted is None:
        return None
    ahead = [fitted.expected(fitted.ahead(k)) for k in range(1, horizon + 1)]
    return min(ahead) if higher_is_better else max(ahead)


def t_quantile(p: float, df: int) -> float:
    """The ``p`` quantile of Student's t with ``df`` degrees of freedom."""
    if not 0 < p < 1 or df < 1:
        raise ValueError(f"t quantile needs 0 < p < 1 and df >= 1, got p={p}, df={df}")
    if p < 0.5:
        return -t_quantile(1 - p, df)
    low, high = 0.0, 1.0
    while t_cdf(high, df) < p:
        low, high = high, high * 2
    for _ in range(200):
        middle = (low + high) / 2
        if t_cdf(middle, df) < p:
            low = middle
        else:
            high = middle
        if high - low < 1e-12 * max(1.0, high):
            break
    return (low + high) / 2


def t_cdf(t: float, df: int) -> float:
    tail = 0.5 * regularized_beta(df / (df + t * t), df / 2, 0.5)
    return 1 - tail if t >= 0 else tail


def regularized_beta(x: float, a: float, b: float) -> float:
    """I_x(a, b) by its continued fraction (modified Lentz), using the symmetry where it converges faster."""
    if x <= 0:
        return 0.0
    if x >= 1:
        return 1.0
    log_front = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    if x < (a + 1) / (a + b + 2):
        return math.exp(log_front) * _beta_fraction(x, a, b) / a
    return 1 - math.exp(log_front) * _beta_fraction(1 - x, b, a) / b


def _beta_fraction(x: float, a: float, b: float) -> float:
    tiny = 1e-300
    c, d = 1.0, 1 - (a + b) * x / (a + 1)
    d = 1 / (d if abs(d) > tiny else tiny)
    result = d
    for m in range(1, 500):
        for numerator in (
            m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
            -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1)),
        ):
            d = 1 + numerator * d
            d = 1 / (d if abs(d) > tiny else tiny)
            c = 1 + numerator / c
            c = c if abs(c) > tiny else tiny
            result *= c * d
        if abs(c * d - 1) < 1e-15:
            break
    return result
