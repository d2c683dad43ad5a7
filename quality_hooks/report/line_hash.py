"""``primaryLocationLineHash`` as GitHub's upload action computes it, so alerts keep their identity.

github/codeql-action (``src/fingerprints.ts``) fills this fingerprint for results that lack it: a
rolling hash (base 37, modulo 2**64) over the next 100 characters from the start of each line,
spaces and tabs skipped, CR and CRLF read as LF, the end of the file marked by the code unit 65535
and padded with zeros; the hex value is suffixed ``:N`` for its N-th occurrence in the file.
Characters are UTF-16 code units, as JavaScript's ``charCodeAt`` sees them. Computing it here
gives the same value whether or not the upload step can read the file, and tests check it
against the action's own test vectors.
"""

from __future__ import annotations

_MASK = (1 << 64) - 1
_BLOCK = 100
_BASE = 37
_FIRST = pow(_BASE, _BLOCK, 1 << 64)
_END = 65535
_SPACE, _TAB, _LF, _CR = 32, 9, 10, 13


class _Roller:
    """The rolling window: the hash of the last 100 characters and the lines starting in it."""

    def __init__(self) -> None:
        self.window = [0] * _BLOCK
        self.starts = [-1] * _BLOCK
        self.value = 0
        self.index = 0
        self.seen: dict[str, int] = {}
        self.hashes: dict[int, str] = {}

    def emit(self) -> None:
        """The line that started 100 characters ago gets the current hash."""
        line = self.starts[self.index]
        if line == -1:
            return
        text = format(self.value, "x")
        self.seen[text] = self.seen.get(text, 0) + 1
        self.hashes[line] = f"{text}:{self.seen[text]}"
        self.starts[self.index] = -1

    def push(self, unit: int) -> None:
        dropped = self.window[self.index]
        self.window[self.index] = unit
        self.value = (_BASE * self.value + unit - _FIRST * dropped) & _MASK
        self.index = (self.index + 1) % _BLOCK


def line_hashes(text: str) -> dict[int, str]:
    """1-based line number -> its ``primaryLocationLineHash`` for the file whose content is ``text``."""
    roller = _Roller()
    line, at_line_start, after_cr = 0, True, False
    units = memoryview(text.encode("utf-16-le")).cast("H").tolist()
    for unit in [*units, _END]:
        if unit in (_SPACE, _TAB) or (after_cr and unit == _LF):
            after_cr = False
            continue
        after_cr = unit == _CR
        if after_cr:
            unit = _LF
        roller.emit()
        if at_line_start:
            at_line_start = False
            line += 1
            roller.starts[roller.index] = line
        at_line_start = unit == _LF
        roller.push(unit)
    for _ in range(_BLOCK):
        roller.emit()
        roller.push(0)
    return roller.hashes
