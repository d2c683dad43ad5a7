"""The forecast: OLS trend and prediction interval (checked against numpy and SciPy, and by its coverage), and
the ``forecast`` alert rule on a real store (SQLite file and PostgreSQL)."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
import requests
from store_support import StoreServer, run_payload, sha, store_on

from quality_hooks.store.forecast import fit, t_quantile


def test_t_quantile_matches_scipy() -> None:
    stats = pytest.importorskip("scipy.stats")
    for df in (1, 2, 3, 4, 7, 18, 30, 120, 498):
        for p in (0.5, 0.75, 0.9, 0.95, 0.975, 0.995, 0.9995, 0.025):
            assert t_quantile(p, df) == pytest.approx(stats.t.ppf(p, df), rel=1e-9, abs=1e-12)


def test_fit_is_numpys_least_squares_line() -> None:
    values = [81.0, 79.5, 80.2, 77.0, 76.1, 75.8, 73.9]
    fitted = fit(values)
    assert fitted is not None
    slope, intercept = np.polyfit(np.arange(len(values)), values, 1)
    assert (fitted.slope, fitted.intercept) == pytest.approx((slope, intercept), abs=1e-9)
    assert fit(values[:2]) is None  # two points leave no residual degrees of freedom


def test_prediction_interval_covers_95_percent_of_new_runs() -> None:
    """Simulated noisy lines: the next runs fall inside the 95% interval 95% of the time (binomial sd 0.3%)."""
    rng = np.random.default_rng(20261202)
    trials, inside, n, ahead = 3000, 0, 10, 5
    for _ in range(trials):
        slope, level, noise = rng.normal(0, 1), rng.uniform(40, 90), rng.uniform(0.5, 4)
        series = level + slope * np.arange(n + ahead) + rng.normal(0, noise, n + ahead)
        fitted = fit(list(series[:n]))
        assert fitted is not None
        k = int(rng.integers(1, ahead + 1))
        lower, upper = fitted.interval(fitted.ahead(k))
        inside += lower <= series[n - 1 + k] <= upper
    assert inside / trials == pytest.approx(0.95, abs=0.015)


# ---- the forecast rule on a real store ---------------------------------------------------------------------
WINDOW, HORIZON, WARNING, CRITICAL = 8, 5, 70.0, 60.0
SCORES = [80.0] * 6 + [79.0, 77.5, 75.0, 73.5, 72.0, 70.0, 68.0, 67.5, 68.0, 71.0, 75.0, 80.0, 84.0, 86.0, 87.0, 88.0]


def expected_levels(scores: list[float]) -> list[str]:
    """After each run: the level numpy's line gives the worst expected score within HORIZON runs."""
    levels = []
    for i in range(1, len(scores) + 1):
        window = np.array(scores[max(0, i - WINDOW) : i])
        if len(window) < 3:
            levels.append("ok")
            continue
        slope, intercept = np.polyfit(np.arange(len(window)), window, 1)
        worst = min(intercept + slope * (len(window) - 1 + k) for k in range(1, HORIZON + 1))
        levels.append("critical" if worst < CRITICAL else "warning" if worst < WARNING else "ok")
    return levels


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[StoreServer]:
    yield from store_on(request.param, tmp_path_factory.mktemp(f"forecast-{request.param}"), "qh_forecast")


def test_forecast_rule_raises_escalates_and_resolves(store: StoreServer) -> None:
    token = store.add_project("acme/forecast")
    headers = {"Authorization": f"Bearer {token}"}
    base = f"{store.url}/api/v1/projects/acme/forecast"
    rule = {"kind": "forecast", "metric": "score", "warning": WARNING, "critical": CRITICAL}
    added = requests.post(f"{base}/rules", json=rule | {"window": WINDOW, "horizon": HORIZON}, headers=headers)
    assert added.status_code == 201, added.text
    assert added.json() | {} == added.json() | {"kind": "forecast", "window": WINDOW, "horizon": HORIZON}
    wanted = expected_levels(SCORES)
    assert {"warning", "critical"} <= set(wanted) and wanted[-1] == "ok"  # the scenario passes through each level
    events: list[tuple[str, str]] = []
    messages: list[str] = []
    previous = "ok"
    for i, score in enumerate(SCORES):
        pushed = requests.post(f"{base}/runs", json=run_payload(sha(i + 1), score=score), headers=headers, timeout=30)
        assert pushed.status_code == 201, pushed.text
        got = [(a["event"], a["level"]) for a in pushed.json()["alerts"]]
        messages += [a["message"] for a in pushed.json()["alerts"]]
        events += got
        level = wanted[i]
        if previous == "ok" and level != "ok":
            assert got == [("raised", level)], (i, got)
        elif previous == "warning" and level == "critical":
            assert got == [("escalated", "critical")], (i, got)
        elif previous != "ok" and level == "ok":
            assert [e for e, _ in got] == ["resolved"], (i, got)
        else:
            assert got == [], (i, got)
        previous = level
    assert [e for e, _ in events][:1] == ["raised"] and events[-1][0] == "resolved"
    assert messages[0].startswith("score expected to fall to ") and "within 5 runs" in messages[0], messages
    assert "below the warning level 70" in messages[0]
    assert messages[-1].startswith("score expected at "), messages  # the resolution says where it is heading now
    [alert] = requests.get(f"{base}/alerts", params={"status": "all"}, timeout=30).json()["alerts"]
    assert alert["status"] == "resolved"


