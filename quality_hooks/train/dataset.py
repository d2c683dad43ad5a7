"""Read a mined dataset (csv.gz) into numpy arrays; no pandas needed."""

from __future__ import annotations

import csv
import gzip
from dataclasses import dataclass

import numpy as np

META = ("repo", "commit", "path", "time", "label", "weight", "engine_rules")


class DatasetError(Exception):
    """The dataset file is missing or malformed; the message names it."""


@dataclass
class Dataset:
    names: list[str]
    X: np.ndarray  # float32, NaN for missing
    y: np.ndarray  # int, 1 = defect-inducing
    weight: np.ndarray  # case-control weights, normalised so each repository sums to its row count
    repo: np.ndarray
    time: np.ndarray
    commit: np.ndarray
    path: np.ndarray
    engine_rules: np.ndarray  # how many QH rules the engine had when the row was mined

    def take(self, index: np.ndarray) -> Dataset:
        return Dataset(self.names, self.X[index], self.y[index], self.weight[index], self.repo[index],
                       self.time[index], self.commit[index], self.path[index], self.engine_rules[index])  # fmt: skip

    def column(self, name: str) -> np.ndarray:
        return self.X[:, self.names.index(name)].astype(np.float64)

    @property
    def repos(self) -> list[str]:
        return sorted(set(self.repo.tolist()))


def _read_rows(path: str) -> tuple[list[str], list[list[str]]]:
    try:
        with gzip.open(path, "rt", newline="") as handle:
            reader = csv.reader(handle)
            header = next(reader)
            rows = list(reader)
    except (OSError, StopIteration, EOFError) as exc:
        raise DatasetError(f"{path}: cannot read dataset: {exc}") from None
    if not rows:
        raise DatasetError(f"{path}: dataset has no rows")
    return header, rows


def _feature_names(path: str, header: list[str], wanted: list[str] | None) -> list[str]:
    """The feature columns to use, in order; every meta column must be there too."""
    missing = [m for m in META if m not in header]
    if missing:
        raise DatasetError(f"{path}: not a mined dataset (missing columns: {', '.join(missing)})")
    names = wanted or [h for h in header if h not in META]
    absent = [n for n in names if n not in header]
    if absent:
        raise DatasetError(f"{path}: dataset lacks features the model needs: {', '.join(absent)}")
    return names


def _cell(value: str) -> float:
    return float(value) if value != "" else np.nan


def _per_repo_weights(repo: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Rescale sampling weights so each repository keeps its row count as total weight."""
    for name in set(repo.tolist()):
        mask = repo == name
        weight[mask] *= mask.sum() / weight[mask].sum()
    return weight


def load_dataset(path: str, feature_names: list[str] | None = None) -> Dataset:
    """Load ``path``; with ``feature_names`` the columns are reordered (and checked) to match a model."""
    header, rows = _read_rows(path)
    names = _feature_names(path, header, feature_names)
    columns = [header.index(n) for n in names]
    at = {m: header.index(m) for m in META}

    def column(name: str, convert: type = str) -> np.ndarray:
        return np.array([convert(r[at[name]]) for r in rows])

    repo = column("repo")
    return Dataset(
        names=list(names),
        X=np.array([[_cell(r[c]) for c in columns] for r in rows], dtype=np.float32),
        y=column("label", int),
        weight=_per_repo_weights(repo, np.array([float(r[at["weight"]] or 1.0) for r in rows])),
        repo=repo,
        time=column("time", int),
        commit=column("commit"),
        path=column("path"),
        engine_rules=np.array([int(r[at["engine_rules"]] or 0) for r in rows]),
    )
