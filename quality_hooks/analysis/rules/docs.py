"""Each rule's documentation in ruff's shape, built from the rule class itself.

What it does (``DESCRIPTION`` and the docstrings' scope notes), why it matters (the class
docstring's first paragraph, else the module docstring's headline), an example and what to write
instead (the rule's own first ``INVALID`` example and its expected fix, else its first ``VALID``
one: the test suite runs them, so the docs cannot show an example that is wrong) and what its
fix can change (``FIX_REASON`` and the docstrings' notes on the fix). ``rules --explain CODE``,
``docs/rules.md`` (``rules --format markdown``), SARIF's ``help.markdown`` and the PR
suggestions all read :func:`rule_markdown` / :func:`rule_doc_url`, so they say the same.
"""

from __future__ import annotations

import inspect
import re
import sys
from dataclasses import dataclass, field

from quality_hooks.analysis.equivalents import equivalents_of
from quality_hooks.analysis.rules.base import MetricRule, Rule
from quality_hooks.analysis.rules.testing import example_source

#: Where docs/rules.md is published; each rule is a heading (anchor ``qh201-mutable-default-argument``).
DOCS_URL = "https://github.com/quality-hooks/quality-hooks/blob/main/docs/rules.md"
_HEADLINE = re.compile(r"^QH\d{3}:\s*")
_FIX_WORDS = re.compile(r"\b(fix|fixes|fixed|fixing)\b", re.IGNORECASE)


@dataclass(frozen=True)
class RuleDoc:
    """One rule's documentation, section by section."""

    code: str
    name: str
    what: list[str]
    why: str
    example: str
    instead: str
    instead_is_fix: bool
    fix: list[str]
    options: dict[str, object] = field(default_factory=dict)
    example_options: dict[str, object] = field(default_factory=dict)


def _paragraphs(text: str | None) -> list[str]:
    """Docstring paragraphs on one line each, with reST's double backticks as Markdown's single ones."""
    cleaned = inspect.cleandoc(text or "").replace("``", "`")
    return [" ".join(part.split()) for part in cleaned.split("\n\n") if part.strip()]


def _sentence(text: str) -> str:
    text = _HEADLINE.sub("", text).strip()
    text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


def _fix_text(rule: type[Rule], notes: list[str]) -> list[str]:
    reason, safety = rule.FIX_REASON, rule.FIX_SAFETY
    if not rule.FIXABLE:
        return notes or ["No fix: the finding is reported for a person to decide."]
    when = "" if safety == "safe" else " with `--unsafe-fixes` (or the rule's `fix-policy`)"
    head = f"`quality-hooks fix` rewrites it{when} ({safety} fix)."
    return [head, *([_sentence(reason)] if reason else []), *notes]


def rule_doc(rule: type[Rule]) -> RuleDoc:
    """The documentation of ``rule``, from its attributes, docstrings and examples."""
    module_doc = _paragraphs(sys.modules[rule.__module__].__doc__)
    class_doc = _paragraphs(rule.__doc__) if rule.__doc__ != Rule.__doc__ else []
    headline, module_rest = (module_doc[0], module_doc[1:]) if module_doc else ("", [])
    why = class_doc[0] if class_doc else _sentence(headline)
    details = [*module_rest, *class_doc[1:]]
    fix_notes = [p for p in details if _FIX_WORDS.search(p)]
    scope = [p for p in details if p not in fix_notes]
    example = rule.INVALID[0]
    if example.expected_fix is not None:
        instead, is_fix = example_source(example.expected_fix), True
    else:
        instead, is_fix = example_source(rule.VALID[0].code), False
    return RuleDoc(
        code=rule.CODE,
        name=rule.NAME,
        what=[_sentence(rule.DESCRIPTION), *scope],
        why=why,
        example=example_source(example.code),
        instead=instead,
        instead_is_fix=is_fix,
        fix=_fix_text(rule, fix_notes),
        options=dict(rule.OPTIONS),
        example_options=dict(example.options),
    )


def anchor(rule: type[Rule]) -> str:
    """GitHub's anchor for the rule's heading in docs/rules.md."""
    return f"{rule.CODE.lower()}-{rule.NAME}"


def rule_doc_url(code: str) -> str | None:
    """Where ``code``'s documentation is published (``None`` for a code that is not ours)."""
    from quality_hooks.analysis.rules import all_rules

    rule = all_rules().get(code)
    return f"{DOCS_URL}#{anchor(rule)}" if rule is not None else None


def _counterparts(code: str) -> str:
    entry = equivalents_of(code)
    parts = []
    if entry.ruff:
        parts.append("ruff " + ", ".join(f"`{c}`" for c in entry.ruff))
    if entry.flake8:
        parts.append("flake8 " + ", ".join(f"`{c}`" for c in entry.flake8))
    if entry.pylint:
        parts.append("pylint " + ", ".join(f"`{m.id}` `{m.symbol}`" for m in entry.pylint))
    return "; ".join(parts) or "none"


def _code_block(code: str) -> list[str]:
    return ["```python", code.rstrip("\n"), "```"]


def rule_markdown(rule: type[Rule], level: int = 2) -> str:
    """The rule's documentation as Markdown, its heading at ``level``."""
    doc = rule_doc(rule)
    sub = "#" * (level + 1)
    facts = f"Group: {rule.GROUP} · severity: {rule.SEVERITY.value} · fix: "
    facts += rule.FIX_SAFETY if rule.FIXABLE else "none"
    lines = [
        f"{'#' * level} {rule.CODE} {rule.NAME}",
        "",
        facts + ".",
        "",
        f"Same check elsewhere: {_counterparts(rule.CODE)}.",
    ]
    lines += ["", f"{sub} What it does", ""]
    lines += [line for paragraph in doc.what for line in (paragraph, "")]
    lines += [f"{sub} Why it matters", "", doc.why, "", f"{sub} Example", ""]
    if doc.example_options:
        settings = ", ".join(f"`{k} = {v!r}`" for k, v in doc.example_options.items())
        lines += [f"With {settings}:", ""]
    lines += _code_block(doc.example)
    lines += ["", f"{sub} Use instead", ""]
    if doc.instead_is_fix:
        lines += ["What `quality-hooks fix` makes of the example:", ""]
    lines += _code_block(doc.instead)
    lines += ["", f"{sub} What the fix can change", ""]
    lines += [line for paragraph in doc.fix for line in (paragraph, "")]
    if doc.options:
        lines += [f"{sub} Options", ""]
        lines += [f"- `{key}` (default `{value!r}`)" for key, value in doc.options.items()]
        lines.append("")
    if issubclass(rule, MetricRule):
        lines += ["Thresholds are set per rule: `[tool.quality-hooks.rules." + rule.CODE + "]`.", ""]
    return "\n".join(lines).rstrip("\n") + "\n"