def test_forecast_rule_is_validated(store: StoreServer) -> None:
    token = store.add_project("acme/forecast-rules")
    headers = {"Authorization": f"Bearer {token}"}
    url = f"{store.url}/api/v1/projects/acme/forecast-rules/rules"

    def add(body: dict[str, Any]) -> int:
        return requests.post(url, json=body, headers=headers, timeout=30).status_code

    assert add({"kind": "forecast", "metric": "score", "warning": 70, "horizon": 0}) == 422
    assert add({"kind": "forecast", "metric": "score", "warning": 60, "critical": 70}) == 422  # critical is lower
    assert add({"kind": "forecast", "metric": "complexity", "warning": 500, "critical": 800}) == 201
    assert add({"kind": "forecast", "metric": "maintainability", "warning": 40, "horizon": 10}) == 201


def test_forecast_rule_sets_the_band_n_and_k(store: StoreServer) -> None:
    """A forecast rule's window (N) and horizon (K) are the chart's band on that metric, on the project page and
    the file page; a metric without such a rule keeps the default 20 runs and 5 ahead, and N and K are checked."""
    token = store.add_project("acme/band")
    headers = {"Authorization": f"Bearer {token}"}
    base = f"{store.url}/api/v1/projects/acme/band"
    for i, score in enumerate(SCORES[:16]):
        assert requests.post(f"{base}/runs", json=run_payload(sha(i + 1), score=score), headers=headers).ok
    rules = f"{base}/rules"
    for bad in ({"window": 2}, {"window": 501}, {"horizon": 0}, {"horizon": 101}, {"window": 8.5}):
        body = {"kind": "forecast", "metric": "score", "warning": 70} | bad
        assert requests.post(rules, json=body, headers=headers, timeout=30).status_code == 422, bad
    unset = requests.post(rules, json={"kind": "forecast", "metric": "risk", "warning": 0.9}, headers=headers)
    assert unset.status_code == 201 and (unset.json()["window"], unset.json()["horizon"]) == (20, 5)
    trend = requests.post(rules, json={"kind": "trend", "metric": "risk", "warning": 1}, headers=headers)
    assert trend.status_code == 201 and trend.json()["window"] == 10  # other kinds keep 10
    rule = requests.post(
        rules, json={"kind": "forecast", "metric": "score", "warning": 50, "window": 8, "horizon": 3}, headers=headers
    )
    assert rule.status_code == 201, rule.text

    def band(url: str, **params: str) -> tuple[int, str]:
        text = requests.get(url, params=params, timeout=30).text
        found = re.search(r'<polygon class="forecast-band" points="([^"]+)"', text)
        assert found, text[:2000]
        caption = html.unescape(text.split('id="forecast-caption">')[1].split("</p>")[0])
        return len(found.group(1).split()), caption

    page = f"{store.url}/p/acme/band"
    for url, params in ((page, {}), (f"{page}/file", {"path": "pkg/a.py"})):
        corners, caption = band(url, **params)
        assert corners == 2 * (8 + 3), caption  # upper and lower edge over the 8 fitted runs and 3 ahead
        assert "over the last 8 runs" in caption and "3 runs ahead" in caption, caption
        assert f"N = 8, K = 3: the window and horizon of forecast rule {rule.json()['id']}" in caption
        corners, caption = band(url, metric="complexity", **params)  # no forecast rule on complexity
        assert corners == 2 * (16 + 5), caption  # 16 runs (fewer than the default 20) and 5 ahead
        assert "N = 20, K = 5: the default window and horizon" in caption
    expected = np.polyfit(np.arange(8), SCORES[8:16], 1)
    caption = band(page)[1]
    found = re.search(r"3 runs ahead: (-?[\d.]+) ", caption)
    assert found and float(found.group(1)) == pytest.approx(expected[1] + expected[0] * (7 + 3), abs=0.051)
