"""The store's history on the right branch and the right time: default branch and commit time from the pusher."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from store_support import ROOT, StoreServer, git, run_payload, sha, store_on

from quality_hooks.store.payload import build_run_payload, context_from_env

EVENTS = ROOT / "tests" / "data" / "github" / "events"
COMMIT_TIME = 1_600_000_000  # 2020-09-13T12:26:40Z


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[StoreServer]:
    yield from store_on(request.param, tmp_path_factory.mktemp(f"history-{request.param}"), "qh_history")


def clone_of_a_master_repository(tmp_path: Path) -> tuple[Path, str]:
    """A clone (with ``origin/HEAD``) of a repository whose default branch is ``master``, one dated commit."""
    upstream = tmp_path / "upstream"
    upstream.mkdir()
    git(upstream, "init", "-q", "-b", "master")
    (upstream / "calc.py").write_text("def pick(x):\n    if x:\n        return 1\n    return 2\n")
    git(upstream, "add", "calc.py")
    git(upstream, "commit", "-q", "-m", "add calc", when=COMMIT_TIME)
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(upstream), str(clone))
    return clone, git(clone, "rev-parse", "HEAD")


def cli(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")}
    return subprocess.run([sys.executable, "-m", "quality_hooks", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, check=False, timeout=180)  # fmt: skip


def test_push_from_git_names_the_default_branch_and_the_commit_time(store: StoreServer, tmp_path: Path) -> None:
    token = store.add_project("acme/master-repo")  # no --default-branch: assumed main until a push says
    clone, head = clone_of_a_master_repository(tmp_path)
    git(clone, "checkout", "-q", "-b", "topic")  # pushing from another branch: origin/HEAD still says master
    report = tmp_path / "report.json"
    report.write_text(cli(clone, "check", "--format", "json", "calc.py").stdout)
    done = cli(clone, "push", str(report), "--url", store.url, "--project", "acme/master-repo", "--token", token)
    assert done.returncode == 0 and "run stored" in done.stdout, done.stderr
    project = requests.get(f"{store.url}/api/v1/projects/acme/master-repo", timeout=10).json()
    assert project["default_branch"] == "master"
    run = requests.get(f"{store.url}/api/v1/projects/acme/master-repo/runs", timeout=10).json()["runs"][0]
    assert (run["commit"], run["branch"]) == (head, "topic")
    assert run["commit_time"] == "2020-09-13T12:26:40Z"
    # A run on master is the history; the topic run is not, and is no longer shown in its place.
    git(clone, "checkout", "-q", "master")
    payload = run_payload(head, "2", branch="master") | {"commit_time": "2020-09-13T12:26:40Z"}
    headers = {"Authorization": f"Bearer {token}"}
    url = f"{store.url}/api/v1/projects/acme/master-repo/runs"
    assert requests.post(url, json=payload, headers=headers, timeout=10).status_code == 201
    page = requests.get(f"{store.url}/p/acme/master-repo", timeout=10).text
    assert 'id="other-branches"' not in page and "branch master" in page
    assert page.count("<circle ") == 1


def test_the_first_push_naming_a_default_branch_sets_it_once(store: StoreServer) -> None:
    token = store.add_project("acme/learns")
    headers = {"Authorization": f"Bearer {token}"}
    url = f"{store.url}/api/v1/projects/acme/learns"
    for i, named in enumerate(("trunk", "other")):
        payload = run_payload(sha(100 + i), f"{i}", branch="trunk") | {"default_branch": named}
        assert requests.post(f"{url}/runs", json=payload, headers=headers, timeout=10).status_code == 201
        assert requests.get(url, timeout=10).json()["default_branch"] == "trunk"
    # A branch set by hand is never overwritten by a push.
    explicit = store.add_project("acme/explicit", "--default-branch", "develop")
    payload = run_payload(sha(200), "1", branch="develop") | {"default_branch": "main"}
    response = requests.post(f"{store.url}/api/v1/projects/acme/explicit/runs", json=payload,
                             headers={"Authorization": f"Bearer {explicit}"}, timeout=10)  # fmt: skip
    assert response.status_code == 201
    assert requests.get(f"{store.url}/api/v1/projects/acme/explicit", timeout=10).json()["default_branch"] == "develop"


def test_charts_follow_commit_time_not_push_time(store: StoreServer) -> None:
    token = store.add_project("acme/timeline", "--default-branch", "main")
    headers = {"Authorization": f"Bearer {token}"}
    url = f"{store.url}/api/v1/projects/acme/timeline/runs"
    # Pushed newest commit first (a backfill, a re-run): the chart still runs in commit order.
    for i, (day, score) in enumerate(((3, 70.0), (1, 90.0), (2, 80.0))):
        payload = run_payload(sha(300 + day), f"{i}", score=score) | {"commit_time": f"2026-01-0{day}T10:00:00Z"}
        assert requests.post(url, json=payload, headers=headers, timeout=10).status_code == 201
    page = requests.get(f"{store.url}/p/acme/timeline", timeout=10).text
    titles = re.findall(r"<title>([0-9a-f]{10}): ([0-9.]+)</title>", page)
    assert [float(score) for _, score in titles] == [90.0, 80.0, 70.0]
    assert "2026-01-01" in page and "2026-01-03" in page
    runs = requests.get(url, timeout=10).json()["runs"]
    assert sorted(r["commit_time"] for r in runs) == [f"2026-01-0{d}T10:00:00Z" for d in (1, 2, 3)]


def test_runs_only_on_other_branches_are_shown_with_a_note(store: StoreServer) -> None:
    token = store.add_project("acme/elsewhere", "--default-branch", "main")
    payload = run_payload(sha(400), "1", branch="feature/x", score=64.0)
    response = requests.post(f"{store.url}/api/v1/projects/acme/elsewhere/runs", json=payload,
                             headers={"Authorization": f"Bearer {token}"}, timeout=10)  # fmt: skip
    assert response.status_code == 201
    page = requests.get(f"{store.url}/p/acme/elsewhere", timeout=10).text
    assert "No runs yet" not in page and 'id="other-branches"' in page
    note = page.split('id="other-branches"')[1].split("</p>")[0]
    assert "<code>main</code>" in note and "feature/x" in note
    assert "64.0" in page


def test_action_context_reads_default_branch_and_commit_time_from_the_push_event(tmp_path: Path) -> None:
    event_path = EVENTS / "push.event.4.json"
    event = json.loads(event_path.read_text())
    env = {"GITHUB_EVENT_PATH": str(event_path), "GITHUB_SHA": event["after"], "GITHUB_REF_NAME": "master",
           "GITHUB_RUN_ID": "7", "GITHUB_RUN_ATTEMPT": "1"}  # fmt: skip
    context = context_from_env(env, cwd=tmp_path)  # not a git directory: the event is all there is
    assert context.default_branch == event["repository"]["default_branch"] == "master"
    assert event["head_commit"]["id"] == event["after"]
    payload = build_run_payload([], context, "1")
    assert (payload["default_branch"], payload["commit_time"]) == ("master", "2019-05-15T15:19:25Z")
