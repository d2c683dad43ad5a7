"""The persistent cache: where it lives, concurrent writes, damaged entries, pruning, and the same verdicts."""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from quality_hooks.cache import FORMAT, Cache, default_directory

BIN = os.path.dirname(sys.executable)


def entry_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.rglob("*.json") if p.is_file())


def test_the_directory_follows_the_override_then_xdg_then_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("QUALITY_HOOKS_CACHE_DIR", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    assert default_directory() == str(tmp_path / "home" / ".cache" / "quality-hooks")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_directory() == str(tmp_path / "xdg" / "quality-hooks")
    monkeypatch.setenv("QUALITY_HOOKS_CACHE_DIR", str(tmp_path / "mine"))
    assert default_directory() == str(tmp_path / "mine")
    assert Cache.open(str(tmp_path / "flag")).directory == str(tmp_path / "flag")
    assert not Cache.open(str(tmp_path / "flag"), enabled=False).enabled


def test_damaged_and_foreign_entries_are_misses_and_are_rewritten(tmp_path: Path) -> None:
    cache = Cache(str(tmp_path))
    cache.put("kind", "ab12", {"x": [1, 2]})
    assert cache.get("kind", "ab12") == {"x": [1, 2]}
    (path,) = entry_files(tmp_path)
    foreign = [{"format": FORMAT + 1, "key": "ab12", "value": 1}, {"format": FORMAT, "key": "other", "value": 1}]
    for damage in (b"", b'{"format": 1, "key": "ab', b"\xff\xfe", *(json.dumps(e).encode() for e in foreign)):
        path.write_bytes(damage)
        assert cache.get("kind", "ab12") is None
    cache.put("kind", "ab12", {"x": 3})
    assert cache.get("kind", "ab12") == {"x": 3}
    assert Cache(None).get("kind", "ab12") is None  # a disabled cache never reads


def _writer(directory: str, worker: int, rounds: int) -> int:
    cache = Cache(directory)
    torn = 0
    value = {"worker": "same for every writer", "payload": list(range(2000))}
    for _ in range(rounds):
        cache.put("race", "cafe", value)
        found = cache.get("race", "cafe")
        if found is not None and found != value:
            torn += 1
    return torn


def test_concurrent_writers_of_one_entry_never_leave_a_torn_file(tmp_path: Path) -> None:
    with multiprocessing.get_context("spawn").Pool(4) as pool:
        torn = pool.starmap(_writer, [(str(tmp_path), n, 150) for n in range(4)])
    assert torn == [0, 0, 0, 0]
    assert [p.name for p in entry_files(tmp_path)] == ["cafe.json"]  # no temporary file left behind
    assert not [p for p in tmp_path.rglob(".tmp-*")]


def test_least_recently_used_entries_are_pruned_over_the_limit(tmp_path: Path) -> None:
    cache = Cache(str(tmp_path), limit=10_000)
    for n in range(10):
        cache.put("kind", f"{n:02d}aa", "x" * 1500)
        os.utime(next(tmp_path.rglob(f"{n:02d}aa.json")), (1000 + n, 1000 + n))
    assert cache.get("kind", "00aa") is not None  # a hit makes the oldest the most recently used
    removed = cache.prune()
    assert removed == 4 and cache.info().size <= 10_000
    assert cache.get("kind", "00aa") is not None
    assert [cache.get("kind", f"{n:02d}aa") is not None for n in range(1, 10)] == [False] * 4 + [True] * 5
    assert cache.clear() == 6 and cache.info().entries == 0


def git(root: Path, *args: str) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "Dev", "GIT_AUTHOR_EMAIL": "dev@example.com",
           "GIT_COMMITTER_NAME": "Dev", "GIT_COMMITTER_EMAIL": "dev@example.com"}  # fmt: skip
    subprocess.run(["git", *args], cwd=root, env=env, capture_output=True, check=True)


BASE = '''"""A module."""


def parse(value, default=None):
    if value == None:
        return default
    try:
        return int(value)
    except:
        return default
'''


