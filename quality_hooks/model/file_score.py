"""The whole-file score: P(the file needs a bug fix in the next 12 months) from the bundled file model.

What plain ``check``, the badge, the dashboard and the store's trends show:
``score = 100 * (1 - probability)`` (:func:`~quality_hooks.model.scorer.risk_to_score`),
so a file's score means the same wherever it appears. The change ``risk`` of
the hook and the PR is the change-risk model's (:mod:`quality_hooks.model.scorer`).

Features come from :mod:`quality_hooks.model.file_features` (one ``ast``
parse per file, one ruff run for all files, one ``git log`` for the history),
the same code mining uses; onnxruntime only, loaded once per process. A run
computes the features of every version it scores (new and base) in one go, and
keeps them in the persistent cache (:mod:`quality_hooks.cache`): a file's static
features per content, the history per HEAD.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import os
import threading
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

import numpy as np

from quality_hooks.cache import Cache, binary_stamp, blob_id, code_version, digest
from quality_hooks.git import GitError, git
from quality_hooks.model.explain import describe
from quality_hooks.model.file_features import (
    FILE_FEATURE_NAMES,
    FILE_FEATURE_VERSION,
    RUFF_NAMES,
    STATIC_NAMES,
    FileEvent,
    assemble,
    file_events,
    model_input,
    static_features,
)
from quality_hooks.model.history import is_shallow, log_args, parse_log
from quality_hooks.model.scorer import Model, ModelError, model_dirs, read_model, risk_to_score
from quality_hooks.model.static import RUFF_IGNORE, RUFF_SELECT, RUFF_TARGET, ruff_counts
from quality_hooks.results import FileResult, ModelSource, Score

MODEL_FILE = "file-model.onnx"
FEATURES_FILE = "file-features.json"
TOP_FACTORS = 3
#: How far back from HEAD a cached history is looked for (a new commit extends its parent's).
ANCESTORS_LOOKED_UP = 64


@lru_cache(maxsize=1)
def load_file_model() -> Model:
    """The bundled file model, read and compiled once per process."""
    for directory in model_dirs():
        model_path, meta_path = directory / MODEL_FILE, directory / FEATURES_FILE
        if model_path.is_file() and meta_path.is_file():
            return read_model(model_path, meta_path, ModelSource("bundled", str(model_path)), FILE_FEATURE_NAMES)
    raise ModelError("file model not found (looked in " + ", ".join(map(str, model_dirs())) + ")")


def _ruff_fingerprint() -> str:
    """Which ruff counts: the binary (its path, size and mtime stand in for its version) and the fixed selection."""
    from quality_hooks.analysis.ruff_runner import find_ruff

    return digest(binary_stamp(find_ruff()), RUFF_SELECT, RUFF_IGNORE, RUFF_TARGET)


def _history_key(head: str) -> str:
    # A commit id names its whole history, so clones at the same HEAD share the entry.
    return digest("file-history", FILE_FEATURE_VERSION, code_version(), head)


def _encode_events(events: Mapping[str, Sequence[FileEvent]]) -> dict[str, Any]:
    authors: dict[str, int] = {}
    paths = {
        path: [[e.time, authors.setdefault(e.author, len(authors)), e.added, e.deleted, int(e.is_fix)] for e in found]
        for path, found in events.items()
    }
    return {"authors": list(authors), "paths": paths}


def _decode_events(value: Mapping[str, Any]) -> dict[str, list[FileEvent]]:
    authors = value["authors"]
    return {
        path: [
            FileEvent(int(t), str(authors[a]), int(added), int(deleted), bool(fix))
            for t, a, added, deleted, fix in rows
        ]
        for path, rows in value["paths"].items()
    }


def _log_events(root: str, rev: str) -> dict[str, list[FileEvent]]:
    return file_events(parse_log(git(log_args(rev), root).decode("utf-8", errors="replace")))


Histories = tuple[dict[str, list[FileEvent]] | None, int | None]
#: :func:`prefetch_file_histories` calls still running or not yet taken, by (root, cache folder).
_PREFETCHED: dict[tuple[str, str | None], tuple[threading.Thread, list[Histories]]] = {}


def prefetch_file_histories(root: str, cache: Cache | None = None) -> None:
    """Start :func:`file_histories` in a thread; the next call for ``root`` and ``cache`` takes its answer.

    A cold history is one ``git log`` of the whole history (0.25 s on starlette's 1,500
    commits), time spent waiting for git: started while the files are analysed, it is
    over by the time the model needs it. Taken once, so a later call reads HEAD afresh.
    """
    answer: list[Histories] = []

    def read() -> None:
        with contextlib.suppress(Exception):  # the call that takes it then reads again, and fails in view
            answer.append(_read_histories(root, cache))

    thread = threading.Thread(target=read, name="quality-hooks-file-history", daemon=True)
    _PREFETCHED[_prefetch_key(root, cache)] = (thread, answer)
    thread.start()


def discard_prefetched(root: str, cache: Cache | None = None) -> None:
    """Forget a prefetch that was not taken (scoring stopped early), so no later call takes an old HEAD's answer."""
    _PREFETCHED.pop(_prefetch_key(root, cache), None)


