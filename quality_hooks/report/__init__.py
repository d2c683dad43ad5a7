"""Reporters: one function per output format of ``check``, all with one signature.

A reporter turns a :class:`~quality_hooks.pipeline.CheckRun` into text; the
``check`` command, the ``quality-gate`` hook and the GitHub Action (its SARIF
file) all go through :func:`render`, so a new format is one entry in
:data:`REPORTERS` and every consumer offers it. The Action's Markdown summary
is not one of them: it renders the Action's bundle (pull request, commits,
run link), which a ``check`` run does not have, and lives in
:mod:`quality_hooks.github.summary`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from quality_hooks.choices import FORMATS
from quality_hooks.report import json_report, sarif, text

if TYPE_CHECKING:
    from quality_hooks.pipeline import CheckRun


@dataclass(frozen=True)
class ReportOptions:
    """How a report is shown; a reporter ignores the options it has no use for."""

    #: Also list the findings outside the gate's scope (pre-existing, baselined).
    show_existing: bool = False
    #: SARIF's category (``automationDetails.id`` after the hook/ci/check part), e.g. one per monorepo package.
    category: str | None = None


Reporter = Callable[["CheckRun", ReportOptions], str]

REPORTERS: dict[str, Reporter] = {"text": text.render, "json": json_report.render, "sarif": sarif.render}
assert tuple(REPORTERS) == FORMATS


def render(run: CheckRun, fmt: str, options: ReportOptions | None = None) -> str:
    """The report of ``run`` in format ``fmt`` (one of :data:`FORMATS`)."""
    reporter = REPORTERS.get(fmt)
    if reporter is None:
        raise ValueError(f"unknown report format {fmt!r}; expected one of {', '.join(FORMATS)}")
    return reporter(run, options or ReportOptions())
