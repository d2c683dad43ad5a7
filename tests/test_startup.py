"""Start-up: a command imports only what it uses (``python -X importtime`` shows what was imported)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

#: Never needed to judge a file that has no fixable finding.
NEVER_FOR_THE_GATE = ("libcst.matchers", "libcst.codemod", "sklearn", "skl2onnx", "matplotlib",
                      "quality_hooks.fix", "quality_hooks.train", "quality_hooks.mine", "quality_hooks.store",
                      "quality_hooks.github")  # fmt: skip
#: Not needed to print a command's options.
HEAVY = ("libcst", "numpy", "onnxruntime", "radon", *NEVER_FOR_THE_GATE)


def imported(args: list[str], cwd: str | Path, env: dict[str, str] | None = None) -> set[str]:
    """Modules a fresh ``python -X importtime -m ...`` imported (the command must succeed or fail a gate)."""
    done = subprocess.run([sys.executable, "-X", "importtime", *args], cwd=cwd, capture_output=True, text=True,
                          env=env, check=False)  # fmt: skip
    assert done.returncode in (0, 1), done.stderr[-2000:]
    names = set()
    for line in done.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            names.add(line.rsplit("|", 1)[1].strip())
    return names


def heavy_in(names: set[str], heavy: tuple[str, ...]) -> list[str]:
    return sorted(n for n in names if any(n == h or n.startswith(h + ".") for h in heavy))


def git(root: Path, *args: str) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "Dev", "GIT_AUTHOR_EMAIL": "dev@example.com",
           "GIT_COMMITTER_NAME": "Dev", "GIT_COMMITTER_EMAIL": "dev@example.com"}  # fmt: skip
    subprocess.run(["git", *args], cwd=root, env=env, capture_output=True, check=True)


def test_the_pool_is_used_only_when_the_work_is_big_enough() -> None:
    from quality_hooks.analysis.engine import PARALLEL_MIN_BYTES, worker_count
    from quality_hooks.config import Config

    small = [(f"m{n}.py", b"x = 1\n" * 200, Config()) for n in range(5)]
    assert worker_count(small) == 1
    big = [(f"m{n}.py", b"x = 1\n" * (PARALLEL_MIN_BYTES // 6), Config()) for n in range(10)]
    assert worker_count(big) == min(len(os.sched_getaffinity(0)), 10)
    assert worker_count(big[:1]) == 1  # one file is one process whatever its size


def test_help_imports_nothing_heavy(tmp_path: Path) -> None:
    for module in ("quality_hooks.hooks.gate", "quality_hooks.hooks.fix", "quality_hooks.cli"):
        args = ["-m", module, "--help"] if module != "quality_hooks.cli" else ["-m", module, "check", "--help"]
        assert heavy_in(imported(args, tmp_path), (*HEAVY, "quality_hooks.config", "tomllib")) == [], module


def test_the_gate_on_a_file_without_fixable_findings_imports_no_fix_machinery(tmp_path: Path) -> None:
    git(tmp_path, "init", "-q", "-b", "main")
    module = tmp_path / "mod.py"
    module.write_text('"""A module."""\n\n\ndef f(x):\n    """Return x."""\n    return x\n')
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-q", "-m", "Initial import")
    module.write_text(module.read_text() + '\n\ndef g(y):\n    """Return y twice."""\n    return y * 2\n')
    git(tmp_path, "add", "-A")
    env = {**os.environ, "QUALITY_HOOKS_CACHE_DIR": str(tmp_path / "cache")}
    cold = imported(["-m", "quality_hooks.hooks.gate", "mod.py"], tmp_path, env)
    assert "libcst" in cold and "onnxruntime" in cold  # it did analyse and score
    assert heavy_in(cold, NEVER_FOR_THE_GATE) == []
    assert "concurrent.futures.process" not in cold  # two small versions of one file: no process pool
    warm = imported(["-m", "quality_hooks.hooks.gate", "mod.py"], tmp_path, env)
    assert heavy_in(warm, ("libcst",)) == []  # every analysis came from the cache
    # The unchanged rerun's report came from the cache, without reading a configuration or any analysis code.
    assert heavy_in(warm, ("tomllib", "quality_hooks.config", "quality_hooks.analysis", "quality_hooks.pipeline")) == []


def test_the_hook_scripts_flush_everything_before_their_quick_exit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The console scripts skip the interpreter's teardown (``exit_now``): their report still arrives whole."""
    from quality_hooks.hooks import gate

    module = tmp_path / "many.py"
    module.write_text("".join(f"def function_{n}(a, b):\n    return a + b\n\n\n" for n in range(800)))
    script = Path(sys.executable).parent / "quality-gate"
    args = ["--no-cache", "--no-model", "--scope", "all", str(module)]
    done = subprocess.run([str(script), *args], capture_output=True, text=True, check=False, cwd=tmp_path)
    monkeypatch.chdir(tmp_path)
    code = gate.main(args)
    captured = capsys.readouterr()
    assert done.returncode == code
    assert done.stdout == captured.out and len(done.stdout) > 65536  # more than a pipe holds, all of it
    reader, writer = os.pipe()
    os.close(reader)  # nobody reads: the flush fails, and the script says so by its status, as Python does
    closed = subprocess.run([str(script), *args], stdout=writer, stderr=subprocess.DEVNULL, check=False, cwd=tmp_path)
    os.close(writer)
    assert closed.returncode not in (0, 1)
