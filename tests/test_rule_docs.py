"""Rule docs in ruff's shape: generated from the rule classes, docs/rules.md kept in step, --explain."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import run_cli

from quality_hooks.analysis.rules import all_rules
from quality_hooks.analysis.rules.base import Rule
from quality_hooks.analysis.rules.docs import rule_doc, rule_doc_url, rule_markdown
from quality_hooks.analysis.rules.testing import example_source
from quality_hooks.commands.rules import docs_markdown

ROOT = Path(__file__).resolve().parents[1]
SECTIONS = ("What it does", "Why it matters", "Example", "Use instead", "What the fix can change")


def test_docs_rules_md_is_the_generated_one() -> None:
    generated = docs_markdown()
    assert (ROOT / "docs" / "rules.md").read_text(encoding="utf-8") == generated, (
        "docs/rules.md is out of date: run `quality-hooks rules --format markdown > docs/rules.md`"
    )


@pytest.mark.parametrize("rule", list(all_rules().values()), ids=lambda r: r.CODE)
def test_every_rule_documents_every_section(rule: type[Rule]) -> None:
    doc = rule_doc(rule)
    assert doc.why and doc.what and doc.fix and doc.example and doc.instead
    text = rule_markdown(rule)
    for section in SECTIONS:
        assert f"### {section}\n" in text, f"{rule.CODE} lacks {section}"
    # The examples are the ones the test suite runs, so they cannot rot.
    assert example_source(rule.INVALID[0].code).rstrip("\n") in text
    assert "``" not in text.replace("```", "")


def test_explain_prints_one_rules_docs() -> None:
    done = run_cli("rules", "--explain", "QH202")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("# QH202 bare-except\n")
    assert "## Why it matters\n\nA bare `except:` also catches KeyboardInterrupt" in done.stdout
    assert "except BaseException:" in done.stdout and "ruff `E722`" in done.stdout
    unknown = run_cli("rules", "--explain", "QH999")
    assert unknown.returncode == 2 and "unknown rule 'QH999'" in unknown.stderr


def test_doc_url_points_at_the_rules_heading() -> None:
    url = rule_doc_url("QH201")
    assert url is not None and url.endswith("docs/rules.md#qh201-mutable-default-argument")
    assert "\n## QH201 mutable-default-argument\n" in docs_markdown()
    assert rule_doc_url("B006") is None
