"""The codegen-driven traversal must call rules as LibCST's own visit does."""

from __future__ import annotations

import sysconfig
from pathlib import Path

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper

from quality_hooks.analysis import traverse
from quality_hooks.analysis.traverse import CachedBatchableVisitor

LIB = Path(sysconfig.get_paths()["stdlib"])
WHITESPACE = (cst.SimpleWhitespace, cst.ParenthesizedWhitespace, cst.TrailingWhitespace, cst.Newline)


class Recorder(CachedBatchableVisitor):
    """Records every non-whitespace enter/leave plus the If.body attribute events."""

    def __init__(self) -> None:
        super().__init__()
        self.events: list[tuple[str, int]] = []

    def visit_If_body(self, node: cst.If) -> None:
        self.events.append(("visit If.body", id(node)))

    def leave_If_body(self, node: cst.If) -> None:
        self.events.append(("leave If.body", id(node)))


def _record_all(recorder: Recorder) -> None:
    def enter(node: cst.CSTNode) -> None:
        if not isinstance(node, WHITESPACE):
            recorder.events.append(("visit", id(node)))

    def leave(node: cst.CSTNode) -> None:
        if not isinstance(node, WHITESPACE):
            recorder.events.append(("leave", id(node)))

    names = [n for n in dir(cst) if isinstance(getattr(cst, n), type) and issubclass(getattr(cst, n), cst.CSTNode)]
    for name in names:
        setattr(recorder, f"visit_{name}", enter)
        setattr(recorder, f"leave_{name}", leave)


class FullRecorder(Recorder):
    def get_visitors(self) -> dict:  # type: ignore[override]
        return {name: getattr(self, name) for name in dir(self) if name.startswith(("visit_", "leave_"))}


@pytest.mark.parametrize("name", ["argparse.py", "ast.py", "contextlib.py", "enum.py", "pathlib.py"])
def test_same_order_as_libcst(name: str) -> None:
    module = cst.parse_module((LIB / name).read_text(encoding="utf-8"))
    ours, theirs = FullRecorder(), FullRecorder()
    _record_all(ours)
    _record_all(theirs)
    traverse.visit_batched(MetadataWrapper(module, unsafe_skip_copy=True), [ours])
    MetadataWrapper(module, unsafe_skip_copy=True).visit_batched([theirs])
    assert len(ours.events) > 1000
    assert ours.events == theirs.events
