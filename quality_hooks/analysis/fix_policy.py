"""Each finding's fix class as ``fix`` would treat it, for the reports (JSON, SARIF, text totals).

Kept apart from :mod:`quality_hooks.fix` so that analysing and gating a file
never imports the fix machinery (the codemods, the writer): the gate hook's
start-up test asserts it.
"""

from __future__ import annotations

from collections.abc import Sequence

from quality_hooks.config import Config
from quality_hooks.results import Finding


def apply_fix_policy(findings: Sequence[Finding], config: Config) -> None:
    """Each finding's fix class as ``fix`` treats it: ``fix-policy`` overrides the rule's; ``off`` leaves no fix."""
    for finding in findings:
        policy = config.fix_policy.get(finding.code)
        if policy is None or finding.fix_safety is None:
            continue
        finding.fixable = policy != "off"
        finding.fix_safety = None if policy == "off" else policy
