"""FastPositions must agree with LibCST's PositionProvider exactly."""

from __future__ import annotations

import sysconfig
from pathlib import Path

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, PositionProvider

from quality_hooks.analysis.positions import FastPositions

LIB = Path(sysconfig.get_paths()["stdlib"])


@pytest.mark.parametrize("name", ["argparse.py", "dataclasses.py", "enum.py", "functools.py", "string.py"])
def test_same_ranges_as_position_provider(name: str) -> None:
    module = cst.parse_module((LIB / name).read_text(encoding="utf-8"))
    expected = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    fast = FastPositions(module)
    assert len(fast) == len(expected)
    assert all(fast[node] == where for node, where in expected.items())


def test_crlf_and_continuations() -> None:
    module = cst.parse_module("x = (1,\r\n     2)\r\nif x:  \\\r\n    pass\r\n")
    expected = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    fast = FastPositions(module)
    assert all(fast[node] == where for node, where in expected.items())
