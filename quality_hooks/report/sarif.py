"""SARIF 2.1.0 that GitHub code scanning takes as it is (upload-sarif), and Microsoft's validator passes.

- Locations are relative to ``%SRCROOT%`` (the repository root, given in ``originalUriBaseIds``), so
  code scanning maps them onto the repository whatever directory the check ran in.
- ``partialFingerprints.primaryLocationLineHash`` is computed as the upload action computes it
  (:mod:`quality_hooks.report.line_hash`), next to our own code fingerprint.
- Fixable findings carry ``fixes`` with ``artifactChanges``: the lines ``quality-hooks fix`` would
  rewrite, cut into hunks as the PR suggestions are, with the fix's class (`properties.fixSafety`: safe, or
  unsafe for one that needs `--unsafe-fixes`) on the fix and on the result.
- Rules carry their docs (``help.markdown``, the same text as ``rules --explain`` and docs/rules.md),
  ``properties.tags``, ``precision`` and ``problem.severity``.
- ``automationDetails.id`` tells the hook, CI and a plain check apart, plus an optional category.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from quality_hooks import __version__, git
from quality_hooks.results import FileResult, Finding, Severity

if TYPE_CHECKING:
    from quality_hooks.config import Config
    from quality_hooks.pipeline import CheckRun
    from quality_hooks.report import ReportOptions

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/quality-hooks/quality-hooks"
SRCROOT = "%SRCROOT%"
_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
#: GitHub's alert severity by group (``error`` is kept for rules whose severity is error).
_PROBLEM_SEVERITY = {"bug-risk": "warning", "complexity": "recommendation", "readability": "recommendation"}
_PRECISION = {"bug-risk": "high", "complexity": "very-high", "readability": "very-high", "style": "very-high"}
_TAG = {"bug-risk": "correctness", "complexity": "maintainability", "readability": "maintainability"}


def _rule_properties(group: str, severity: Severity, source: str) -> dict[str, Any]:
    problem = "error" if severity is Severity.ERROR else _PROBLEM_SEVERITY.get(group, "recommendation")
    tags = list(dict.fromkeys([source, group, _TAG.get(group, "style")]))  # SARIF wants each tag once
    return {"tags": tags, "precision": _PRECISION.get(group, "high"), "problem.severity": problem}


def _qh_descriptor(code: str) -> dict[str, Any]:
    from quality_hooks.analysis.rules import all_rules
    from quality_hooks.analysis.rules.docs import rule_doc, rule_doc_url, rule_markdown

    rule = all_rules()[code]
    doc = rule_doc(rule)
    return {
        "id": code,
        "name": rule.NAME,
        "shortDescription": {"text": rule.DESCRIPTION},
        "fullDescription": {"text": " ".join([*doc.what[:1], doc.why])},
        "help": {"text": " ".join([doc.why, *doc.fix]), "markdown": rule_markdown(rule)},
        "helpUri": rule_doc_url(code),
        "defaultConfiguration": {"level": _LEVEL[rule.SEVERITY]},
        "properties": _rule_properties(rule.GROUP, rule.SEVERITY, "quality-hooks"),
    }


def _other_descriptor(code: str) -> dict[str, Any]:
    from quality_hooks.analysis.equivalents import group_of
    from quality_hooks.analysis.ruff_runner import severity_for

    if code == "QH000":
        text = "The file could not be analysed (unreadable, not Python, or a syntax error)."
        return {
            "id": code,
            "name": "analysis-error",
            "shortDescription": {"text": "The file could not be analysed."},
            "fullDescription": {"text": text},
            "help": {"text": text, "markdown": text + " Fix the reported problem and run the check again."},
            "helpUri": INFORMATION_URI,
            "defaultConfiguration": {"level": "error"},
            "properties": _rule_properties("bug-risk", Severity.ERROR, "quality-hooks"),
        }
    severity = severity_for(code)
    ruff = _ruff_rules().get(code, {})
    name = str(ruff.get("name") or "")
    uri = f"https://docs.astral.sh/ruff/rules/{name}/" if name else "https://docs.astral.sh/ruff/rules/"
    summary = str(ruff.get("summary") or f"ruff rule {code}")
    explanation = str(ruff.get("explanation") or f"See [ruff's documentation]({uri}).")
    descriptor: dict[str, Any] = {
        "id": code,
        "shortDescription": {"text": summary},
        "fullDescription": {"text": summary},
        "help": {"text": f"{summary} See ruff's documentation: {uri}", "markdown": explanation},
        "helpUri": uri,
        "defaultConfiguration": {"level": _LEVEL[severity]},
        "properties": _rule_properties(group_of(code), severity, "ruff"),
    }
    if name:
        descriptor["name"] = name
    return descriptor


@lru_cache(maxsize=1)
def _ruff_rules() -> dict[str, dict[str, Any]]:
    """ruff's own name, summary and explanation of each rule (empty when ruff cannot say)."""
    from quality_hooks.analysis.ruff_runner import find_ruff

    binary = find_ruff()
    if binary is None:
        return {}
    try:
        done = subprocess.run(
            [binary, "rule", "--all", "--output-format", "json"], capture_output=True, timeout=60, check=True
        )
        rules = json.loads(done.stdout)
    except (OSError, subprocess.SubprocessError, ValueError):
        return {}
    return {str(rule.get("code")): rule for rule in rules if isinstance(rule, dict)}


