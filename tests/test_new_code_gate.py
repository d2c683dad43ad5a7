"""Issue 3: the gate judges what a change adds, in real git repositories."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import GitRepo, run_cli

CONFIG = """\
[tool.quality-hooks]
ruff = false
[tool.quality-hooks.gate]
max-complexity = { warning = 4, critical = 6 }
max-cognitive = { warning = 100, critical = 200 }
min-maintainability = { warning = 0, critical = 0 }
"""


def branches(count: int, name: str = "legacy") -> str:
    """A function whose cyclomatic complexity is ``count + 1``."""
    body = "".join(f"    if x == {i}:\n        return {i}\n" for i in range(count))
    return f'def {name}(x):\n    """Doc."""\n{body}    return -1\n'


def check(repo: GitRepo, *args: str) -> tuple[int, dict]:
    done = run_cli("check", "--format", "json", "--no-model", *args, cwd=repo.path)
    assert done.returncode in (0, 1), done.stderr
    return done.returncode, json.loads(done.stdout)


def file_report(report: dict, name: str) -> dict:
    return next(f for f in report["files"] if f["path"].endswith(name))


def setup_repo(repo: GitRepo) -> None:
    repo.write("pyproject.toml", CONFIG)
    repo.write("legacy.py", '"""Legacy."""\n\n\n' + branches(8) + "\n\nVALUE = 1\n")
    repo.commit("legacy code")


def test_untouched_legacy_problems_do_not_fail(git_repo: GitRepo) -> None:
    setup_repo(git_repo)
    git_repo.write("legacy.py", (git_repo.path / "legacy.py").read_text().replace("VALUE = 1", "VALUE = 2"))
    git_repo.git("add", "legacy.py")
    code, report = check(git_repo, "--staged")
    assert code == 0, report
    legacy = file_report(report, "legacy.py")
    assert legacy["gate"]["passed"]
    # The whole-file check still sees the legacy function.
    code_all, _ = check(git_repo, "--scope", "all", "legacy.py")
    assert code_all == 1


def test_new_complex_function_fails(git_repo: GitRepo) -> None:
    setup_repo(git_repo)
    git_repo.write("legacy.py", (git_repo.path / "legacy.py").read_text() + "\n\n" + branches(7, "fresh"))
    git_repo.git("add", "legacy.py")
    code, report = check(git_repo, "--staged")
    assert code == 1
    reasons = [r["message"] for r in file_report(report, "legacy.py")["gate"]["reasons"]]
    assert any("fresh()" in r and "critical" in r for r in reasons), reasons
    assert not any("legacy()" in r for r in reasons), reasons


def test_ratchet_worse_fails_and_simpler_is_improved(git_repo: GitRepo) -> None:
    setup_repo(git_repo)
    worse = (git_repo.path / "legacy.py").read_text().replace(branches(8), branches(10))
    git_repo.write("legacy.py", worse)
    git_repo.git("add", "legacy.py")
    code, report = check(git_repo, "--staged")
    assert code == 1
    reasons = [r["message"] for r in file_report(report, "legacy.py")["gate"]["reasons"]]
    assert any("legacy()" in r and "(was 9)" in r for r in reasons), reasons

    simpler = (git_repo.path / "legacy.py").read_text().replace(branches(10), branches(6))
    git_repo.write("legacy.py", simpler)
    git_repo.git("add", "legacy.py")
    code, report = check(git_repo, "--staged")
    assert code == 0, report
    legacy = file_report(report, "legacy.py")
    assert any("legacy()" in item and "9 -> 7" in item for item in legacy["improvements"]), legacy


def test_new_file_is_judged_on_absolute_thresholds(git_repo: GitRepo) -> None:
    setup_repo(git_repo)
    git_repo.write("fresh.py", '"""Fresh."""\n\n\n' + branches(7, "fresh"))
    git_repo.git("add", "fresh.py")
    code, report = check(git_repo, "--staged")
    assert code == 1
    assert [f["path"] for f in report["files"]] == [str(git_repo.path / "fresh.py")] or report["files"][0][
        "path"
    ].endswith("fresh.py")


def test_rename_and_delete(git_repo: GitRepo) -> None:
    setup_repo(git_repo)
    git_repo.write("gone.py", '"""Gone."""\nX = 1\n')
    git_repo.commit("more")
    git_repo.git("mv", "legacy.py", "renamed.py")
    git_repo.git("rm", "-q", "gone.py")
    text = (git_repo.path / "renamed.py").read_text().replace("VALUE = 1", "VALUE = 3")
    git_repo.write("renamed.py", text)
    git_repo.git("add", "renamed.py")
    code, report = check(git_repo, "--staged")
    assert code == 0, report
    renamed = file_report(report, "renamed.py")
    assert renamed["change"]["status"] == "renamed"
    assert renamed["change"]["old_path"] == "legacy.py"
    assert renamed["change"]["changed_lines"] == 1
    assert not any(f["path"].endswith("gone.py") for f in report["files"])


def test_partially_staged_file_is_judged_by_its_staged_content(git_repo: GitRepo) -> None:
    setup_repo(git_repo)
    clean = (git_repo.path / "legacy.py").read_text()
    git_repo.write("legacy.py", clean + "\n\n" + branches(7, "fresh"))
    git_repo.git("add", "legacy.py")
    # Unstaged: the complex function is removed again in the working tree only.
    git_repo.write("legacy.py", clean)
    code, _ = check(git_repo, "--staged")
    assert code == 1
    # The other way round: staged is clean, the working tree is not.
    git_repo.git("add", "legacy.py")
    git_repo.write("legacy.py", clean + "\n\n" + branches(7, "fresh"))
    code, report = check(git_repo, "--staged")
    assert code == 0, report


def test_merge_base_not_base_branch_head(git_repo: GitRepo) -> None:
    setup_repo(git_repo)
    git_repo.git("checkout", "-q", "-b", "feature")
    git_repo.write("feature.py", '"""Feature."""\n\nX = 1\n')
    git_repo.commit("feature work")
    git_repo.git("checkout", "-q", "main")
    # main moves on with a file the feature branch never had.
    git_repo.write("mainline.py", '"""Main."""\n\n\n' + branches(7, "mainline"))
    git_repo.commit("main moves on")
    git_repo.git("checkout", "-q", "feature")
    code, report = check(git_repo, "--base", "main")
    assert code == 0, report
    assert [Path(f["path"]).name for f in report["files"]] == ["feature.py"]
    assert report["context"]["base_commit"] != git_repo.git("rev-parse", "main").strip()


def test_baseline_survives_lines_inserted_above(git_repo: GitRepo) -> None:
    git_repo.write("pyproject.toml", CONFIG + "[tool.quality-hooks.gate.max-new-findings]\ncritical = 0\n")
    git_repo.write("mod.py", '"""Mod."""\n\n\ndef f(x):\n    """Doc."""\n    return x == None\n')
    git_repo.commit("start")
    done = run_cli("baseline", cwd=git_repo.path)
    assert done.returncode == 0, done.stderr
    baseline = json.loads((git_repo.path / ".quality-baseline.json").read_text())
    assert baseline["findings"], baseline
    code, report = check(git_repo, "--scope", "all", "mod.py")
    assert code == 0, report
    # Insert lines above the baselined finding: still matched.
    text = (git_repo.path / "mod.py").read_text().replace('"""Mod."""\n', '"""Mod."""\n\nA = 1\nB = 2\n')
    git_repo.write("mod.py", text)
    code, report = check(git_repo, "--scope", "all", "mod.py")
    assert code == 0, report
    statuses = {f["status"] for f in file_report(report, "mod.py")["findings"]}
    assert statuses == {"baseline"}
    # Fix the finding: the entry is reported stale.
    git_repo.write("mod.py", text.replace("x == None", "x is None"))
    code, report = check(git_repo, "--scope", "all", "mod.py")
    assert code == 0
    assert any("no longer found" in note for note in report["context"]["notes"])


def test_score_drop_ratchet_compares_whole_file_scores(git_repo: GitRepo) -> None:
    """Base and new version are both scored by the bundled model and compared like with like."""
    setup_repo(git_repo)
    config = CONFIG.replace(
        "[tool.quality-hooks.gate]\n", "[tool.quality-hooks.gate]\nmax-score-drop = { critical = -100 }\n"
    )
    git_repo.write("pyproject.toml", config)
    git_repo.commit("config")
    git_repo.write("legacy.py", (git_repo.path / "legacy.py").read_text().replace("VALUE = 1", "VALUE = 2"))
    git_repo.git("add", "legacy.py")
    done = run_cli("check", "--staged", "--format", "json", cwd=git_repo.path)
    report = json.loads(done.stdout)
    legacy = file_report(report, "legacy.py")
    assert legacy["base_score"] is not None and legacy["whole_file_score"] is not None
    reasons = [r for r in legacy["gate"]["reasons"] if r["check"] == "max-score-drop"]
    before, after = legacy["base_score"]["score"], legacy["whole_file_score"]["score"]
    assert len(reasons) == 1 and f"-> {after:g}" in reasons[0]["message"].replace(".0)", ")"), (reasons, before, after)
    assert done.returncode == 1
