"""QH301: a public module without a docstring."""

from __future__ import annotations

import os

import libcst as cst

from quality_hooks.analysis.rules.base import Invalid, Rule, Valid
from quality_hooks.results import Severity


class MissingModuleDocstring(Rule):
    """The module docstring is where a reader learns why the file exists."""

    CODE = "QH301"
    NAME = "missing-module-docstring"
    GROUP = "readability"
    SEVERITY = Severity.INFO
    DESCRIPTION = "Public module has no docstring"
    VALID = [
        Valid('"""Parse the settings file."""\n\nimport os\n'),
        Valid("# only a comment\n"),
        Valid(""),
        Valid("#!/usr/bin/env python\n'''Tool entry point.'''\nmain()\n"),
    ]
    INVALID = [
        Invalid("import os\n\nprint(os.sep)\n", line=1),
        Invalid("# a comment is not a docstring\nx = 1\n", line=1),
    ]

    def visit_Module(self, node: cst.Module) -> bool:
        name = os.path.basename(self.path)
        private = name.startswith("_") and name not in ("__init__.py", "<string>")
        if node.body and not private and node.get_docstring() is None:
            self.report(node)
        return True
