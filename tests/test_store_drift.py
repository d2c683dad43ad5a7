"""Drift of the model's inputs: the shipped training distribution, PSI in the store, the ``drift`` alert rule.

Real uvicorn on a real SQLite file and on PostgreSQL; the runs carry rows of the committed
training dataset (in distribution) or the same rows with their size features scaled up (shifted).
"""

from __future__ import annotations

import bisect
import csv
import gzip
import json
import math
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from store_support import ROOT, StoreServer, run_payload, sha, store_on

from quality_hooks.store import drift
from quality_hooks.store.payload import MAX_FEATURE_FILES, RunContext, build_run_payload

MODELS = ROOT / "models"
QUANTILES = json.loads((MODELS / "feature-quantiles.json").read_text())
FILE_FEATURES = json.loads((MODELS / "file-features.json").read_text())["features"]
SHIFTED = ("loc", "sloc", "lloc")
FILES_PER_RUN = 80


def training_rows() -> list[list[float | None]]:
    with gzip.open(MODELS / "file-dataset.csv.gz", "rt", newline="") as handle:
        reader = csv.DictReader(handle)
        return [[float(r[n]) if r[n] != "" else None for n in FILE_FEATURES] for r in reader]


ROWS = training_rows()


def sample(run: int, *, shifted: bool = False) -> list[list[float | None]]:
    """``FILES_PER_RUN`` training rows spread over the dataset (a different spread per run)."""
    step = len(ROWS) // FILES_PER_RUN
    rows = [list(ROWS[(i * step + run * 7) % len(ROWS)]) for i in range(FILES_PER_RUN)]
    if shifted:
        for row in rows:
            for name in SHIFTED:
                j = FILE_FEATURES.index(name)
                row[j] = None if row[j] is None else row[j] * 25 + 500
    return rows


def by_hand_psi(feature: str, values: list[float | None]) -> float:
    """PSI straight from the JSON (bins ``(e[i-1], e[i]]`` then "no value"), written apart from store/drift.py."""
    spec = QUANTILES["models"]["file-score"]["features"][feature]
    expected = [*spec["fractions"], spec["missing"]]
    counts = [0] * len(expected)
    for v in values:
        counts[len(expected) - 1 if v is None else bisect.bisect_left(spec["edges"], v)] += 1
    total = sum(counts)
    return sum((max(c / total, 1e-4) - max(e, 1e-4)) * math.log(max(c / total, 1e-4) / max(e, 1e-4))
               for c, e in zip(counts, expected, strict=True))  # fmt: skip


def test_psi_of_a_known_distribution() -> None:
    # Four even bins against 10/20/30/40%: 0.15 ln 1.6 + 0.05 ln 1.2 + 0.05 ln 1.25 + 0.15 ln 2.5 = 0.2282.
    assert drift.psi([0.25] * 4, [10, 20, 30, 40]) == pytest.approx(0.228217, abs=1e-6)
    assert drift.psi([0.25] * 4, [5, 5, 5, 5]) == 0.0
    bins = drift.Bins((1.0, 2.0), (0.3, 0.3, 0.4, 0.0))
    assert [bins.index(v) for v in (0.5, 1.0, 1.5, 2.0, 9.0, None, math.nan)] == [0, 0, 1, 1, 2, 3, 3]


def test_the_shipped_quantiles_describe_each_models_training_rows() -> None:
    change_features = json.loads((MODELS / "change-risk.json").read_text())["features"]
    models = QUANTILES["models"]
    assert list(models["file-score"]["features"]) == FILE_FEATURES
    assert list(models["change-risk"]["features"]) == change_features
    for section in models.values():
        for spec in section["features"].values():
            assert spec["edges"] == sorted(set(spec["edges"]))
            assert sum(spec["fractions"]) + spec["missing"] == pytest.approx(1.0, abs=1e-5)
    # The store's binning of the training rows gives back the shipped shares: one convention on both sides.
    reference = drift.reference_from(QUANTILES)
    for j, name in enumerate(FILE_FEATURES):
        bins = reference.models["file-score"][name]
        counts = drift.bin_counts(bins, [row[j] for row in ROWS])
        assert [c / len(ROWS) for c in counts] == pytest.approx(list(bins.expected), abs=1e-5), name