@pytest.fixture(scope="module")
def staged_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A repository with history and a staged change to two files (one partially staged)."""
    root = tmp_path_factory.mktemp("cache-repo")
    git(root, "init", "-q", "-b", "main")
    (root / "pkg").mkdir()
    (root / "pkg" / "a.py").write_text(BASE)
    (root / "pkg" / "b.py").write_text("import os\n\n\ndef f(x):\n    return x\n")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "Initial import")
    (root / "pkg" / "a.py").write_text(
        BASE + "\n\ndef double(x):\n    if x == None:\n        return 0\n    return x * 2\n"
    )
    git(root, "commit", "-q", "-am", "Fix crash on None")
    (root / "pkg" / "a.py").write_text(BASE + "\n\ndef triple(x):\n    return [y for y in x]\n")
    (root / "pkg" / "b.py").write_text("import os\n\n\ndef f(x):\n    return x\n\n\ndef g(y):\n    return f'{y}'\n")
    git(root, "add", "-A")
    with open(root / "pkg" / "b.py", "a") as handle:  # not staged: the index is what is judged
        handle.write("\n\ndef unstaged():\n    pass\n")
    return root


def gate(root: Path, *cache: str) -> tuple[int, str]:
    done = subprocess.run([os.path.join(BIN, "quality-gate"), "--format", "json", *cache, "pkg/a.py", "pkg/b.py"],
                          cwd=root, capture_output=True, text=True, check=False)  # fmt: skip
    assert done.returncode in (0, 1), done.stderr
    assert done.stderr == ""
    return done.returncode, done.stdout


def test_reports_are_byte_identical_cold_warm_disabled_and_corrupted(staged_repo: Path, tmp_path: Path) -> None:
    folder = tmp_path / "cache"
    reference = gate(staged_repo, "--no-cache")
    assert json.loads(reference[1])["files"][0]["score"] is not None  # the model scored: its inputs are cached too
    assert gate(staged_repo, "--cache-dir", str(folder)) == reference  # cold
    written = entry_files(folder)
    kinds = {p.relative_to(folder).parts[1] for p in written}
    assert {"analysis", "ruff", "file-static", "file-history"} <= kinds
    assert gate(staged_repo, "--cache-dir", str(folder)) == reference  # warm
    for n, path in enumerate(written):  # damaged in every way a crash or another version could leave it
        path.write_bytes(
            [b"", b"{", b"null", json.dumps({"format": FORMAT, "key": path.stem, "value": [1]}).encode()][n % 4]
        )
    assert gate(staged_repo, "--cache-dir", str(folder)) == reference  # corrupted: ignored and rewritten
    assert gate(staged_repo, "--cache-dir", str(folder)) == reference
    rewritten = [json.loads(p.read_bytes()) for p in entry_files(folder)]
    assert all(isinstance(e, dict) and e["format"] == FORMAT for e in rewritten)


def test_the_environment_variable_chooses_the_folder_and_check_agrees(staged_repo: Path, tmp_path: Path) -> None:
    env = {**os.environ, "QUALITY_HOOKS_CACHE_DIR": str(tmp_path / "env-cache")}
    command = [os.path.join(BIN, "quality-hooks"), "check", "--staged", "--format", "json", "pkg/a.py", "pkg/b.py"]
    first = subprocess.run(command, cwd=staged_repo, env=env, capture_output=True, text=True, check=False)
    assert entry_files(tmp_path / "env-cache")
    second = subprocess.run(command, cwd=staged_repo, env=env, capture_output=True, text=True, check=False)
    assert (first.returncode, first.stdout) == (second.returncode, second.stdout) == gate(staged_repo, "--no-cache")


def test_ruff_keeps_its_own_cache_among_the_entries_and_leaves_none_in_the_repository(
    staged_repo: Path, tmp_path: Path
) -> None:
    root = tmp_path / "repo"
    shutil.copytree(staged_repo, root)
    folder = tmp_path / "cache"
    first = gate(root, "--cache-dir", str(folder))
    ruff_cache = folder / f"v{FORMAT}" / "ruff-cache"
    assert ruff_cache.is_dir() and any(p.is_file() for p in ruff_cache.rglob("*"))
    assert gate(root, "--no-cache") == first
    assert not (root / ".ruff_cache").exists()
    cleared = subprocess.run([os.path.join(BIN, "quality-hooks"), "cache", "clear", "--cache-dir", str(folder)],
                             capture_output=True, text=True, check=True)  # fmt: skip
    assert cleared.returncode == 0 and not ruff_cache.exists()


def test_cache_info_and_clear(tmp_path: Path) -> None:
    folder = tmp_path / "c"
    Cache(str(folder)).put("kind", "beef", list(range(100)))
    cli = [os.path.join(BIN, "quality-hooks"), "cache"]
    info = subprocess.run([*cli, "info", "--cache-dir", str(folder)], capture_output=True, text=True, check=True)
    assert str(folder) in info.stdout and "1 entries" in info.stdout and "limit 256.0 MiB" in info.stdout
    cleared = subprocess.run([*cli, "clear", "--cache-dir", str(folder)], capture_output=True, text=True, check=True)
    assert "removed 1 entries" in cleared.stdout and not entry_files(folder)


def report_entries(folder: Path) -> int:
    return len(list((folder / "v1" / "report").rglob("*.json")))


def test_an_unchanged_rerun_is_answered_from_the_cache_and_any_change_is_not(staged_repo: Path, tmp_path: Path) -> None:
    root = tmp_path / "repo"
    shutil.copytree(staged_repo, root)
    folder = tmp_path / "cache"
    first = gate(root, "--cache-dir", str(folder))
    assert gate(root, "--cache-dir", str(folder)) == first and report_entries(folder) == 1
    (root / "pyproject.toml").write_text('[tool.quality-hooks]\nignore = ["QH204"]\n')
    configured = gate(root, "--cache-dir", str(folder))
    assert configured == gate(root, "--no-cache") != first and report_entries(folder) == 2
    with open(root / "pkg" / "a.py", "a") as handle:
        handle.write("\n\ndef quadruple(x):\n    return x * 4\n")
    git(root, "add", "pkg/a.py")
    restaged = gate(root, "--cache-dir", str(folder))
    assert restaged == gate(root, "--no-cache") != configured and report_entries(folder) == 3


def test_the_rerun_key_reads_the_models_where_the_scorer_does() -> None:
    from quality_hooks import rerun
    from quality_hooks.model.scorer import model_dirs

    assert rerun.model_dirs() == [str(p) for p in model_dirs()]


def test_a_rerun_sees_a_nested_configuration_and_the_baseline_it_names(staged_repo: Path, tmp_path: Path) -> None:
    """The rerun's key reads configurations as bytes and keeps the baselines' digests: any change is a miss."""
    root = tmp_path / "repo"
    shutil.copytree(staged_repo, root)
    folder = tmp_path / "cache"
    first = gate(root, "--cache-dir", str(folder))
    # A configuration next to the files (not at the root), naming its own baseline file.
    (root / "pkg" / "pyproject.toml").write_text('[tool.quality-hooks]\nbaseline = "accepted.json"\n')
    configured = gate(root, "--cache-dir", str(folder))
    assert configured == gate(root, "--no-cache") and report_entries(folder) == 2
    assert gate(root, "--cache-dir", str(folder)) == configured and report_entries(folder) == 2  # answered
    subprocess.run([os.path.join(BIN, "quality-hooks"), "baseline", "pkg/a.py", "pkg/b.py"], cwd=root,
                   capture_output=True, text=True, check=True)  # fmt: skip
    assert (root / "pkg" / "accepted.json").is_file()
    accepted = gate(root, "--cache-dir", str(folder))
    assert accepted == gate(root, "--no-cache")
    assert json.loads(accepted[1]) != json.loads(first[1])  # the baseline is read: not the stored report
    (root / "pkg" / "accepted.json").unlink()
    assert gate(root, "--cache-dir", str(folder)) == gate(root, "--no-cache") == configured


def test_a_run_adds_to_the_size_estimate_and_scans_only_when_it_is_over_the_limit(tmp_path: Path) -> None:
    """A scan of a big cache costs as much as a rerun: the total is estimated, and checked by a scan when due."""
    from quality_hooks import cache as module

    def run(*keys: str) -> Cache:
        cache = Cache(str(tmp_path), limit=10_000)
        for key in keys:
            cache.put("kind", key, "x" * 1500)
        cache.prune_if_due()
        return cache

    run("00aa", "01aa")  # no estimate yet: a scan writes the true total
    assert Cache(str(tmp_path)).estimated_size() == Cache(str(tmp_path)).info().size
    # What the estimate cannot see (another tool's files among the entries): found by a scan only.
    (tmp_path / f"v{FORMAT}" / "ruff-cache").mkdir(parents=True)
    (tmp_path / f"v{FORMAT}" / "ruff-cache" / "blob").write_bytes(b"r" * 6000)
    os.utime(tmp_path / f"v{FORMAT}" / "ruff-cache" / "blob", (1000, 1000))  # the least recently used
    cache = run("02aa")
    assert (tmp_path / f"v{FORMAT}" / "ruff-cache" / "blob").exists()  # under the estimate: no scan
    entries = sum(p.stat().st_size for p in (tmp_path / f"v{FORMAT}" / "kind").rglob("*.json"))
    assert cache.estimated_size() == entries  # the scanned total plus what this run wrote
    over = run("03aa", "04aa", "05aa", "06aa")  # the estimate goes over 10,000: a scan prunes to 90%
    assert not (tmp_path / f"v{FORMAT}" / "ruff-cache" / "blob").exists()
    assert over.info().size <= 9_000 and over.estimated_size() == over.info().size
    # A scan is due once a day whatever the estimate says, and when the estimate is unreadable.
    (tmp_path / f"v{FORMAT}" / "ruff-cache" / "blob").write_bytes(b"r" * 6000)
    os.utime(tmp_path / f"v{FORMAT}" / "ruff-cache" / "blob", (1000, 1000))
    old = time.time() - module.FULL_SCAN_SECONDS - 1
    os.utime(tmp_path / "last-prune", (old, old))
    Cache(str(tmp_path))._write_estimate(0)
    assert run("07aa").info().size <= 9_000
    assert not (tmp_path / f"v{FORMAT}" / "ruff-cache" / "blob").exists()
    (tmp_path / "size-estimate").write_text("garbage")
    os.utime(tmp_path / "last-prune", (old, old))
    assert run("08aa").estimated_size() == Cache(str(tmp_path)).info().size
    assert Cache(str(tmp_path)).clear() > 0 and Cache(str(tmp_path)).estimated_size() is None
