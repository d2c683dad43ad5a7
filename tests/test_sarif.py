"""SARIF that GitHub takes as it is: relative URIs, fixes, GitHub's line hash, rule metadata, validation."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from conftest import GitRepo, run_cli

from quality_hooks.analysis.rules import all_rules
from quality_hooks.analysis.rules.docs import rule_markdown
from quality_hooks.analysis.rules.testing import example_source
from quality_hooks.report.line_hash import line_hashes

MULTITOOL_ENV = "QUALITY_HOOKS_SARIF_MULTITOOL"
SAMPLE = "def f(x=[]):\n    try:\n        return x\n    except:\n        return None\n"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # github/codeql-action's own test vectors for src/fingerprints.ts.
        ("", ["c129715d7a2bc9a3:1"]),
        (" a\nb\n  \t\tc\n d", ["271789c17abda88f:1", "54703d4cd895b18:1", "180aee12dab6264:1", "a23a3dc5e078b07b:1"]),
        (
            " hello; \t\r\nworld!!!\r\n\r\n\r\n  \t\tGreetings\r\n End\r\n",
            [
                "e9496ae3ebfced30:1",
                "fb7c023a8b9ccb3f:1",
                "ce8ba1a563dcdaca:1",
                "e20e36e16fcb0cc8:1",
                "b3edc88f2938467e:1",
                "c8e28b0b4002a3a0:1",
                "c129715d7a2bc9a3:1",
            ],
        ),
        (
            "Lorem ipsum dolor sit amet.\n" * 10,
            [
                *(f"a7f2ff13bc495cf2:{n}" for n in range(1, 7)),
                *("a7f2ff1481e87703:1", "a9cf91f7bbf1862b:1", "55ec222b86bcae53:1", "cc97dc7b1d7d8f7b:1"),
                "c129715d7a2bc9a3:1",
            ],
        ),
    ],
)
def test_line_hash_is_githubs(text: str, expected: list[str]) -> None:
    assert line_hashes(text) == dict(enumerate(expected, start=1))


def sarif_of(repo: GitRepo, *args: str) -> dict[str, Any]:
    done = run_cli("check", "--no-model", "--format", "sarif", *args, cwd=repo.path)
    assert done.returncode in (0, 1), done.stderr
    data: dict[str, Any] = json.loads(done.stdout)
    return data


def test_locations_fixes_fingerprints_and_automation(git_repo: GitRepo) -> None:
    git_repo.write("pkg/mod.py", SAMPLE)
    git_repo.commit("sample")
    run = sarif_of(git_repo, "pkg")["runs"][0]
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == git_repo.path.resolve().as_uri() + "/"
    assert run["automationDetails"]["id"] == "quality-hooks/check/"
    by_rule = {r["ruleId"]: r for r in run["results"]}
    bare = by_rule["QH202"]
    location = bare["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": "pkg/mod.py", "uriBaseId": "%SRCROOT%"}
    assert bare["partialFingerprints"]["primaryLocationLineHash"] == line_hashes(SAMPLE)[4]
    change = bare["fixes"][0]["artifactChanges"][0]
    assert change["replacements"] == [
        {
            "deletedRegion": {"startLine": 4, "startColumn": 1, "endLine": 5, "endColumn": 1},
            "insertedContent": {"text": "    except BaseException:\n"},
        }
    ]
    assert "fixes" not in by_rule["QH201"]  # reported without a fix
    assert by_rule["QH201"]["message"]["text"].startswith("QH201 (B006) ")
    rules = {rule["id"]: rule for rule in run["tool"]["driver"]["rules"]}
    assert rules["QH202"]["help"]["markdown"] == rule_markdown(all_rules()["QH202"])
    assert rules["QH202"]["helpUri"].endswith("docs/rules.md#qh202-bare-except")
    assert rules["QH202"]["properties"] == {
        "tags": ["quality-hooks", "bug-risk", "correctness"],
        "precision": "high",
        "problem.severity": "warning",
    }
    git_repo.write("pkg/mod.py", SAMPLE + "\n\nY = 2\n")
    assert sarif_of(git_repo, "--base", "HEAD")["runs"][0]["automationDetails"]["id"] == "quality-hooks/ci/"
    git_repo.git("add", "-A")
    staged = sarif_of(git_repo, "--staged", "--sarif-category", "backend")["runs"][0]
    assert staged["automationDetails"]["id"] == "quality-hooks/hook/backend/"


def multitool() -> str | None:
    return os.environ.get(MULTITOOL_ENV) or shutil.which("sarif-multitool")


def every_rule_repo(repo: GitRepo) -> None:
    """One file per rule, its first INVALID example, with that example's options; both tools' findings kept."""
    options = []
    for code, rule in all_rules().items():
        example = rule.INVALID[0]
        repo.write(f"examples/{code.lower()}.py", example_source(example.code))
        if example.options:
            settings = ", ".join(f"{key} = {json.dumps(value)}" for key, value in example.options.items())
            options.append(f"[tool.quality-hooks.rules.{code}]\n{settings.replace(', ', chr(10))}\n")
    repo.write("pyproject.toml", "[tool.quality-hooks]\ndedupe = false\n" + "".join(options))
    repo.commit("examples")


@pytest.mark.skipif(
    multitool() is None, reason=f"SARIF multitool not installed (.ci/run installs it; or set {MULTITOOL_ENV})"
)
def test_microsofts_multitool_validates_a_report_with_every_rule(git_repo: GitRepo, tmp_path: Path) -> None:
    every_rule_repo(git_repo)
    report = tmp_path / "every-rule.sarif"
    report.write_text(json.dumps(sarif_of(git_repo, "examples")))
    results = json.loads(report.read_text())["runs"][0]["results"]
    assert set(all_rules()) <= {r["ruleId"] for r in results}
    out = tmp_path / "validation.sarif"
    tool = multitool()
    assert tool is not None
    # The npm wrapper runs the tool through a shell, so the ';' list is quoted.
    command = [tool, "validate", "--rule-kind", '"Sarif;Gh"', "--log", "ForceOverwrite", "-o", str(out), str(report)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    problems = [
        f"{r['ruleId']}: {r['message'].get('text', r['message'])}"
        for r in json.loads(out.read_text())["runs"][0]["results"]
        if r.get("level", "warning") in ("error", "warning")
    ]
    assert problems == []
