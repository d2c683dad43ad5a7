"""Reading source safely: every bad input is one line naming the file."""

from __future__ import annotations

import codecs
import os
from pathlib import Path

import pytest

from quality_hooks.source import SourceError, decode_source, read_source, write_atomic


def test_plain_utf8(tmp_path: Path) -> None:
    path = tmp_path / "a.py"
    path.write_bytes("x = 'é'\n".encode())
    source = read_source(str(path))
    assert source.text == "x = 'é'\n"
    assert (source.encoding, source.bom, source.newline) == ("utf-8", False, "\n")


def test_bom_and_crlf_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "a.py"
    raw = codecs.BOM_UTF8 + b"x = 1\r\ny = 2\r\n"
    path.write_bytes(raw)
    source = read_source(str(path))
    assert source.bom and source.newline == "\r\n"
    assert source.encode(source.text) == raw


def test_latin1_cookie(tmp_path: Path) -> None:
    path = tmp_path / "a.py"
    raw = "# -*- coding: latin-1 -*-\nname = 'café'\n".encode("latin-1")
    path.write_bytes(raw)
    source = read_source(str(path))
    assert "café" in source.text
    assert source.encode(source.text) == raw


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"x = '\xff\xfe'\n", "cannot decode as utf-8"),
        (b"# coding: klingon\nx = 1\n", "bad encoding declaration"),
        (b"x = 1\x00\n", "NUL bytes"),
        (b"# -*- coding: ascii -*-\nx = '\xc3\xa9'\n", "cannot decode as ascii"),
    ],
)
def test_bad_bytes_are_one_line_errors(raw: bytes, expected: str) -> None:
    with pytest.raises(SourceError) as info:
        decode_source("pkg/bad.py", raw)
    message = str(info.value)
    assert message.startswith("pkg/bad.py: ")
    assert expected in message
    assert "\n" not in message


def test_missing_directory_symlink_and_size(tmp_path: Path) -> None:
    real = tmp_path / "real.py"
    real.write_text("x = 1\n")
    link = tmp_path / "link.py"
    os.symlink(real, link)
    big = tmp_path / "big.py"
    big.write_text("x = 1\n" * 1000)
    cases = {
        str(tmp_path / "missing.py"): "no such file",
        str(tmp_path): "is a directory",
        str(link): "symbolic link",
    }
    for path, expected in cases.items():
        with pytest.raises(SourceError, match=expected):
            read_source(path)
    with pytest.raises(SourceError, match="over the 100-byte limit"):
        read_source(str(big), max_bytes=100)


def test_empty_file_is_fine(tmp_path: Path) -> None:
    path = tmp_path / "empty.py"
    path.write_bytes(b"")
    assert read_source(str(path)).text == ""


def test_write_atomic_keeps_mode_encoding_bom_and_newlines(tmp_path: Path) -> None:
    path = tmp_path / "script.py"
    path.write_bytes(codecs.BOM_UTF8 + b"x = 1\r\n")
    path.chmod(0o755)
    source = read_source(str(path))
    write_atomic(source, "x = 2\r\n")
    assert path.read_bytes() == codecs.BOM_UTF8 + b"x = 2\r\n"
    assert path.stat().st_mode & 0o777 == 0o755
    assert [p.name for p in tmp_path.iterdir()] == ["script.py"]