def _prefetch_key(root: str, cache: Cache | None) -> tuple[str, str | None]:
    return os.path.realpath(root), cache.directory if cache is not None else None


def file_histories(root: str | None, cache: Cache | None = None) -> Histories:
    """Per repository-relative path, the commits that changed it up to HEAD, and HEAD's commit time.

    One ``git log`` of HEAD's whole history per HEAD, as mining reads it (so a
    sweep commit counts as a sweep here too); the events are cached per HEAD,
    and a new HEAD whose ancestor was cached reads only the commits since then.
    ``(None, None)`` outside git, in a shallow clone or without a commit: the
    history is unknown (NaN features), never "no changes".
    """
    if not root:
        return None, None
    prefetched = _PREFETCHED.pop(_prefetch_key(root, cache), None)
    if prefetched is not None:
        thread, answer = prefetched
        thread.join()
        if answer:
            return answer[0]
    return _read_histories(root, cache)


def _read_histories(root: str, cache: Cache | None) -> Histories:
    cache = cache or Cache(None)
    try:
        if is_shallow(root):
            return None, None
        recent = git(["rev-list", "--timestamp", f"--max-count={ANCESTORS_LOOKED_UP}", "HEAD"], root).split()
    except GitError:  # no git, no commit yet: the history is unknown
        return None, None
    if len(recent) < 2:
        return None, None
    at_time, head = int(recent[0]), recent[1].decode()
    cached = cache.get("file-history", _history_key(head))
    if cached is not None:
        with contextlib.suppress(KeyError, TypeError, ValueError, IndexError):
            return _decode_events(cached), at_time
    events: dict[str, list[FileEvent]] | None = None
    try:
        for ancestor in (sha.decode() for sha in recent[3::2]):
            older = cache.get("file-history", _history_key(ancestor))
            if older is None:
                continue
            with contextlib.suppress(KeyError, TypeError, ValueError, IndexError):
                events = _decode_events(older)
            if events is not None:
                for path, found in _log_events(root, f"{ancestor}..{head}").items():
                    events[path] = [*found, *events.get(path, [])]
                break
        if events is None:
            events = _log_events(root, head)
    except GitError:
        return None, None
    cache.put("file-history", _history_key(head), _encode_events(events))
    return events, at_time


def _static_key(raw: bytes, name: str, ruff: str) -> str:
    return digest("file-static", FILE_FEATURE_VERSION, code_version(), ruff, blob_id(raw), name)


def static_vectors(results: Sequence[FileResult], cache: Cache | None = None) -> list[list[float]]:
    """:data:`STATIC_NAMES` + :data:`RUFF_NAMES` per result: cached per content, one ruff process for the misses."""
    cache = cache or Cache(None)
    ruff_stamp = _ruff_fingerprint() if cache.enabled else ""
    keys, found, todo = [], {}, {}
    for result in results:
        raw = result.source.raw if result.source is not None else b""
        name = os.path.basename(result.path)
        key = _static_key(raw, name, ruff_stamp) if cache.enabled else f"{blob_id(raw)}:{name}"
        keys.append(key)
        if key in found or key in todo:
            continue
        stored = cache.get("file-static", key)
        if isinstance(stored, list) and len(stored) == len(STATIC_NAMES) + len(RUFF_NAMES):
            found[key] = [float(v) for v in stored]
        else:
            todo[key] = result
    if todo:
        try:
            counts: Mapping[str, Mapping[str, int] | None] = ruff_counts(
                {k: r.source.raw for k, r in todo.items() if r.source is not None},
                {k: os.path.basename(r.path) for k, r in todo.items()},
            )
            ruff_ok = True
        except RuntimeError:
            counts, ruff_ok = {}, False
        for key, result in todo.items():
            text = result.source.text if result.source is not None else ""
            found[key] = static_features(text, counts.get(key), result.facts)  # facts: None, or the analyser's
            if ruff_ok:  # never remember a count ruff could not give
                cache.put("file-static", key, found[key])
    return [found[key] for key in keys]