def test_the_payload_carries_a_bounded_sample_of_feature_values() -> None:
    files = [
        {"path": f"pkg/m{i}.py", "score": {"risk": 0.1, "score": 90.0, "factors": [],
                                           "features": dict(zip(FILE_FEATURES, ROWS[i], strict=True))}}
        for i in range(MAX_FEATURE_FILES + 50)
    ]  # fmt: skip
    payload = build_run_payload(files, RunContext(commit=sha(1), run_id="1", branch="main"), "1")
    values = payload["feature_values"]
    assert values["model"] == "file-score" and values["names"] == FILE_FEATURES
    assert len(values["rows"]) == MAX_FEATURE_FILES and values["rows"][0] == ROWS[0]
    assert build_run_payload(files[:0], RunContext(commit=sha(1), run_id="1"), "1")["feature_values"] is None


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[StoreServer]:
    yield from store_on(request.param, tmp_path_factory.mktemp(f"drift-{request.param}"), "qh_drift")


def push(store: StoreServer, token: str, n: int, rows: list[list[float | None]]) -> dict[str, Any]:
    body = run_payload(sha(n), "1") | {"feature_values": {"model": "file-score", "names": FILE_FEATURES, "rows": rows}}
    response = requests.post(f"{store.url}/api/v1/projects/acme/drift/runs", json=body,
                             headers={"Authorization": f"Bearer {token}"}, timeout=30)  # fmt: skip
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def test_shifted_features_raise_a_drift_alert_and_in_distribution_ones_resolve_it(store: StoreServer) -> None:
    token = store.add_project("acme/drift", "--default-branch", "main")
    api = f"{store.url}/api/v1/projects/acme/drift"
    auth = {"Authorization": f"Bearer {token}"}
    rule = requests.post(f"{api}/rules", json={"kind": "drift", "window": 3}, headers=auth, timeout=30)
    assert rule.status_code == 201, rule.text
    assert rule.json()["metric"] == "psi" and rule.json()["warning"] == drift.DEFAULT_LEVEL
    sent: list[list[list[float | None]]] = []
    for n in range(3):
        sent.append(sample(n))
        assert push(store, token, n, sent[-1])["alerts"] == []
    measured = requests.get(f"{api}/drift", params={"window": 3}, timeout=30).json()
    psi_of = {f["feature"]: f["psi"] for f in measured["features"]}
    loc = FILE_FEATURES.index("loc")
    assert psi_of["loc"] == pytest.approx(by_hand_psi("loc", [r[loc] for rows in sent for r in rows]), abs=1e-4)
    assert max(psi_of.values()) < drift.DEFAULT_LEVEL
    assert len(psi_of) == len(FILE_FEATURES)

    raised = push(store, token, 3, sample(3, shifted=True))["alerts"]
    assert [a["event"] for a in raised] == ["raised"]
    assert raised[0]["level"] == "warning" and "loc" in raised[0]["message"], raised[0]["message"]
    page = requests.get(f"{store.url}/p/acme/drift", timeout=30).text
    assert 'id="drift"' in page and "<code>loc</code>" in page and "significant" in page

    assert push(store, token, 4, sample(4))["alerts"] == []  # the shifted run is still in the window
    assert push(store, token, 5, sample(5))["alerts"] == []
    resolved = push(store, token, 6, sample(6))["alerts"]
    assert [a["event"] for a in resolved] == ["resolved"]
    active = requests.get(f"{api}/alerts", timeout=30).json()["alerts"]
    assert active == []
    # The panel measures the drift rule's window too: the shifted run is out of the last 3, so nothing stands out
    # (over the default 10 runs it would still show as significant).
    panel = requests.get(f"{store.url}/p/acme/drift", timeout=30).text.split('<section id="drift">')[1]
    panel = panel.split("</section>")[0]
    assert "(last 3 runs)" in panel and "significant" not in panel, panel


def test_a_drift_rule_checks_its_metric(store: StoreServer) -> None:
    token = store.add_project("acme/drift-rules")
    api = f"{store.url}/api/v1/projects/acme/drift-rules/rules"
    auth = {"Authorization": f"Bearer {token}"}
    for bad in ({"kind": "drift", "metric": "score"}, {"kind": "threshold", "metric": "psi", "warning": 1}):
        assert requests.post(api, json=bad, headers=auth, timeout=30).status_code == 422
    critical = requests.post(api, json={"kind": "drift", "critical": 0.5}, headers=auth, timeout=30).json()
    assert (critical["warning"], critical["critical"]) == (None, 0.5)
