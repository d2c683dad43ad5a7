"""SARIF 2.1.0 for GitHub code scanning (upload-sarif)."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from quality_hooks import __version__
from quality_hooks.results import FileResult, Severity

if TYPE_CHECKING:
    from quality_hooks.pipeline import CheckRun
    from quality_hooks.report import ReportOptions

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
HELP_URI = "https://github.com/quality-hooks/quality-hooks#rules"
_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def _rule_descriptors(results: Sequence[FileResult]) -> list[dict[str, Any]]:
    from quality_hooks.analysis.rules import all_rules

    known = all_rules()
    codes = sorted({f.code for r in results for f in r.findings} | {"QH000"})
    descriptors = []
    for code in codes:
        rule = known.get(code)
        if rule is not None:
            name, text = rule.NAME, rule.DESCRIPTION
            fixable = " Auto-fixable with `quality-hooks fix`." if rule.FIXABLE else ""
            help_text = f"{rule.DESCRIPTION} Group: {rule.GROUP}.{fixable}"
            level = _LEVEL[rule.SEVERITY]
            uri = f"{HELP_URI}-{code.lower()}"
        elif code == "QH000":
            name, text, help_text, level = (
                "analysis-error",
                "The file could not be analysed.",
                "Fix the reported problem.",
                "error",
            )
            uri = HELP_URI
        else:
            name, text = code, f"ruff rule {code}"
            help_text, level = f"See ruff's documentation for {code}.", "warning"
            uri = f"https://docs.astral.sh/ruff/rules/#{code.lower()}"
        descriptors.append(
            {
                "id": code,
                "name": name,
                "shortDescription": {"text": text},
                "fullDescription": {"text": text},
                "help": {"text": help_text.strip(), "markdown": help_text.strip()},
                "helpUri": uri,
                "defaultConfiguration": {"level": level},
            }
        )
    return descriptors


def build(results: Sequence[FileResult]) -> dict[str, Any]:
    """Every finding (with its status: new, existing or baseline) and every analysis error as a result."""
    rules = _rule_descriptors(results)
    index = {rule["id"]: i for i, rule in enumerate(rules)}
    sarif_results = []
    for result in results:
        uri = result.path.replace(os.sep, "/")
        uri = uri[2:] if uri.startswith("./") else uri
        if result.error is not None:
            sarif_results.append(
                {
                    "ruleId": "QH000",
                    "ruleIndex": index["QH000"],
                    "level": "error",
                    "message": {"text": result.error},
                    "locations": [{"physicalLocation": {"artifactLocation": {"uri": uri}}}],
                }
            )
            continue
        for finding in result.findings:
            region = {
                "startLine": finding.line,
                "startColumn": finding.column,
                "endLine": max(finding.end_line, finding.line),
                "endColumn": finding.end_column
                if finding.end_line > finding.line or finding.end_column > finding.column
                else finding.column + 1,
            }
            item: dict[str, Any] = {
                "ruleId": finding.code,
                "ruleIndex": index[finding.code],
                "level": _LEVEL[finding.severity],
                "message": {"text": finding.message},
                "locations": [{"physicalLocation": {"artifactLocation": {"uri": uri}, "region": region}}],
                "partialFingerprints": {"qualityHooks/v1": finding.fingerprint},
                "properties": {"status": finding.status, "fixable": finding.fixable},
            }
            if finding.status == "baseline":
                item["baselineState"] = "unchanged"
            sarif_results.append(item)
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "quality-hooks",
                        "version": __version__,
                        "informationUri": "https://github.com/quality-hooks/quality-hooks",
                        "rules": rules,
                    }
                },
                "results": sarif_results,
                "columnKind": "unicodeCodePoints",
            }
        ],
    }


def render(run: CheckRun, options: ReportOptions) -> str:
    return json.dumps(build(run.results), indent=2)
