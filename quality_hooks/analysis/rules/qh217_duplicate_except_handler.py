"""QH217: an ``except`` clause for exceptions an earlier clause already catches never runs.

The fix removes the unreachable clause; only clauses naming exactly the same
classes (by name) are removed, so subclass relations are never guessed.
"""

from __future__ import annotations

import libcst as cst

from quality_hooks.analysis.rules.base import Invalid, Rule, Valid
from quality_hooks.analysis.rules.helpers import dotted_name


def _names(kind: cst.BaseExpression | None) -> list[str | None]:
    if kind is None:
        return [None]
    elements = [e.value for e in kind.elements] if isinstance(kind, cst.Tuple) else [kind]
    return [dotted_name(element) for element in elements]


class DuplicateExceptHandler(Rule):
    CODE = "QH217"
    NAME = "duplicate-except-handler"
    GROUP = "bug-risk"
    DESCRIPTION = "`except` clause catches only exceptions an earlier clause already catches"
    FIXABLE = True
    FIX_SAFETY = "unsafe"
    FIX_REASON = "Deletes the repeated clause, matched by name: code is dropped and later line numbers shift."
    VALID = [
        Valid("try:\n    f()\nexcept KeyError:\n    a()\nexcept IndexError:\n    b()\n"),
        Valid("try:\n    f()\nexcept (KeyError, IndexError):\n    a()\nexcept (IndexError, ValueError):\n    b()\n"),
    ]
    INVALID = [
        Invalid(
            "try:\n    f()\nexcept KeyError:\n    a()\nexcept KeyError:\n    b()\nfinally:\n    c()\n",
            expected_fix="try:\n    f()\nexcept KeyError:\n    a()\nfinally:\n    c()\n",
            line=5,
        ),
        Invalid(
            """
            try:
                f()
            except (os.error, KeyError) as e:
                a(e)
            except KeyError:
                b()
            except ValueError:
                c()
            """,
            expected_fix="""
            try:
                f()
            except (os.error, KeyError) as e:
                a(e)
            except ValueError:
                c()
            """,
        ),
    ]

    def visit_Try(self, node: cst.Try) -> None:
        seen: set[str] = set()
        for handler in node.handlers:
            names = _names(handler.type)
            if None in names:
                return
            if all(name in seen for name in names):
                self.report(handler, replacement=cst.RemovalSentinel.REMOVE)
            seen.update(name for name in names if name is not None)
