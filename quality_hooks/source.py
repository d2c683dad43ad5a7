"""Read a Python file once, safely, remembering how to write it back.

Every user-facing problem becomes :class:`SourceError` with a one-line message;
callers report it for that file and carry on with the others.
"""

from __future__ import annotations

import codecs
import io
import os
import re
import stat
import tokenize
from dataclasses import dataclass

DEFAULT_MAX_BYTES = 2 * 1024 * 1024
_COOKIE = re.compile(rb"^[ \t\f]*#.*?coding[:=]", re.MULTILINE)


class SourceError(Exception):
    """A file that cannot be analysed; ``str()`` is the one-line reason."""


@dataclass
class SourceFile:
    """Decoded text plus what is needed to write it back byte-for-byte alike."""

    path: str
    raw: bytes
    text: str
    encoding: str
    bom: bool
    newline: str
    mode: int

    def encode(self, text: str) -> bytes:
        """Encode ``text`` with the file's encoding and BOM."""
        data = text.encode(self.encoding)
        if self.bom and not data.startswith(codecs.BOM_UTF8):
            data = codecs.BOM_UTF8 + data
        return data


def detect_newline(raw: bytes) -> str:
    """The first line ending in the file wins, as editors do."""
    index = raw.find(b"\n")
    if index > 0 and raw[index - 1 : index] == b"\r":
        return "\r\n"
    if index == -1 and b"\r" in raw:
        return "\r"
    return "\n"


def decode_source(path: str, raw: bytes) -> SourceFile:
    """Decode bytes as Python does (BOM, PEP 263 cookie); raise SourceError."""
    if b"\x00" in raw:
        raise SourceError(f"{path}: contains NUL bytes, not a Python source file")
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(raw).readline)
    except SyntaxError as exc:
        if not _COOKIE.search(b"\n".join(raw.splitlines()[:2])):
            encoding = "utf-8"  # no cookie: bad bytes are reported by the decode below
        else:
            raise SourceError(f"{path}: bad encoding declaration: {exc.msg}") from None
    bom = raw.startswith(codecs.BOM_UTF8)
    codec = "utf-8" if encoding == "utf-8-sig" else encoding
    body = raw[len(codecs.BOM_UTF8) :] if bom else raw
    try:
        text = body.decode(codec)
    except (UnicodeDecodeError, LookupError) as exc:
        reason = exc.reason if isinstance(exc, UnicodeDecodeError) else str(exc)
        where = f" at byte {exc.start}" if isinstance(exc, UnicodeDecodeError) else ""
        raise SourceError(f"{path}: cannot decode as {codec}{where}: {reason}") from None
    # Line endings stay as they are: LibCST round-trips them exactly, and a
    # file with mixed endings must not have untouched lines rewritten.
    newline = detect_newline(raw)
    return SourceFile(path=path, raw=raw, text=text, encoding=codec, bom=bom, newline=newline, mode=0o644)


def looks_like_python(path: str, raw: bytes) -> bool:
    """``.py``/``.pyi`` files, or scripts whose shebang names python (as pre-commit's identify does)."""
    if path.endswith((".py", ".pyi")):
        return True
    first = raw.split(b"\n", 1)[0]
    return first.startswith(b"#!") and b"python" in first


def read_source(path: str, max_bytes: int = DEFAULT_MAX_BYTES) -> SourceFile:
    """Read one file; anything that is not a regular, readable file is an error."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        raise SourceError(f"{path}: no such file") from None
    except OSError as exc:
        raise SourceError(f"{path}: cannot stat: {exc.strerror}") from None
    if stat.S_ISLNK(info.st_mode):
        raise SourceError(f"{path}: is a symbolic link, skipped")
    if stat.S_ISDIR(info.st_mode):
        raise SourceError(f"{path}: is a directory")
    if not stat.S_ISREG(info.st_mode):
        raise SourceError(f"{path}: not a regular file")
    if info.st_size > max_bytes:
        raise SourceError(f"{path}: {info.st_size} bytes is over the {max_bytes}-byte limit (max-file-size)")
    try:
        with open(path, "rb") as handle:
            raw = handle.read()
    except OSError as exc:
        raise SourceError(f"{path}: cannot read: {exc.strerror}") from None
    if not looks_like_python(path, raw):
        raise SourceError(f"{path}: not a Python file (no .py/.pyi suffix or python shebang)")
    source = decode_source(path, raw)
    source.mode = stat.S_IMODE(info.st_mode)
    return source


def write_atomic(source: SourceFile, text: str) -> None:
    """Replace the file with ``text`` via temp file + rename, keeping mode and format."""
    data = source.encode(text)
    directory = os.path.dirname(os.path.abspath(source.path))
    tmp = os.path.join(directory, f".{os.path.basename(source.path)}.qh-tmp-{os.getpid()}")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, source.mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, source.mode)
        os.replace(tmp, source.path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    source.raw = data
    source.text = text