def file_vectors(
    results: Sequence[FileResult], rel_paths: Mapping[str, str], root: str | None, cache: Cache | None = None
) -> list[list[float]]:
    """Feature vectors (ordered as FILE_FEATURE_NAMES) of analysed files, from their texts and git history.

    Give every version a run scores in one call (new and base alike): one ruff
    process and one history pass serve them all.
    """
    statics = static_vectors(results, cache)
    events, at_time = file_histories(root, cache)
    vectors = []
    for result, static in zip(results, statics, strict=True):
        path = rel_paths.get(result.path, result.path)
        history = None if events is None else events.get(path, [])
        vectors.append(assemble(static, path, history, at_time or 0))
    return vectors


def _factors(model: Model, base: np.ndarray, risks: np.ndarray) -> list[list[dict[str, object]]]:
    """Per row, the features whose replacement by the training median lowers the risk most (one inference)."""
    n, k = base.shape
    variants = np.repeat(base, k, axis=0).reshape(n, k, k)
    variants[:, np.arange(k), np.arange(k)] = model.medians
    lowered_all = risks[:, None] - model.predict(model_input(variants.reshape(n * k, k))).reshape(n, k)
    out = []
    for i in range(n):
        lowered = lowered_all[i]
        row = []
        for j in np.argsort(-lowered, kind="stable")[:TOP_FACTORS]:
            if lowered[j] <= 1e-6:
                break
            value = float(base[i, j])
            median = float(model.medians[j])
            row.append({"feature": model.names[j], "value": None if math.isnan(value) else value,
                        "median": None if math.isnan(median) else median,
                        "risk_added": round(float(lowered[j]), 4)})  # fmt: skip
        out.append(row)
    return out


def named_values(names: Sequence[str], row: np.ndarray) -> dict[str, float | None]:
    """A feature vector by name at float32's precision, NaN (unknown) as None so it stays JSON."""
    return {name: None if math.isnan(v) else float(f"{v:.7g}") for name, v in zip(names, map(float, row), strict=True)}


def score_files(
    results: Sequence[FileResult],
    root: str | None,
    rel_paths: Mapping[str, str] | None = None,
    *,
    factors: bool = True,
    note: str | None = None,
    vectors: Sequence[Sequence[float]] | None = None,
) -> dict[str, Score]:
    """Whole-file scores per ``FileResult.path`` of the analysed files (with factors in words unless told not to).

    The factor sentences compare each value with the other files of this run
    ("more than 90% of files here") when the run has enough of them, else
    with the training projects. ``vectors`` are the scorable results' features
    when the caller computed them already (:func:`file_vectors`, for several calls at once).
    """
    scorable = [r for r in results if r.ok and r.source is not None]
    if not scorable:
        return {}
    model = load_file_model()
    source = dataclasses.replace(model.source, note=note) if note else model.source
    if vectors is None:
        vectors = file_vectors(scorable, rel_paths or {}, root)
    base = np.asarray(vectors, dtype=np.float32)
    risks = model.predict(model_input(base))
    if not factors:
        return {
            r.path: Score(risk=round(float(p), 4), score=risk_to_score(float(p)), model=source)
            for r, p in zip(scorable, risks, strict=True)
        }
    references = {name: base[:, j][~np.isnan(base[:, j])].tolist() for j, name in enumerate(model.names)}
    quantiles = model.meta.get("quantiles", {})
    out = {}
    for result, risk, found, row in zip(scorable, risks, _factors(model, base, risks), base, strict=True):
        words = describe(found, references, quantiles)
        out[result.path] = Score(
            risk=round(float(risk), 4), score=risk_to_score(float(risk)), factors=words, model=source,
            features=named_values(model.names, row),
        )  # fmt: skip
    return out