def _descriptors(codes: Sequence[str]) -> list[dict[str, Any]]:
    from quality_hooks.analysis.rules import all_rules

    known = all_rules()
    return [_qh_descriptor(code) if code in known else _other_descriptor(code) for code in codes]


def _artifact(path: str, root: str) -> dict[str, str]:
    """A location relative to %SRCROOT%, or an absolute file URI for a file outside it."""
    absolute = os.path.abspath(path)
    relative = os.path.relpath(absolute, root)
    if relative.startswith(os.pardir):
        return {"uri": Path(absolute).as_uri()}
    return {"uri": Path(relative).as_posix(), "uriBaseId": SRCROOT}


def _region(finding: Finding) -> dict[str, int]:
    end_line = max(finding.end_line, finding.line)
    wide = finding.end_line > finding.line or finding.end_column > finding.column
    return {
        "startLine": finding.line,
        "startColumn": finding.column,
        "endLine": end_line,
        "endColumn": finding.end_column if wide else finding.column + 1,
    }


def _fix_hunks(result: FileResult, config: Config | None) -> list[tuple[int, int, list[str]]]:
    """(first line, last line, new lines) that ``quality-hooks fix`` would write for this file."""
    from quality_hooks.github.suggestions import fixed_text, hunks

    if config is None or result.source is None or not any(f.fixable and f.source != "ruff" for f in result.findings):
        return []
    fixed = fixed_text(result, config)
    return hunks(result.source.text, fixed) if fixed is not None else []


def _fixes(
    finding: Finding, hunks: list[tuple[int, int, list[str]]], artifact: dict[str, str], lines: list[str]
) -> list[dict[str, Any]]:
    touching = [h for h in hunks if h[0] <= max(finding.line, finding.end_line) and h[1] >= finding.line]
    if not finding.fixable or finding.source == "ruff" or not touching:
        return []
    replacements = []
    for start, end, new in touching:
        if end < len(lines):  # whole lines, their line breaks included
            deleted = {"startLine": start, "startColumn": 1, "endLine": end + 1, "endColumn": 1}
            inserted = "".join(line + "\n" for line in new)
        else:  # the last line: up to its end
            deleted = {"startLine": start, "startColumn": 1, "endLine": end, "endColumn": len(lines[end - 1]) + 1}
            inserted = "\n".join(new)
        replacements.append({"deletedRegion": deleted, "insertedContent": {"text": inserted}})
    change = {"artifactLocation": artifact, "replacements": replacements}
    command = "quality-hooks fix" if finding.fix_safety == "safe" else "quality-hooks fix --unsafe-fixes"
    return [
        {
            "description": {"text": f"{command} ({finding.fix_safety} fix)"},
            "artifactChanges": [change],
            "properties": {"fixSafety": finding.fix_safety},
        }
    ]


