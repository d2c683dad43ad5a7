"""``quality-hooks history backfill`` over a real repository against a real store (uvicorn, SQLite file)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from store_support import ROOT, StoreServer, git, store_on

from quality_hooks.progress import Progress
from quality_hooks.store.backfill import RUN_ID, first_parent_commits
from quality_hooks.store.payload import iso_utc

FIRST = 1_600_000_000  # 2020-09-13T12:26:40Z
COMMITS = 30


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """30 first-parent commits an hour apart on ``main``, one of them merging a side branch (not walked)."""
    path = tmp_path_factory.mktemp("backfill") / "repo"
    path.mkdir()
    git(path, "init", "-q", "-b", "main")
    (path / "pkg").mkdir()
    for n in range(1, COMMITS + 1):
        if n == 20:
            git(path, "checkout", "-q", "-b", "side")
            (path / "pkg" / "side.py").write_text("def side(x):\n    return x * 2\n")
            git(path, "add", ".")
            git(path, "commit", "-q", "-m", "side work", when=FIRST + n * 3600 - 60)
            git(path, "checkout", "-q", "main")
            git(path, "merge", "-q", "--no-ff", "-m", "merge side", "side", when=FIRST + n * 3600)
            continue
        function = "def f{0}(x):\n    if x > {0}:\n        return x\n    return -x\n\n\n"
        body = "".join(function.format(i) for i in range(n % 7 + 1))
        (path / "pkg" / f"mod{n % 5}.py").write_text(body)
        git(path, "add", ".")
        git(path, "commit", "-q", "-m", f"change {n}", when=FIRST + n * 3600)
    (path / "pkg" / "mod0.py").write_text("def dirty():\n    pass\n")  # the user's uncommitted work
    return path


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[StoreServer]:
    yield from store_on(request.param, tmp_path_factory.mktemp(f"backfill-store-{request.param}"), "qh_backfill")


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("backfill-cache")


def backfill_command(store: StoreServer, project: str, token: str, cache_dir: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "quality_hooks", "history", "backfill", "--url", store.url, "--project", project,
            "--cache-dir", str(cache_dir), *extra]  # fmt: skip


def run_backfill(repo: Path, command: list[str], token: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")} | {"QUALITY_HOOKS_STORE_TOKEN": token}
    return subprocess.run(command, cwd=repo, env=env, capture_output=True, text=True, check=False, timeout=600)


def stored_runs(store: StoreServer, project: str) -> list[dict[str, object]]:
    body = requests.get(f"{store.url}/api/v1/projects/{project}/runs", params={"limit": 500}, timeout=10).json()
    runs: list[dict[str, object]] = body["runs"]
    return runs


def git_state(repo: Path) -> tuple[str, str, str, str]:
    return (git(repo, "rev-parse", "HEAD"), git(repo, "status", "--porcelain"), git(repo, "worktree", "list"),
            git(repo, "branch", "--list"))  # fmt: skip


def test_first_parent_commits_every_and_max(repo: Path) -> None:
    walked = first_parent_commits(str(repo))
    assert len(walked) == COMMITS
    assert [c.time for c in walked] == [FIRST + n * 3600 for n in range(1, COMMITS + 1)]  # the side commit is not
    picked = first_parent_commits(str(repo), every=3, max_commits=4)
    assert [c.sha for c in picked] == [c.sha for c in walked[::-1][::3][:4][::-1]]
    assert picked[-1].sha == walked[-1].sha  # HEAD is always among them
    since = first_parent_commits(str(repo), since=iso_utc(FIRST + 25 * 3600))
    assert [c.time for c in since] == [FIRST + n * 3600 for n in range(25, COMMITS + 1)]


def test_backfill_pushes_each_commit_at_its_time_and_a_rerun_adds_none(
    repo: Path, store: StoreServer, cache_dir: Path
) -> None:
    token = store.add_project("acme/backfilled")
    before = git_state(repo)
    done = run_backfill(repo, backfill_command(store, "acme/backfilled", token, cache_dir), token)
    assert done.returncode == 0, done.stderr
    assert f"{COMMITS} pushed, 0 already in the store" in done.stdout
    assert "\r" not in done.stderr  # no progress bar on a pipe
    assert git_state(repo) == before  # HEAD, the dirty file, worktrees and branches as they were
    runs = stored_runs(store, "acme/backfilled")
    walked = first_parent_commits(str(repo))
    assert len(runs) == COMMITS
    assert [(r["commit"], r["commit_time"], r["run_id"], r["branch"]) for r in runs[::-1]] == [
        (c.sha, iso_utc(c.time), RUN_ID, "main") for c in walked
    ]
    last = runs[0]["totals"]
    assert isinstance(last, dict) and last["files"] == 6 and last["score"] is not None  # mod0..4 and side.py, scored
    # The scored files' model inputs came along: every file of every run, counted against the training distribution.
    drifted = requests.get(f"{store.url}/api/v1/projects/acme/backfilled/drift", params={"window": 30}, timeout=10)
    files = sum(int(r["totals"]["files"]) for r in runs)
    model_features = json.loads((ROOT / "models" / "file-features.json").read_text())["features"]
    assert sorted(f["feature"] for f in drifted.json()["features"]) == sorted(model_features)
    assert {f["values"] for f in drifted.json()["features"]} == {files}
    again = run_backfill(repo, backfill_command(store, "acme/backfilled", token, cache_dir), token)
    assert again.returncode == 0, again.stderr
    assert f"0 pushed, {COMMITS} already in the store" in again.stdout
    assert len(stored_runs(store, "acme/backfilled")) == COMMITS


def _settled_count(store: StoreServer, project: str) -> int:
    """Runs stored once the store is done: a push sent just before the kill may still commit after it."""
    count, deadline = len(stored_runs(store, project)), time.monotonic() + 15
    while time.monotonic() < deadline:
        time.sleep(0.5)
        again = len(stored_runs(store, project))
        if again == count:
            return count
        count = again
    return count


def test_an_interrupted_backfill_resumes_where_it_stopped(repo: Path, store: StoreServer, cache_dir: Path) -> None:
    token = store.add_project("acme/interrupted")
    command = backfill_command(store, "acme/interrupted", token, cache_dir, "--no-model")
    env = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")} | {"QUALITY_HOOKS_STORE_TOKEN": token}
    process = subprocess.Popen(command, cwd=repo, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    while len(stored_runs(store, "acme/interrupted")) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)  # no clean-up at all: its worktree stays behind
    process.wait(timeout=30)
    first = _settled_count(store, "acme/interrupted")
    assert 3 <= first < COMMITS
    resumed = run_backfill(repo, command, token)
    assert resumed.returncode == 0, resumed.stderr
    assert f"{COMMITS - first} pushed, {first} already in the store" in resumed.stdout
    runs = stored_runs(store, "acme/interrupted")
    assert sorted(str(r["commit"]) for r in runs) == sorted(c.sha for c in first_parent_commits(str(repo)))
    assert git(repo, "worktree", "list").count("\n") == 0  # the stale worktree was replaced, then removed


def _read_all(leader: int) -> str:
    """Everything written to the terminal: one ``read`` of a pty may return only the first write."""
    import select

    chunks = []
    while select.select([leader], [], [], 1.0)[0]:
        try:
            data = os.read(leader, 4096)
        except OSError:  # EIO: the other side is closed and drained
            break
        if not data:
            break
        chunks.append(data)
    os.close(leader)
    return b"".join(chunks).decode()


def test_progress_is_drawn_on_a_terminal_only(tmp_path: Path) -> None:
    leader, follower = os.openpty()
    with open(follower, "w", encoding="utf-8") as terminal, open(tmp_path / "log", "w", encoding="utf-8") as log:
        for stream in (terminal, log):
            progress = Progress(4, "backfill", stream)
            progress.step("abc")
            progress.advance("abc stored")
            progress.close()
    drawn = _read_all(leader)
    assert "backfill [######..................] 1/4" in drawn and "abc stored" in drawn
    assert (tmp_path / "log").read_text() == ""
