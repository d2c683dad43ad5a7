"""QH315: the ``u"..."`` prefix, a Python 2 leftover."""

from __future__ import annotations

import libcst as cst

from quality_hooks.analysis.rules.base import Invalid, Rule, Valid
from quality_hooks.results import Severity


class UnicodePrefix(Rule):
    """Every ``str`` literal is Unicode in Python 3; the ``u`` prefix changes nothing."""

    CODE = "QH315"
    NAME = "unicode-prefix"
    GROUP = "style"
    SEVERITY = Severity.INFO
    DESCRIPTION = "Needless u prefix on a string literal"
    FIXABLE = True
    FIX_SAFETY = "safe"
    FIX_REASON = "`u'x'` and `'x'` are the same str in Python 3."
    VALID = [Valid('s = "text"\n'), Valid("s = b'bytes'\n"), Valid('s = r"\\d"\n')]
    INVALID = [
        Invalid('s = u"text"\n', expected_fix='s = "text"\n', line=1),
        Invalid("s = U'''a\nb'''\n", expected_fix="s = '''a\nb'''\n"),
        Invalid('s = (u"a" "b")\n', expected_fix='s = ("a" "b")\n'),
    ]

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        if node.value[:1] in ("u", "U"):
            self.report(node, replacement=node.with_changes(value=node.value[1:]))