def _file_results(result: FileResult, root: str, index: dict[str, int], config: Config | None) -> list[dict[str, Any]]:
    from quality_hooks.report.line_hash import line_hashes

    artifact = _artifact(result.path, root)
    if result.error is not None:
        location = {"physicalLocation": {"artifactLocation": artifact}}
        return [
            {
                "ruleId": "QH000",
                "ruleIndex": index["QH000"],
                "level": "error",
                "message": {"text": result.error},
                "locations": [location],
            }
        ]
    text = result.source.text if result.source is not None else ""
    hashes = line_hashes(result.source.raw.decode("utf-8", errors="replace")) if result.source is not None else {}
    hunks = _fix_hunks(result, config)
    lines = text.splitlines()
    found = []
    for finding in result.findings:
        fingerprints = {"qualityHooks/v1": finding.fingerprint}
        if finding.line in hashes:
            fingerprints["primaryLocationLineHash"] = hashes[finding.line]
        item: dict[str, Any] = {
            "ruleId": finding.code,
            "ruleIndex": index[finding.code],
            "level": _LEVEL[finding.severity],
            "message": {"text": f"{finding.label} {finding.message}" if finding.also else finding.message},
            "locations": [{"physicalLocation": {"artifactLocation": artifact, "region": _region(finding)}}],
            "partialFingerprints": fingerprints,
            "properties": {
                "status": finding.status,
                "fixable": finding.fixable,
                "fixSafety": finding.fix_safety,
                "also": finding.also,
            },
        }
        fixes = _fixes(finding, hunks, artifact, lines)
        if fixes:
            item["fixes"] = fixes
        if finding.status == "baseline":
            item["baselineState"] = "unchanged"
        found.append(item)
    return found


def automation_id(context: dict[str, Any], category: str | None = None) -> str:
    """``quality-hooks/hook/``, ``quality-hooks/ci/`` or ``quality-hooks/check/``, then the category.

    Code scanning keeps one set of alerts per ``automationDetails.id`` prefix (before its last
    ``/``), so a hook's report never closes the alerts CI uploaded, nor one category another's.
    """
    kind = "hook" if context.get("staged") else "ci" if context.get("base") else "check"
    parts = ["quality-hooks", kind, *([category.strip("/")] if category else [])]
    return "/".join(parts) + "/"


def build(
    results: Sequence[FileResult],
    root: str = ".",
    *,
    context: dict[str, Any] | None = None,
    category: str | None = None,
    config_of: dict[str, Config] | None = None,
) -> dict[str, Any]:
    """Every finding (with its status: new, existing or baseline) and every analysis error as a result."""
    srcroot = git.find_repo_root(os.path.abspath(root)) or os.path.abspath(root)
    codes = sorted({f.code for r in results for f in r.findings} | {"QH000"})
    rules = _descriptors(codes)
    index = {rule["id"]: i for i, rule in enumerate(rules)}
    configs = config_of or {}
    sarif_results = [item for r in results for item in _file_results(r, srcroot, index, configs.get(r.path))]
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "quality-hooks",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "informationUri": INFORMATION_URI,
                        "rules": rules,
                    }
                },
                "automationDetails": {"id": automation_id(context or {}, category)},
                "originalUriBaseIds": {SRCROOT: {"uri": Path(srcroot).as_uri() + "/"}},
                "results": sarif_results,
                "columnKind": "unicodeCodePoints",
            }
        ],
    }


def render(run: CheckRun, options: ReportOptions) -> str:
    built = build(run.results, run.root, context=run.context, category=options.category, config_of=run.config_of)
    return json.dumps(built, indent=2)
