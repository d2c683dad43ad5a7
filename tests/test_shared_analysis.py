"""A commit's files shared between the hook's process and forked children: the same results as one process.

The files are real code (this package's own modules, each given as bytes), analysed once in one process
and once shared between this process and forked children; a child that dies is made up for here.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import pytest

from quality_hooks.analysis import engine
from quality_hooks.analysis.stored import to_entry
from quality_hooks.config import Config
from quality_hooks.results import FileResult

PACKAGE = Path(__file__).resolve().parent.parent / "quality_hooks"
NAMES = ("pipeline.py", "gate.py", "cache.py", "config.py", "git.py", "analysis/engine.py", "model/features.py")

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="the share forks")


def real_jobs() -> list[engine.Job]:
    return [(str(PACKAGE / name), (PACKAGE / name).read_bytes(), Config()) for name in NAMES]


def comparable(result: FileResult) -> dict[str, Any]:
    entry = to_entry(result)
    return {"path": result.path, "error": result.error, **entry}


def in_one_process(jobs: list[engine.Job]) -> list[dict[str, Any]]:
    return [comparable(engine._job((job, None, False))[0]) for job in jobs]


def test_meanwhile_is_called_once_whichever_way_the_files_are_analysed(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    jobs = real_jobs()
    for setting in ("1", "2"):  # one process; this process and a forked child
        monkeypatch.setenv("QUALITY_HOOKS_JOBS", setting)
        engine.analyse_and_keep(jobs, [None] * len(jobs), meanwhile=lambda: calls.append(os.getpid()))
    monkeypatch.setattr(engine, "SHARE_MAX_FILES", 1)  # a pool, as for a whole tree
    engine.analyse_and_keep(jobs, [None] * len(jobs), meanwhile=lambda: calls.append(os.getpid()))
    assert calls == [os.getpid()] * 3


def test_tokens_hand_out_each_file_once() -> None:
    tokens, writer = os.pipe()
    os.write(writer, b"".join(engine._TOKEN.pack(i) for i in (5, 3, 9)))
    os.close(writer)
    assert list(engine._taken(tokens)) == [5, 3, 9]
    os.close(tokens)


def test_shared_results_are_those_of_one_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QUALITY_HOOKS_JOBS", "2")
    jobs = real_jobs()
    written: list[str] = []

    class Keeper:
        """Stores each result where it is made, as the cache does: a file per result, so children's count too."""

        def __call__(self, result: FileResult) -> int:
            target = tmp_path / f"{os.path.basename(result.path)}.{os.getpid()}"
            target.write_text(result.path)
            written.append(result.path)
            return len(result.path)

    # This process is busy elsewhere for a while (as with the models), so the child takes files.
    results, total = engine.analyse_and_keep(
        jobs, [Keeper()] * len(jobs), facts=True, meanwhile=lambda: time.sleep(0.5)
    )
    assert [comparable(r) for r in results] == in_one_process(jobs)
    assert total == sum(len(path) for path, _, _ in jobs)  # every keeper ran, in this process or a child
    assert len(list(tmp_path.iterdir())) == len(jobs)
    by_child = [p for p in tmp_path.iterdir() if p.suffix != f".{os.getpid()}"]
    assert by_child, "a forked child analysed some of the files"
    # Results made in a child carry the models' facts (its tree is gone); this process's keep their trees.
    assert sum(r.facts is not None for r in results) == len(by_child)


def test_a_child_that_dies_loses_no_file(monkeypatch: pytest.MonkeyPatch) -> None:
    parent = os.getpid()
    real_job = engine._job

    def dies_in_a_child(task: Any) -> Any:
        if os.getpid() != parent:
            os._exit(9)  # killed before it could deliver anything
        return real_job(task)

    monkeypatch.setattr(engine, "_job", dies_in_a_child)
    monkeypatch.setenv("QUALITY_HOOKS_JOBS", "2")
    jobs = real_jobs()
    results = engine.analyse_many(jobs)
    assert [comparable(r) for r in results] == in_one_process(jobs)


def test_a_file_that_cannot_be_read_is_one_line_and_the_others_are_analysed(tmp_path: Path) -> None:
    jobs = real_jobs()
    jobs.insert(2, (str(tmp_path / "missing.py"), None, Config()))
    results = engine.analyse_many(jobs)
    assert results[2].error is not None and "missing.py" in results[2].error
    assert all(r.ok for i, r in enumerate(results) if i != 2)
