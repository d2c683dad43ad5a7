"""Files are rewritten in place when that keeps them whole: owner, hard links, mode, ACLs and xattrs stay."""

from __future__ import annotations

import os
import shutil
import signal
import stat
import subprocess
import time
from pathlib import Path

import pytest
from conftest import BIN, run_cli

BAD = 'def f(a):\n    return f"none"\n'
FIXED = 'def f(a):\n    return "none"\n'


def test_hard_link_keeps_both_names_on_one_inode(tmp_path: Path) -> None:
    first = tmp_path / "a.py"
    first.write_text(BAD)
    second = tmp_path / "linked.py"
    os.link(first, second)
    inode = first.stat().st_ino
    assert run_cli("fix", str(first)).returncode == 1
    assert first.read_text() == second.read_text() == FIXED
    assert first.stat().st_ino == second.stat().st_ino == inode
    assert first.stat().st_nlink == 2
    assert not [p for p in tmp_path.iterdir() if "qh-tmp" in p.name]


def test_shorter_fix_in_place_leaves_no_padding(tmp_path: Path) -> None:
    first = tmp_path / "a.py"
    first.write_text(BAD + "x = 1\n" * 50)
    os.link(first, tmp_path / "b.py")
    assert run_cli("fix", str(first)).returncode == 1
    assert first.read_bytes() == (FIXED + "x = 1\n" * 50).encode()


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs root to chown to another user")
def test_root_keeps_another_users_file_theirs(tmp_path: Path) -> None:
    target = tmp_path / "theirs.py"
    target.write_text(BAD)
    os.chown(target, 12345, 23456)
    target.chmod(0o640)
    assert run_cli("fix", str(target)).returncode == 1
    info = target.stat()
    assert (info.st_uid, info.st_gid, stat.S_IMODE(info.st_mode)) == (12345, 23456, 0o640)
    assert target.read_text() == FIXED


def test_extended_attributes_are_kept(tmp_path: Path) -> None:
    target = tmp_path / "tagged.py"
    target.write_text(BAD)
    try:
        os.setxattr(target, "user.origin", b"vendored")
    except OSError:
        pytest.skip("this file system has no user extended attributes")
    inode = target.stat().st_ino
    assert run_cli("fix", str(target)).returncode == 1
    assert os.getxattr(target, "user.origin") == b"vendored"
    assert target.read_text() == FIXED
    assert target.stat().st_ino != inode  # one link, our own file: replaced atomically by rename


def _getfacl(path: Path) -> str:
    return subprocess.run(["getfacl", "-c", str(path)], capture_output=True, text=True, check=True).stdout


@pytest.mark.skipif(
    not shutil.which("setfacl"), reason="needs setfacl/getfacl (Debian package acl, installed by .ci/run)"
)
@pytest.mark.parametrize("hard_linked", [False, True], ids=["replaced by rename", "rewritten in its inode"])
def test_posix_acls_are_kept(tmp_path: Path, hard_linked: bool) -> None:
    target = tmp_path / "shared.py"
    target.write_text(BAD)
    if hard_linked:
        os.link(target, tmp_path / "other-name.py")
    granted = subprocess.run(
        ["setfacl", "-m", "u:12345:rw-,g:23456:r--", str(target)], capture_output=True, check=False
    )
    if granted.returncode != 0:
        pytest.skip(f"this file system has no POSIX ACLs: {granted.stderr.decode().strip()}")
    acl = _getfacl(target)
    assert "user:12345:rw-" in acl and "group:23456:r--" in acl and "mask::rw-" in acl
    inode = target.stat().st_ino
    assert run_cli("fix", str(target)).returncode == 1
    assert target.read_text() == FIXED
    assert _getfacl(target) == acl
    assert (target.stat().st_ino == inode) is hard_linked


def test_killed_at_any_moment_leaves_old_or_new_code(tmp_path: Path) -> None:
    """SIGKILL during fix of hard-linked files (the in-place path): each file is the original or fully fixed."""
    body = BAD + "".join(f"y{i} = {i}\n" for i in range(400))
    names = [tmp_path / f"m{i}.py" for i in range(30)]
    for index, name in enumerate(names):
        name.write_text(body)
        os.link(name, tmp_path / f"link{index}.py")
    fixed = body.replace('f"none"', '"none"')
    for delay in (0.3, 0.6, 0.9, 1.2):
        process = subprocess.Popen([str(BIN / "quality-hooks"), "fix", *map(str, names)], stdout=subprocess.DEVNULL)
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        process.wait()
        for name in names:
            text = name.read_text()
            assert text in (body, fixed) or (text.rstrip(" ") == fixed and text.startswith(fixed)), name
            compile(text, str(name), "exec")
        for name in names:
            name.write_text(body)
