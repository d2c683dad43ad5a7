"""QH314: a ``# -*- coding: utf-8 -*-`` line, which Python 3 assumes anyway."""

from __future__ import annotations

import codecs
import re

import libcst as cst

from quality_hooks.analysis.rules.base import Invalid, Rule, Valid
from quality_hooks.results import Severity

#: PEP 263's pattern; only comments on the first two lines count.
_COOKIE = re.compile(r"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)")
#: Comments that say nothing but the encoding, so removing them loses nothing.
_ONLY_COOKIE = re.compile(
    r"#\s*(?:-\*-\s*)?(?:vim?:\s*(?:set\s+)?file)?(?:en)?coding[:=]\s*[-\w.]+\s*(?:-\*-\s*)?:?\s*$", re.IGNORECASE
)


class Utf8CodingCookie(Rule):
    """Source is UTF-8 by default since Python 3; declaring it is noise.

    Only a declared UTF-8 cookie is flagged (another encoding is needed). When
    the comment holds nothing else, the fix empties its line rather than
    deleting it, so tracebacks, logged line numbers and line-based suppressions
    still point where they did.
    """

    CODE = "QH314"
    NAME = "utf8-coding-cookie"
    GROUP = "style"
    SEVERITY = Severity.INFO
    DESCRIPTION = "Needless UTF-8 encoding declaration"
    FIXABLE = True
    FIX_SAFETY = "safe"
    FIX_EDITS_COMMENTS = True
    FIX_REASON = "Empties the cookie line instead of deleting it, so every line keeps its number."
    VALID = [
        Valid("# -*- coding: latin-1 -*-\nx = 1\n"),
        Valid("x = 1\n"),
        Valid("# one\n# two\n# -*- coding: utf-8 -*-\nx = 1\n"),
    ]
    # An example's first newline is dropped (example_source), hence "\n\n" for a fix that leaves line 1 empty.
    INVALID = [
        Invalid("# -*- coding: utf-8 -*-\nx = 1\n", expected_fix="\n\nx = 1\n", line=1),
        Invalid(
            '#!/usr/bin/env python\n# coding=UTF8\n"""Doc."""\n',
            expected_fix='#!/usr/bin/env python\n\n"""Doc."""\n',
            line=2,
        ),
        Invalid("# vim: set fileencoding=utf-8 :\nx = 1\n", expected_fix="\n\nx = 1\n"),
        Invalid("# -*- coding: utf-8; mode: python -*-\nx = 1\n", expected_fix=None),
    ]

    def visit_Module(self, node: cst.Module) -> None:
        for line in node.header[:2]:
            if line.comment is None:
                continue
            match = _COOKIE.match(line.comment.value)
            if not match or not _is_utf8(match.group(1)):
                continue
            if _ONLY_COOKIE.fullmatch(line.comment.value):
                self.report(line, replacement=line.with_changes(comment=None, whitespace=cst.SimpleWhitespace("")))
            else:
                self.report(line)


def _is_utf8(name: str) -> bool:
    try:
        return codecs.lookup(name).name == "utf-8"
    except LookupError:
        return False
