"""Read a Python file once, safely, remembering how to write it back.

Every user-facing problem becomes :class:`SourceError` with a one-line message;
callers report it for that file and carry on with the others.
"""

from __future__ import annotations

import codecs
import contextlib
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


def _wide_encoding(raw: bytes) -> str | None:
    """UTF-16/UTF-32 by byte-order mark, or by the NUL in every other byte that ASCII text gets in UTF-16."""
    for bom, name in (
        (codecs.BOM_UTF32_LE, "UTF-32"),
        (codecs.BOM_UTF32_BE, "UTF-32"),
        (codecs.BOM_UTF16_LE, "UTF-16"),
        (codecs.BOM_UTF16_BE, "UTF-16"),
    ):
        if raw.startswith(bom):
            return name
    sample = raw[:200]
    if len(sample) >= 4 and (sample[1::2].count(0) > len(sample) // 4 or sample[0::2].count(0) > len(sample) // 4):
        return "UTF-16"
    return None


def decode_source(path: str, raw: bytes) -> SourceFile:
    """Decode bytes as Python does (BOM, PEP 263 cookie); raise SourceError."""
    if b"\x00" in raw:
        wide = _wide_encoding(raw)
        if wide:
            raise SourceError(
                f"{path}: looks like {wide}; Python source must be UTF-8 (or another encoding it can declare)"
            )
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


def too_big(path: str, size: int, max_bytes: int) -> SourceError:
    """The one message for content over ``max-file-size``, wherever it comes from (disk, index, base commit)."""
    return SourceError(f"{path}: {size} bytes is over the {max_bytes}-byte limit (max-file-size)")


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
        raise too_big(path, info.st_size, max_bytes)
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
    """Write ``text`` back to the file, keeping its inode's identity: owner, hard links, mode, ACLs, xattrs.

    The new bytes are first written to a temporary file beside it and fsync'd. When the
    file has one link and we can give the temporary its owner, its extended attributes
    (ACLs included) are copied over and it replaces the file by rename, which is atomic.
    Otherwise (another name links the inode, or the owner is not ours to give) the bytes are
    copied into the original inode with one write, padded with spaces to the old length when
    shorter and then truncated, so a crash leaves either the old file or the complete new
    code (perhaps followed by blanks), never half of it.
    """
    data = source.encode(text)
    info = os.stat(source.path)
    directory = os.path.dirname(os.path.abspath(source.path))
    tmp = os.path.join(directory, f".{os.path.basename(source.path)}.qh-tmp-{os.getpid()}")
    try:
        try:
            _write_new(tmp, data, info)
        except PermissionError:  # a folder we may not write in: the file itself may still be ours to write
            tmp = ""
        if tmp and info.st_nlink == 1 and _can_own(info):
            _copy_metadata(source.path, tmp, info)
            os.replace(tmp, source.path)
            _fsync_directory(directory)
        else:
            _overwrite(source.path, data, info.st_size)
    finally:
        if tmp and os.path.lexists(tmp):
            os.unlink(tmp)
    source.raw = data
    source.text = text


def _write_new(tmp: str, data: bytes, info: os.stat_result) -> None:
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, stat.S_IMODE(info.st_mode) & 0o700 | 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def _can_own(info: os.stat_result) -> bool:
    """Whether a file we create can end up with ``info``'s owner and group."""
    if not hasattr(os, "geteuid"):  # pragma: no cover - Windows: no owners to keep
        return True
    return os.geteuid() == 0 or (info.st_uid == os.geteuid() and info.st_gid in (os.getegid(), *os.getgroups()))


def _copy_metadata(original: str, tmp: str, info: os.stat_result) -> None:
    """Owner, group, extended attributes (POSIX ACLs live there) and mode of ``original`` onto ``tmp``."""
    if hasattr(os, "chown") and (info.st_uid, info.st_gid) != (os.stat(tmp).st_uid, os.stat(tmp).st_gid):
        os.chown(tmp, info.st_uid, info.st_gid)
    if hasattr(os, "listxattr"):
        try:
            names = os.listxattr(original)
        except OSError:
            names = []
        for name in names:
            # An attribute we may not set (security.*) stays behind; the file is still whole.
            with contextlib.suppress(OSError):
                os.setxattr(tmp, name, os.getxattr(original, name))
    os.chmod(tmp, stat.S_IMODE(info.st_mode))


def _overwrite(path: str, data: bytes, old_size: int) -> None:
    """Copy ``data`` into ``path``'s own inode: one write of a valid file, then trim the padding."""
    padded = data + b" " * max(0, old_size - len(data))
    fd = os.open(path, os.O_WRONLY)
    try:
        view = memoryview(padded)
        while view:
            written = os.write(fd, view)
            view = view[written:]
        os.ftruncate(fd, len(data))
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_directory(directory: str) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)
