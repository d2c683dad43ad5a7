"""Markdown for the pull-request summary comment and the job summary.

The comment carries a hidden marker so that every run edits the same comment
instead of adding one. Every string from the analysis is escaped (a file name
or message cannot inject links, mentions or HTML), and the text is kept
under a size limit (GitHub: 65,536 characters per comment) by showing fewer
rows and saying so.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TypeVar

from quality_hooks.github.bundle import Bundle, FileSummary

MARKER = "<!-- quality-hooks:summary -->"
COMMENT_LIMIT = 65536
_SPECIAL = re.compile(r"([\\`*_\[\]|~!])")
#: GitHub links these in plain text (mentions, issue and commit references, bare URLs): a word
#: joiner after the trigger keeps the text and breaks the link.
_AUTOLINKED = re.compile(r"(@|#|://|www\.|\bGH-)(?=\w|/)", re.IGNORECASE)
_WORD_JOINER = "\u2060"
NONE = "\u2013"  # en dash: "no value"
_ICON = {"passed": "✅", "failed": "❌", "error": "⚠️"}
_LEVEL_ICON = {"ok": "✅", "warning": "⚠️", "critical": "❌"}
_T = TypeVar("_T")


def escape(text: str, limit: int = 300) -> str:
    """Plain text that renders as itself in GitHub markdown, on one line."""
    text = " ".join(str(text).split())
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    text = _SPECIAL.sub(r"\\\1", text)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _AUTOLINKED.sub(lambda m: m.group(1) + _WORD_JOINER, text)


def code(text: str, table: bool = False) -> str:
    """Inline code that cannot be broken out of (``table``: inside a table cell, where ``|`` must be escaped)."""
    text = " ".join(str(text).split())[:200]
    if table:
        text = text.replace("|", "\\|")
    fence = "`" * (max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _num(value: float | None, digits: int = 1) -> str:
    return NONE if value is None else f"{value:.{digits}f}"


def _score_cell(summary: FileSummary) -> tuple[str, str]:
    before, after = summary.score_before, summary.score_after
    if before is None or after is None:
        return _num(before), _num(after)
    delta = after - before
    arrow = "" if abs(delta) < 0.05 else (" ▲" if delta > 0 else " ▼")
    return _num(before), f"{_num(after)}{arrow}"


def _file_rows(files: Sequence[FileSummary]) -> list[str]:
    rows = []
    for item in files:
        before, after = _score_cell(item)
        fixed = NONE if item.fixed is None else str(item.fixed)
        existing = item.existing + item.baseline
        rows.append(
            f"| {code(item.path, table=True)} | {before} | {after} | {_num(item.risk, 2)} | {item.new} | {fixed} "
            f"| {existing} | {_LEVEL_ICON.get(item.level, '')} {item.level} |"
        )
    return rows


def _ranked(files: Sequence[FileSummary]) -> list[FileSummary]:
    order = {"critical": 0, "warning": 1, "ok": 2}
    return sorted(files, key=lambda f: (order.get(f.level, 3), -(f.risk or 0.0), f.path))


class _Capped:
    """Shows at most ``cap`` items per list and remembers what it left out."""

    def __init__(self, cap: int) -> None:
        self.cap = cap
        self.hidden: list[str] = []

    def take(self, items: Sequence[_T], what: str) -> Sequence[_T]:
        """The first ``cap`` items; ``what`` names the rest in the shortening note."""
        if len(items) > self.cap:
            self.hidden.append(f"{len(items) - self.cap} more {what}")
        return items[: self.cap]


def _render(bundle: Bundle, run_url: str, cap: int, extra_notes: Sequence[str], history_url: str = "") -> str:
    capped = _Capped(cap)
    sections = (
        _heading(bundle, run_url, history_url),
        _reasons_section(bundle, capped),
        _files_section(bundle, capped),
        _risk_section(bundle, cap),
        _improved_section(bundle, capped),
        _errors_section(bundle, cap),
        _notes_section([*bundle.notes, *extra_notes], cap),
    )
    lines = [line for section in sections for line in section]
    if capped.hidden:
        lines.append(
            f"_Shortened to fit GitHub's size limit: {', '.join(capped.hidden)} not shown; "
            "the SARIF file and the job log have everything._"
        )
    return "\n".join(lines).rstrip() + "\n"


def _heading(bundle: Bundle, run_url: str, history_url: str = "") -> list[str]:
    """Verdict, the facts of the run (with links to the workflow run and the store's page), and the counts."""
    icon = _ICON.get(bundle.gate, "")
    verdict = {"passed": "passed", "failed": "failed", "error": "could not run"}.get(bundle.gate, bundle.gate)
    facts = [
        f"head {code(bundle.head_sha[:12])} against base {code(bundle.base_sha[:12])}",
        f"scope: {bundle.scope}",
        f"fails on: {bundle.fail_on}",
    ]
    if bundle.score is not None:
        facts.append(f"lowest file score: {_num(bundle.score)}")
    if bundle.risk is not None:
        facts.append(f"highest risk: {_num(bundle.risk, 2)}")
    if run_url:
        facts.append(f"[workflow run]({run_url})")
    if history_url.startswith(("https://", "http://")):
        facts.append(f"[quality history]({history_url.replace(' ', '%20').replace(')', '%29')})")
    new = sum(f.new for f in bundle.files)
    existing = sum(f.existing + f.baseline for f in bundle.files)
    fixed = [f.fixed for f in bundle.files if f.fixed is not None]
    counts = f"**{new}** new finding(s), **{existing}** pre-existing"
    counts += f", **{sum(fixed)}** fixed" if fixed else ""
    return [
        MARKER,
        f"## {icon} quality-hooks: gate {verdict}",
        "",
        " · ".join(facts),
        "",
        counts + f" in {len(bundle.files)} changed file(s).",
        "",
    ]


def _reasons_section(bundle: Bundle, capped: _Capped) -> list[str]:
    reasons = [(f.path, reason) for f in _ranked(bundle.files) for reason in f.reasons]
    if not reasons:
        return []
    title = "Why the gate failed" if bundle.gate == "failed" else "Gate reasons"
    shown = capped.take(reasons, "gate reason(s)")
    return [f"### {title}", "", *(f"- {code(path)}: {escape(reason)}" for path, reason in shown), ""]


def _files_section(bundle: Bundle, capped: _Capped) -> list[str]:
    files = _ranked(bundle.files)
    if not files:
        return []
    header = [
        "### Changed files",
        "",
        "| File | Score before | Score after | Risk | New | Fixed | Pre-existing | Gate |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    return [*header, *_file_rows(capped.take(files, "file(s)")), ""]


def _risk_section(bundle: Bundle, cap: int) -> list[str]:
    risky = [f for f in sorted(bundle.files, key=lambda f: -(f.risk or 0.0)) if f.factors][: min(cap, 5)]
    if not risky:
        return []
    lines = ["### Top risk factors", ""]
    for item in risky:
        factors = "; ".join(escape(x, 120) for x in item.factors[:3])
        lines.append(f"- {code(item.path)} (risk {_num(item.risk, 2)}): {factors}")
    return [*lines, ""]


def _improved_section(bundle: Bundle, capped: _Capped) -> list[str]:
    improved = [(f.path, i) for f in bundle.files for i in f.improvements]
    if not improved:
        return []
    shown = capped.take(improved, "improvement(s)")
    return ["### Improved", "", *(f"- {code(path)}: {escape(text)}" for path, text in shown), ""]


def _errors_section(bundle: Bundle, cap: int) -> list[str]:
    errors = [(f.path, f.error) for f in bundle.files if f.error]
    if not errors:
        return []
    return ["### Not analysed", "", *(f"- {code(p)}: {escape(e or '')}" for p, e in errors[:cap]), ""]


def _notes_section(notes: Sequence[str], cap: int) -> list[str]:
    if not notes:
        return []
    return [
        "<details><summary>Notes</summary>",
        "",
        *(f"- {escape(n, 500)}" for n in notes[:cap]),
        "",
        "</details>",
        "",
    ]


def render_summary(
    bundle: Bundle, run_url: str = "", limit: int = COMMENT_LIMIT, notes: Sequence[str] = (), history_url: str = ""
) -> str:
    """The summary comment / job summary: at most ``limit`` characters, marker first; ``history_url`` is the
    metrics store's page of the pull request (when the Action pushes to a store)."""
    cap = 1000
    while True:
        text = _render(bundle, run_url, cap, notes, history_url)
        if len(text) <= limit or cap <= 1:
            break
        cap //= 2
    if len(text) > limit:
        note = "\n\n_Truncated to fit GitHub's size limit._\n"
        text = text[: limit - len(note)] + note
    return text
