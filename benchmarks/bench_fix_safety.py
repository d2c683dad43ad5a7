"""Fix safety on real projects: run each project's tests, fix, run them again.

Usage::

    python benchmarks/bench_fix_safety.py PROJECTS.txt [--unsafe-fixes | --both] [--python PY] [--tests ARGS]

``PROJECTS.txt`` lists one project directory per line (``#`` comments allowed), optionally
followed by that project's own pytest arguments (``urllib3 test -p no:asyncio``); each is
copied to a temporary directory first, so the originals are never changed. For each project it
prints the tests passed/failed before and after ``quality-hooks fix``, the files changed, and
the rules whose fixes fired (by count). ``--both`` runs the suite once before, then fixes one
copy with safe fixes and another with ``--unsafe-fixes`` and runs each. A project whose suite
cannot run (missing dependencies) says so.
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from quality_hooks.analysis.engine import analyse_file
from quality_hooks.commands.fix import fix_paths
from quality_hooks.config import ConfigFinder
from quality_hooks.discover import expand_paths

_COUNT = re.compile(r"(\d+) (passed|failed|error|errors)")


@dataclass
class TestRun:
    """One run of a project's suite: counts, pytest's last line, and which tests failed."""

    passed: int
    failed: int
    summary: str
    failures: set[str]


def run_tests(project: Path, python: str, extra: list[str], timeout: float) -> TestRun:
    """Run the suite on ``project`` (its ``src/`` first on the path, so the copy is what is imported)."""
    command = [python, "-m", "pytest", "-q", "-rfE", "-p", "no:cacheprovider", *extra]
    path = os.pathsep.join([str(project / "src"), str(project), os.environ.get("PYTHONPATH", "")])
    try:
        done = subprocess.run(
            command,
            cwd=project,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            env={**os.environ, "PYTHONPATH": path},
        )
    except subprocess.TimeoutExpired:
        return TestRun(0, 0, f"timed out after {timeout:g}s", set())
    lines = [line for line in done.stdout.splitlines() if line.strip()] or done.stderr.strip().splitlines()[-1:]
    summary = lines[-1] if lines else f"exit {done.returncode}, no output"
    counts = Counter({kind: int(n) for n, kind in _COUNT.findall(summary)})
    failures = {line.split(" - ")[0].split(" ", 1)[1] for line in lines if line.startswith(("FAILED ", "ERROR "))}
    return TestRun(counts["passed"], counts["failed"] + counts["error"] + counts["errors"], summary, failures)


def fixable_codes(paths: list[str], configs: ConfigFinder) -> Counter[str]:
    """Our fixable findings per code, as ``fix`` would see them (ruff off)."""
    found: Counter[str] = Counter()
    for path in paths:
        config = configs.for_path(path)
        config.ruff = False
        found.update(f.code for f in analyse_file(path, config).findings if f.fixable)
    return found


def fixed_run(project: Path, extra: list[str], unsafe: bool, before: TestRun, args: argparse.Namespace) -> str:
    """Fix a fresh copy of ``project`` and run its tests: the report line's after-part."""
    with tempfile.TemporaryDirectory(prefix="bench-fix-") as tmp:
        copy = copy_project(project, Path(tmp))
        configs = ConfigFinder(start=str(copy))
        files = expand_paths([str(copy)], configs)
        codes_before = fixable_codes(files, configs)
        snapshot = {path: Path(path).read_bytes() for path in files}
        fix_paths([str(copy)], None, diff=False, unsafe_fixes=unsafe)
        changed = sum(Path(path).read_bytes() != data for path, data in snapshot.items())
        fired = codes_before - fixable_codes(files, configs)
        after = run_tests(copy, args.python, extra, args.timeout)
    rules = ", ".join(f"{code} x{n}" for code, n in sorted(fired.items())) or "none"
    mode = "unsafe" if unsafe else "safe"
    line = f"{mode}: after {after.passed} passed / {after.failed} failed; {changed} of {len(files)} files fixed"
    newly = sorted(after.failures - before.failures)
    broken = "".join(f"\n    newly failing: {name}" for name in newly)
    return f"{line}; rules fired: {rules}\n    after:  {after.summary}{broken}"


def copy_project(project: Path, into: Path) -> Path:
    copy = into / project.name
    shutil.copytree(project, copy, symlinks=True, ignore=shutil.ignore_patterns(".git", ".tox", ".venv"))
    return copy


def bench(project: Path, extra: list[str], args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-fix-") as tmp:
        before = run_tests(copy_project(project, Path(tmp)), args.python, extra, args.timeout)
    print(f"{project.name}: tests before {before.passed} passed / {before.failed} failed", flush=True)
    print(f"    before: {before.summary}", flush=True)
    modes = [False, True] if args.both else [args.unsafe_fixes]
    for unsafe in modes:
        print(f"  {fixed_run(project, extra, unsafe, before, args)}", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("projects", type=Path, help="file listing one project directory per line")
    parser.add_argument("--unsafe-fixes", action="store_true", help="apply unsafe fixes too")
    parser.add_argument("--both", action="store_true", help="one run before, then safe and unsafe fixes apart")
    parser.add_argument("--python", default=sys.executable, help="the interpreter that runs the projects' tests")
    parser.add_argument("--tests", default="", help="extra pytest arguments (e.g. a tests directory)")
    parser.add_argument("--timeout", type=float, default=900, help="seconds per test run")
    args = parser.parse_args(argv)
    for line in args.projects.read_text().splitlines():
        entry = shlex.split(line.split("#", 1)[0])
        if entry:
            bench(Path(entry[0]).expanduser().resolve(), [*entry[1:], *shlex.split(args.tests)], args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
