"""A progress bar for long commands, drawn on stderr only when it is a terminal.

Hook output and CI logs stay clean: on a pipe or a file nothing is written. No
dependency: one line redrawn with a carriage return is all a backfill needs.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

WIDTH = 24


class Progress:
    """``done/total`` with a bar, the rate and what is being done now; silent unless ``stream`` is a TTY."""

    def __init__(self, total: int, label: str, stream: TextIO | None = None) -> None:
        self.total = max(total, 0)
        self.label = label
        self.stream = stream or sys.stderr
        self.shown = self.stream.isatty()
        self.done = 0
        self.began = time.monotonic()

    def line(self, note: str = "") -> str:
        """The line as drawn (without the carriage return)."""
        filled = WIDTH * self.done // self.total if self.total else WIDTH
        elapsed = max(time.monotonic() - self.began, 1e-9)
        rate = f"{self.done / elapsed:.2f}/s" if self.done else "-/s"
        return f"{self.label} [{'#' * filled}{'.' * (WIDTH - filled)}] {self.done}/{self.total} {rate} {note}".rstrip()

    def step(self, note: str = "") -> None:
        """Show ``note`` as the current item (before it is done)."""
        if self.shown:
            self.stream.write("\r\x1b[K" + self.line(note))
            self.stream.flush()

    def advance(self, note: str = "") -> None:
        self.done += 1
        self.step(note)

    def close(self) -> None:
        if self.shown:
            self.stream.write("\n")
            self.stream.flush()
