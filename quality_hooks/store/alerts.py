"""Alert rules and their evaluation on each new default-branch run.

An alert is raised once when a rule is first breached, updated (not re-raised)
while the breach lasts, escalated if it worsens, and resolved when a run
recovers.  Notifications go into an outbox in the same transaction, so an
alert and its webhooks are stored together or not at all.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from quality_hooks.store import drift, forecast
from quality_hooks.store import repository as repo
from quality_hooks.store.db import Connection, Row
from quality_hooks.store.schemas import HIGHER_IS_BETTER

#: Rule kinds that compare the metric's own value (not a slope) with the levels.
VALUE_KINDS = ("threshold", "forecast")


@dataclass
class Event:
    kind: str  # raised, escalated, resolved
    alert: Row


def slope(values: list[float]) -> float:
    """Least-squares slope per run of evenly spaced values."""
    n = len(values)
    mean_x, mean_y = (n - 1) / 2, sum(values) / n
    spread = sum((x - mean_x) ** 2 for x in range(n))
    return sum((x - mean_x) * (y - mean_y) for x, y in enumerate(values)) / spread if spread else 0.0


def _metric(run: Row, metric: str) -> float | None:
    value = run.get(metric)
    return None if value is None else float(value)


def measure(rule: Row, runs: list[Row]) -> float | None:
    """The rule's figure in its 'worse is bigger' sense (None: not enough data)."""
    sign = -1.0 if rule["metric"] in HIGHER_IS_BETTER else 1.0
    if rule["kind"] == "threshold":
        value = _metric(runs[-1], rule["metric"]) if runs else None
        return None if value is None else value
    values = [v for v in (_metric(r, rule["metric"]) for r in runs[-rule["window_runs"] :]) if v is not None]
    if rule["kind"] == "forecast":
        higher_is_better = rule["metric"] in HIGHER_IS_BETTER
        return forecast.worst_expected(values, rule["horizon_runs"] or 1, higher_is_better=higher_is_better)
    if len(values) < min(3, rule["window_runs"]):
        return None
    return sign * slope(values)


def level_of(rule: Row, value: float | None) -> str:
    if value is None:
        return "ok"
    below_is_bad = rule["kind"] in VALUE_KINDS and rule["metric"] in HIGHER_IS_BETTER

    def breached(level: float | None) -> bool:
        if level is None:
            return False
        return value < level if below_is_bad else value > level

    if breached(rule["critical"]):
        return "critical"
    return "warning" if breached(rule["warning"]) else "ok"


def describe(rule: Row, value: float, level: str) -> str:
    metric = rule["metric"].replace("_", " ")
    if rule["kind"] == "forecast":
        return describe_forecast(rule, metric, value, level)
    if rule["kind"] == "trend":
        direction = "falling" if rule["metric"] in HIGHER_IS_BETTER else "rising"
        limit = rule[level] if level != "ok" else rule["warning"]
        return (
            f"{metric} {direction} by {abs(value):.2f} per run over the last {rule['window_runs']} runs (limit {limit})"
        )
    if level == "ok":
        return f"{metric} back to {value:g}"
    word = "below" if rule["metric"] in HIGHER_IS_BETTER else "above"
    return f"{metric} {value:g} is {word} the {level} level {rule[level]:g}"


def describe_forecast(rule: Row, metric: str, value: float, level: str) -> str:
    """Where the trend over the last runs takes the metric within the rule's horizon, against its levels."""
    ahead = f"within {rule['horizon_runs']} runs (trend over the last {rule['window_runs']} runs)"
    if level == "ok":
        return f"{metric} expected at {value:.4g} {ahead}: within its levels"
    fall = "fall" if rule["metric"] in HIGHER_IS_BETTER else "rise"
    word = "below" if rule["metric"] in HIGHER_IS_BETTER else "above"
    return f"{metric} expected to {fall} to {value:.4g} {ahead}, {word} the {level} level {rule[level]:g}"


def rule_view(rule: Row) -> dict[str, Any]:
    view = {k: rule[k] for k in ("id", "kind", "metric", "warning", "critical")} | {"window": rule["window_runs"]}
    return view | ({"horizon": rule["horizon_runs"]} if rule["kind"] == "forecast" else {})


def alert_view(alert: Row) -> dict[str, Any]:
    keys = (
        "id",
        "rule_id",
        "level",
        "status",
        "message",
        "value",
        "run_pk",
        "opened_at",
        "updated_at",
        "acknowledged_at",
        "resolved_at",
    )
    return {k: alert[k] for k in keys}


def _drift_figure(conn: Connection, project: Row, rule: Row) -> tuple[float | None, Callable[[str], str]]:
    """A ``drift`` rule's figure: the largest feature PSI over its window, and its words at a level."""
    measured = drift.measure(conn, project, rule["window_runs"], drift.shipped_reference())

    def words(level: str) -> str:
        limit = rule[level] if level != "ok" else rule["warning"] if rule["warning"] is not None else rule["critical"]
        return drift.describe(measured, level, float(limit))

    return measured.value, words


def _figure(conn: Connection, project: Row, rule: Row, history: list[Row]) -> tuple[float | None, Callable[[str], str]]:
    """The rule's figure (None: not enough data) and how to say it at a level."""
    if rule["kind"] == "drift":
        return _drift_figure(conn, project, rule)
    value = measure(rule, history)
    return value, lambda level: describe(rule, value if value is not None else 0.0, level)


def evaluate(conn: Connection, project: Row, run_pk: int) -> list[Event]:
    """Apply every rule of the project to its default-branch history ending at ``run_pk``."""
    rules = repo.list_rules(conn, project["id"])
    if not rules:
        return []
    history = repo.default_branch_runs(conn, project, max(r["window_runs"] for r in rules))
    events: list[Event] = []
    now = time.time()
    for rule in rules:
        value, words = _figure(conn, project, rule, history)
        level = level_of(rule, value)
        active = repo.active_alert(conn, rule["id"])
        if level == "ok":
            if active and value is not None:
                repo.resolve_alert(conn, active["id"], value, now)
                active |= {
                    "status": "resolved",
                    "resolved_at": now,
                    "value": value,
                    "message": words("ok"),
                }
                events.append(Event("resolved", active))
            continue
        assert value is not None
        message = words(level)
        if active is None:
            alert_id = repo.open_alert(
                conn, project["id"], rule["id"], level=level, message=message, value=value, run_pk=run_pk, now=now
            )
            events.append(Event("raised", repo.alert_by_id(conn, alert_id) or {}))
            continue
        repo.update_alert(conn, active["id"], level=level, message=message, value=value, run_pk=run_pk, now=now)
        if level == "critical" and active["level"] == "warning":
            events.append(Event("escalated", active | {"level": level, "message": message, "value": value}))
    return events


def enqueue(conn: Connection, project: Row, events: list[Event], run: dict[str, Any] | None) -> int:
    """Put one notification per event and channel into the outbox."""
    channels = repo.project_channels(conn, project["id"])
    now = time.time()
    for event in events:
        body = json.dumps(
            {
                "event": f"alert.{event.kind}",
                "project": f"{project['owner']}/{project['name']}",
                "alert": alert_view(event.alert),
                "run": run,
            }
        )
        for channel in channels:
            repo.enqueue_notification(conn, project["id"], event.alert["id"], channel["id"], event.kind, body, now)
    return len(events) * len(channels)
