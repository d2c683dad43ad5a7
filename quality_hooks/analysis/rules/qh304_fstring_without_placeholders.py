"""QH304: an f-string with nothing to interpolate."""

from __future__ import annotations

import libcst as cst

from quality_hooks.analysis.rules.base import Invalid, Rule, Valid


def _plain_string(node: cst.FormattedString) -> cst.SimpleString:
    quote = node.start.lstrip("rRfF")
    prefix = node.start[: len(node.start) - len(quote)].replace("f", "").replace("F", "")
    body = "".join(part.value for part in node.parts if isinstance(part, cst.FormattedStringText))
    body = body.replace("{{", "{").replace("}}", "}")
    return cst.SimpleString(prefix + quote + body + node.end, lpar=node.lpar, rpar=node.rpar)


class FStringWithoutPlaceholders(Rule):
    """An ``f`` prefix with no ``{...}`` misleads: a placeholder was probably forgotten."""

    CODE = "QH304"
    NAME = "fstring-without-placeholders"
    GROUP = "readability"
    DESCRIPTION = "f-string without placeholders"
    FIXABLE = True
    FIX_SAFETY = "safe"
    FIX_REASON = "Drops the `f` prefix (and un-doubles braces): the string's value is the same."
    VALID = [
        Valid('name = "x"\nprint(f"hello {name}")\n'),
        Valid('print("plain")\n'),
        Valid('print(f"{{literal}} {value}")\n'),
    ]
    INVALID = [
        Invalid('print(f"hello")\n', expected_fix='print("hello")\n', line=1),
        Invalid("x = F'a {{b}} c'\n", expected_fix="x = 'a {b} c'\n"),
        Invalid('x = rf"\\d+{{2}}"\n', expected_fix='x = r"\\d+{2}"\n'),
        Invalid('x = f"""\nmulti\n"""\n', expected_fix='x = """\nmulti\n"""\n'),
        Invalid('x = f"{a}" f"tail"\n', expected_fix='x = f"{a}" "tail"\n'),
    ]

    def visit_FormattedString(self, node: cst.FormattedString) -> None:
        if all(isinstance(part, cst.FormattedStringText) for part in node.parts):
            self.report(node, replacement=_plain_string(node))
