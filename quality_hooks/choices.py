"""Names the command line offers, kept apart so ``--help`` needs no other module of ours.

The modules that act on them (:mod:`quality_hooks.config` for scopes,
:mod:`quality_hooks.report` for formats) import them from here.
"""

from __future__ import annotations

#: Which findings can fail the gate.
SCOPES = ("changed-lines", "changed-files", "all")
#: Report formats of ``check`` and the gate hook.
FORMATS = ("text", "json", "sarif")
