"""A monorepo with two packages, each with its own pyproject.toml: every file is judged by its own.

The same files go through ``check``, the gate hook with every chunking of the file list (its
order interleaves the packages, so chunks start in either) and the Action; each file's verdict must be the
same everywhere and follow its own package's thresholds, overrides and excludes.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
from collections.abc import Iterator
from itertools import combinations, pairwise
from pathlib import Path
from typing import Any

import pytest
from action_scenario import REPO, TOKEN, Scenario
from fake_github import FakeGitHub

from quality_hooks.commands import check as check_command
from quality_hooks.hooks import gate as gate_hook

#: Strict complexity limits; ``tests/**`` is relative to pkg_a, so only pkg_a/tests is covered.
PKG_A = """\
[tool.quality-hooks]
ruff-select = ["F"]

[[tool.quality-hooks.overrides]]
paths = ["tests/**"]
ignore = ["QH303"]

[tool.quality-hooks.gate]
max-complexity = { warning = 2, critical = 3 }
"""
#: Default limits, but a missing docstring fails; unused imports and ``generated/`` left out.
PKG_B = """\
[tool.quality-hooks]
ruff-select = ["F"]
ruff-ignore = ["F401"]
exclude = ["generated/"]

[tool.quality-hooks.gate]
fail-rules = ["QH303"]
"""
MODULE = '''\
"""Module."""


def classify(x):
    """Complexity 4."""
    if x == 1:
        return "one"
    if x == 2:
        return "two"
    if x == 3:
        return "three"
    return "many"
'''
TEST_MODULE = '''\
"""Tests."""

import os


def helper(value):
    return value + 1
'''
GENERATED = '''\
"""Generated."""


def table(value):
    return value
'''
TEXTS = {"mod.py": MODULE, "tests/test_mod.py": TEST_MODULE, "generated/gen.py": GENERATED}
ALL = [f"{package}/{name}" for package in ("pkg_a", "pkg_b") for name in TEXTS]
JUDGED = sorted(set(ALL) - {"pkg_b/generated/gen.py"})
#: What the hook gets, interleaved so that a chunk can start with a file of either package.
HOOK_FILES = ["pkg_b/tests/test_mod.py", "pkg_a/mod.py", "pkg_b/generated/gen.py", "pkg_a/tests/test_mod.py"]


def chunkings(files: list[str]) -> Iterator[list[list[str]]]:
    """Every split of ``files`` into consecutive chunks, as pre-commit may make them."""
    for cuts in range(len(files)):
        for points in combinations(range(1, len(files)), cuts):
            edges = [0, *points, len(files)]
            yield [files[start:end] for start, end in pairwise(edges)]


def verdicts(report: dict[str, Any], root: Path) -> dict[str, tuple[Any, ...]]:
    """Per repository path: level, passed, the gate's reasons and the findings with their status."""
    return {
        Path(root, f["path"]).relative_to(root).as_posix(): (
            f["gate"]["level"],
            f["gate"]["passed"],
            sorted(r["message"] for r in f["gate"]["reasons"]),
            sorted((x["code"], x["line"], x["status"]) for x in f["findings"]),
        )
        for f in report["files"]
    }


def run_in(cwd: Path, main: Any, argv: list[str], output: Path) -> dict[str, tuple[Any, ...]]:
    """One in-process run of an entry point, its JSON report written with ``-o``; the verdicts."""
    previous = os.getcwd()
    os.chdir(cwd)
    try:
        with contextlib.redirect_stdout(io.StringIO()) as stdout:
            code = main([*argv, "--format", "json", "--no-model", "-o", str(output)])
    finally:
        os.chdir(previous)
    assert code in (0, 1) and stdout.getvalue() == "", stdout.getvalue()
    return verdicts(json.loads(output.read_text()), cwd)


@pytest.fixture
def fake() -> Iterator[FakeGitHub]:
    with FakeGitHub(REPO, TOKEN) as server:
        yield server
        assert server.problems == [], server.problems


def test_each_file_is_judged_by_its_own_package_config(tmp_path: Path, fake: FakeGitHub) -> None:
    scenario = Scenario(tmp_path, fake)
    repo = scenario.repo
    repo.write("pkg_a/pyproject.toml", PKG_A)
    repo.write("pkg_b/pyproject.toml", PKG_B)
    scenario.base = repo.commit("two packages")
    for path in ALL:
        repo.write(path, TEXTS[path.split("/", 1)[1]])
    repo.git("add", "-A")

    staged = run_in(repo.path, check_command.main, ["--staged", *ALL], tmp_path / "check.json")
    assert sorted(staged) == JUDGED
    # Each per its own configuration: pkg_a's complexity limit, pkg_a's relative override,
    # pkg_b's fail-rules, ruff-ignore and exclude.
    assert staged["pkg_a/mod.py"][0] == "critical" and staged["pkg_b/mod.py"][0] == "ok"
    assert any("complexity" in reason for reason in staged["pkg_a/mod.py"][2])
    codes_a = {code for code, _, _ in staged["pkg_a/tests/test_mod.py"][3]}
    codes_b = {code for code, _, _ in staged["pkg_b/tests/test_mod.py"][3]}
    assert "QH303" not in codes_a and "F401" in codes_a
    assert "QH303" in codes_b and "F401" not in codes_b
    assert staged["pkg_b/tests/test_mod.py"][:2] == ("critical", False)
    explicit = ["--staged", "--config", "pkg_a/pyproject.toml", *ALL]
    one_config = run_in(repo.path, check_command.main, explicit, tmp_path / "explicit.json")
    assert one_config["pkg_b/mod.py"][0] == "critical" and "pkg_b/generated/gen.py" in one_config

    runs = 0
    for chunks in chunkings(HOOK_FILES):
        by_file: dict[str, tuple[Any, ...]] = {}
        for chunk in chunks:
            runs += 1
            by_file.update(run_in(repo.path, gate_hook.main, chunk, tmp_path / f"gate-{runs}.json"))
        assert by_file == {path: staged[path] for path in HOOK_FILES if path in staged}, chunks
    assert runs == 20  # 8 chunkings of 4 files

    scenario.head = repo.commit("code")
    ci = run_in(repo.path, check_command.main, ["--base", scenario.base], tmp_path / "ci.json")
    assert ci == staged

    fake.add_pull(7, scenario.base, scenario.head, scenario.pr_files())
    bundle_path = tmp_path / "bundle.json"
    action = scenario.run(MODE="analyse", BUNDLE=str(bundle_path), GITHUB_TOKEN="")
    assert action.code == 1, action
    files = {f["path"]: f for f in json.loads(bundle_path.read_text())["files"]}
    assert sorted(files) == JUDGED
    for path, (level, _, reasons, findings) in ci.items():
        assert (files[path]["level"], sorted(files[path]["reasons"])) == (level, reasons), path
        assert files[path]["new"] == sum(1 for _, _, status in findings if status == "new"), path
