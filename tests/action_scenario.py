"""The Action run as GitHub runs it, against a fake GitHub on 127.0.0.1: the shared scenario.

A real git repository with base and head commits, an event file from GitHub's
webhook examples (SHAs and repository rewritten), ``quality-hooks action`` in a
subprocess with the runner's variables, and the fake GitHub, which checks every
request against GitHub's OpenAPI description.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from conftest import GitRepo
from fake_github import FakeGitHub

DATA = Path(__file__).parent / "data" / "github"
TOKEN = "ghs_fake_token_1234567890"
REPO = "octo-org/octo-repo"
BIN = Path(sys.executable).parent / "quality-hooks"

CONFIG = """\
[tool.quality-hooks]
ruff = false

[tool.quality-hooks.gate]
max-new-findings = { warning = 0, critical = 1 }
"""
BASE = '''\
"""App."""


def legacy(x):
    """Old."""
    if not x in [1, 2]:
        return f"legacy"
    return "ok"
'''
#: Two new fixable warnings (QH305, QH304) on added lines: the gate fails (2 > 1).
HEAD = (
    BASE
    + '''

def greet(name):
    """Greet."""
    if not name in ("a", "b"):
        return f"hello"
    return name
'''
)
CLEAN_ADDITION = '''

def double(value):
    """Twice the value."""
    return value * 2
'''


class Scenario:
    """A repository, a fake GitHub with its pull request, and a way to run the Action."""

    def __init__(self, tmp_path: Path, fake: FakeGitHub) -> None:
        self.tmp = tmp_path
        self.fake = fake
        self.repo = GitRepo(tmp_path / "repo")
        self.repo.write("pyproject.toml", CONFIG)
        self.repo.write("app.py", BASE)
        self.base = self.repo.commit("base")
        self.runs = 0

    def commit_head(self, text: str, path: str = "app.py") -> str:
        self.repo.write(path, text)
        self.head = self.repo.commit("head")
        self.fake.add_pull(7, self.base, self.head, self.pr_files())
        return self.head

    def pr_files(self) -> list[dict[str, Any]]:
        names = self.repo.git("diff", "--name-only", f"{self.base}...{self.head}").split()
        files = []
        for name in names:
            patch = self.repo.git("diff", "-U3", f"{self.base}...{self.head}", "--", name)
            patch = patch[patch.index("@@") :] if "@@" in patch else ""
            added = sum(1 for line in patch.splitlines() if line.startswith("+"))
            removed = sum(1 for line in patch.splitlines() if line.startswith("-"))
            url = f"https://github.com/{REPO}/blob/{self.head}/{name}"
            files.append(
                {"sha": "1" * 40, "filename": name, "status": "modified", "additions": added, "deletions": removed}
                | {"changes": added + removed, "blob_url": url, "raw_url": url, "contents_url": url, "patch": patch}
            )
        return files

    def event(self, name: str = "pull_request.opened.0.json") -> Path:
        data = json.loads((DATA / "events" / name).read_text())
        data["number"] = 7
        pr = data["pull_request"]
        pr["number"] = 7
        pr["head"]["sha"], pr["base"]["sha"] = self.head, self.base
        pr["head"]["ref"] = "feature"
        pr["head"]["repo"]["full_name"] = pr["base"]["repo"]["full_name"] = REPO
        pr["url"] = f"{self.fake.url}/repos/{REPO}/pulls/7"
        data["repository"]["full_name"] = REPO
        path = self.tmp / f"event-{self.runs}.json"
        path.write_text(json.dumps(data))
        return path

    def run(
        self, event: Path | None = None, event_name: str = "pull_request", timeout: float = 300, **inputs: str
    ) -> Result:
        self.runs += 1
        output = self.tmp / f"output-{self.runs}.txt"
        summary = self.tmp / f"summary-{self.runs}.md"
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "INPUT_"))},
            "GITHUB_ACTIONS": "true",
            "GITHUB_EVENT_NAME": event_name,
            "GITHUB_EVENT_PATH": str(event or self.event()),
            "GITHUB_REPOSITORY": REPO,
            "GITHUB_API_URL": self.fake.url,
            "GITHUB_SERVER_URL": "https://github.example",
            "GITHUB_RUN_ID": "4242",
            "GITHUB_SHA": "f" * 40,  # the test merge commit: must never be used
            "GITHUB_WORKSPACE": str(self.repo.path),
            "GITHUB_OUTPUT": str(output),
            "GITHUB_STEP_SUMMARY": str(summary),
            "INPUT_GITHUB_TOKEN": TOKEN,
            "INPUT_SARIF-FILE": str(self.tmp / "results.sarif"),
            "QUALITY_HOOKS_GITHUB_MAX_SLEEP": "3",
            "QUALITY_HOOKS_GITHUB_WRITE_INTERVAL": "0",
        }
        env.update({f"INPUT_{k.upper()}": v for k, v in inputs.items()})
        started = time.monotonic()
        done = subprocess.run(
            [str(BIN), "action"],
            cwd=self.repo.path,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        return Result(done, output, summary, time.monotonic() - started)


class Result:
    def __init__(self, done: subprocess.CompletedProcess[str], output: Path, summary: Path, elapsed: float) -> None:
        self.code = done.returncode
        self.stdout, self.stderr = done.stdout, done.stderr
        self.outputs = parse_outputs(output.read_text() if output.exists() else "")
        self.summary = summary.read_text() if summary.exists() else ""
        self.elapsed = elapsed

    def __repr__(self) -> str:
        return f"exit {self.code}\nSTDOUT:\n{self.stdout}\nSTDERR:\n{self.stderr}"


def parse_outputs(text: str) -> dict[str, str]:
    values = {}
    for match in re.finditer(r"^([\w-]+)<<(\S+)\n(.*?)\n\2$", text, re.S | re.M):
        values[match.group(1)] = match.group(3)
    return values


def open_scenario(tmp_path: Path) -> Iterator[Scenario]:
    """The body of each test module's ``scenario`` fixture: the fake must have seen no undocumented request."""
    with FakeGitHub(REPO, TOKEN) as server:
        yield Scenario(tmp_path, server)
        assert server.problems == [], "undocumented or invalid requests:\n" + "\n".join(server.problems)


def assert_token_hidden(result: Result) -> None:
    lines = [line for line in (result.stdout + result.stderr).splitlines() if TOKEN in line]
    assert lines == [f"::add-mask::{TOKEN}"], lines


def event_file(scenario: Scenario, name: str, **changes: Any) -> Path:
    """A webhook example with ``changes`` applied to its top level (or ``section.key`` keys)."""
    data = json.loads((DATA / "events" / name).read_text())
    for key, value in changes.items():
        section, _, field = key.partition("__")
        if field:
            data[section][field] = value
        else:
            data[key] = value
    data.setdefault("repository", {})["full_name"] = REPO
    path = scenario.tmp / f"{name}-{scenario.runs}-{len(changes)}.json"
    path.write_text(json.dumps(data))
    return path
