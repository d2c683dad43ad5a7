"""Read a mined dataset (csv.gz) into numpy arrays; no pandas needed."""

from __future__ import annotations

import csv
import gzip
from dataclasses import dataclass

import numpy as np

META = ("repo", "commit", "path", "time", "label")


class DatasetError(Exception):
    """The dataset file is missing or malformed; the message names it."""


@dataclass
class Dataset:
    names: list[str]
    X: np.ndarray  # float32, NaN for missing
    y: np.ndarray  # int, 1 = defect-inducing
    weight: np.ndarray  # 1.0 per row (the whole history is mined; no case-control sample)
    repo: np.ndarray
    time: np.ndarray
    commit: np.ndarray
    path: np.ndarray

    def take(self, index: np.ndarray) -> Dataset:
        return Dataset(self.names, self.X[index], self.y[index], self.weight[index], self.repo[index],
                       self.time[index], self.commit[index], self.path[index])  # fmt: skip

    def column(self, name: str) -> np.ndarray:
        return self.X[:, self.names.index(name)].astype(np.float64)

    def select(self, names: list[str]) -> Dataset:
        """The same rows with only ``names`` as features, in that order."""
        columns = [self.names.index(n) for n in names]
        return Dataset(list(names), self.X[:, columns], self.y, self.weight, self.repo, self.time, self.commit,
                       self.path)  # fmt: skip

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


def load_dataset(path: str, feature_names: list[str] | None = None) -> Dataset:
    """Load ``path``; with ``feature_names`` the columns are reordered (and checked) to match a model."""
    header, rows = _read_rows(path)
    names = _feature_names(path, header, feature_names)
    columns = [header.index(n) for n in names]
    at = {m: header.index(m) for m in META}
    matrix = np.full((len(rows), len(columns)), np.nan, dtype=np.float32)
    for i, row in enumerate(rows):
        matrix[i] = [float(row[c]) if row[c] != "" else np.nan for c in columns]

    def column(name: str, convert: type = str) -> np.ndarray:
        return np.array([convert(r[at[name]]) for r in rows])

    return Dataset(
        names=list(names),
        X=matrix,
        y=column("label", int),
        weight=np.ones(len(rows)),
        repo=column("repo"),
        time=column("time", int),
        commit=column("commit"),
        path=column("path"),
    )
