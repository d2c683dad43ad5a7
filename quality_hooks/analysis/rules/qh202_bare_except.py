"""QH202: a bare ``except:`` also catches KeyboardInterrupt and SystemExit, silently.

The fix spells out what it already does, ``except BaseException:``, so the
behaviour stays and the breadth becomes visible. It is skipped when the module
binds the name ``BaseException`` itself.
"""

from __future__ import annotations

import libcst as cst

from quality_hooks.analysis.rules.base import Invalid, Valid
from quality_hooks.analysis.rules.fix_helpers import BuiltinAwareRule


class BareExcept(BuiltinAwareRule):
    GUARDED = frozenset({"BaseException"})
    CODE = "QH202"
    NAME = "bare-except"
    GROUP = "bug-risk"
    DESCRIPTION = "Bare `except:` catches everything, KeyboardInterrupt included; name the exception"
    FIXABLE = True
    FIX_SAFETY = "safe"
    FIX_REASON = "Writes `except BaseException:`, which catches exactly what a bare `except:` catches."
    VALID = [
        Valid("try:\n    f()\nexcept ValueError:\n    pass\n"),
        Valid("try:\n    f()\nexcept BaseException:\n    raise\n"),
    ]
    INVALID = [
        Invalid(
            "try:\n    f()\nexcept:  # cleanup\n    g()\n    raise\n",
            expected_fix="try:\n    f()\nexcept BaseException:  # cleanup\n    g()\n    raise\n",
            line=3,
        ),
        Invalid(
            "try:\n    f()\nexcept ValueError:\n    pass\nexcept: pass\n",
            expected_fix="try:\n    f()\nexcept ValueError:\n    pass\nexcept BaseException: pass\n",
        ),
        Invalid("BaseException = Exception\ntry:\n    f()\nexcept:\n    pass\n"),
    ]

    def visit_Module(self, node: cst.Module) -> None:
        self._found: list[cst.ExceptHandler] = []

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        if node.type is None:
            self._found.append(node)
        elif isinstance(node.type, cst.Tuple):  # `except (A, BaseException):` reads the name
            for element in node.type.elements:
                self._mark_load(element.value)
        else:
            self._mark_load(node.type)

    def leave_Module(self, original_node: cst.Module) -> None:
        if not self._found:
            return
        safe = self.is_builtin("BaseException")
        for node in self._found:
            replacement = (
                node.with_changes(type=cst.Name("BaseException"), whitespace_after_except=cst.SimpleWhitespace(" "))
                if safe
                else None
            )
            self.report(
                node,
                "Bare `except:` catches everything; write `except BaseException:` or narrower",
                replacement=replacement,
            )
