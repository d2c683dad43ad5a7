"""``quality-hooks evaluate`` (needs the [train] extra): its protocols split rows as the model card says.

Run on a slice of the committed dataset (three of the training repositories, every second row), so the
real learner and the real splits are exercised in seconds.
"""

from __future__ import annotations

import csv
import gzip
import json
import os

import numpy as np
import pytest

pytest.importorskip("sklearn")

from quality_hooks.train import evaluate
from quality_hooks.train.dataset import load_dataset

DATASET = os.path.join(os.path.dirname(__file__), "..", "models", "dataset.csv.gz")
REPOS = ("PyCQA/flake8", "arrow-py/arrow", "dateutil/dateutil")


@pytest.fixture(scope="module")
def sliced(tmp_path_factory: pytest.TempPathFactory) -> str:
    out = str(tmp_path_factory.mktemp("evaluate") / "slice.csv.gz")
    with gzip.open(DATASET, "rt", newline="") as source, gzip.open(out, "wt", newline="") as target:
        reader, writer = csv.reader(source), csv.writer(target)
        writer.writerow(next(reader))
        kept = (row for row in reader if row[0] in REPOS)
        writer.writerows(row for i, row in enumerate(kept) if i % 2 == 0)
    return out


def test_time_ordered_cross_project_trains_only_on_other_projects_older_rows(sliced: str) -> None:
    ds = load_dataset(sliced)
    gap = evaluate.GAP_DAYS * 86400
    for repo in REPOS:
        train_idx, test_idx = evaluate._newest_split(ds, repo, cross=True)
        own = np.flatnonzero(ds.repo == repo)
        assert set(ds.repo[test_idx]) == {repo} and set(ds.repo[train_idx]) <= set(REPOS) - {repo}
        assert len(train_idx) > 0
        assert ds.time[train_idx].max() < ds.time[test_idx].min() - gap, "a training row is not older than the test"
        assert abs(len(test_idx) / len(own) - evaluate.TEST_SHARE) < 0.02
        within_train, within_test = evaluate._newest_split(ds, repo, cross=False)
        assert np.array_equal(within_test, test_idx), "both time-ordered protocols test the same newest rows"
        assert set(ds.repo[within_train]) == {repo}


def test_evaluate_reports_three_protocols_with_baseline_on_the_same_rows(sliced: str, tmp_path) -> None:
    out = tmp_path / "evaluation.json"
    assert evaluate.main([sliced, "--json", str(out), "--jobs", "1"]) == 0
    result = json.loads(out.read_text())
    assert set(result["cross_project"]["per_project"]) == set(REPOS)
    for protocol in ("cross_project_time_ordered", "within_project"):
        for repo, metrics in result[protocol]["per_project"].items():
            assert metrics["model"]["rows"] == metrics["la"]["rows"]
            assert metrics["model"]["rows"] == result["within_project"]["per_project"][repo]["model"]["rows"]
    summary = result["summary"]
    for prefix in ("cross_project", "cross_project_time_ordered"):
        assert 0.5 < summary[f"{prefix}_pooled_auc_la"] < 1.0, "lines added carries signal on these rows"
        assert 0.0 < summary[f"{prefix}_pooled_auc"] < 1.0
        assert summary[f"{prefix}_projects"] >= 2
