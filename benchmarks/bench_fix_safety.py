"""Fix safety on real projects: run each project's tests, fix, run them again.

Usage::

    python benchmarks/bench_fix_safety.py PROJECTS.txt [--unsafe-fixes] [--python PY] [--tests ARGS]

``PROJECTS.txt`` lists one project directory per line (``#`` comments allowed); each is copied
to a temporary directory first, so the originals are never changed. For each project it prints
the tests passed/failed before and after ``quality-hooks fix``, the files changed, and the rules
whose fixes fired (by count). A project whose suite cannot run (missing dependencies) says so.
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
from pathlib import Path

from quality_hooks.analysis.engine import analyse_file
from quality_hooks.commands.fix import fix_paths
from quality_hooks.config import ConfigFinder
from quality_hooks.discover import expand_paths

_COUNT = re.compile(r"(\d+) (passed|failed|error|errors)")


def run_tests(project: Path, python: str, extra: list[str], timeout: float) -> tuple[int, int, str]:
    """(passed, failed or errored, last line of pytest's output)."""
    command = [python, "-m", "pytest", "-q", "-p", "no:cacheprovider", *extra]
    try:
        # A src/ layout imports from the copy, not from an installed version.
        path = os.pathsep.join([str(project / "src"), str(project), os.environ.get("PYTHONPATH", "")])
        env = {**os.environ, "PYTHONPATH": path}
        done = subprocess.run(
            command, cwd=project, capture_output=True, text=True, timeout=timeout, check=False, env=env
        )
    except subprocess.TimeoutExpired:
        return 0, 0, f"timed out after {timeout:g}s"
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    summary = lines[-1] if lines else done.stderr.strip().splitlines()[-1:] and done.stderr.strip().splitlines()[-1]
    counts = Counter({kind: int(n) for n, kind in _COUNT.findall(str(summary))})
    return counts["passed"], counts["failed"] + counts["error"] + counts["errors"], str(summary)


def fixable_codes(paths: list[str], configs: ConfigFinder) -> Counter[str]:
    """Our fixable findings per code, as ``fix`` would see them (ruff off)."""
    found: Counter[str] = Counter()
    for path in paths:
        config = configs.for_path(path)
        config.ruff = False
        found.update(f.code for f in analyse_file(path, config).findings if f.fixable)
    return found


def bench(project: Path, args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-fix-") as tmp:
        copy = Path(tmp) / project.name
        shutil.copytree(project, copy, symlinks=True, ignore=shutil.ignore_patterns(".git", ".tox", ".venv"))
        extra = shlex.split(args.tests)
        before = run_tests(copy, args.python, extra, args.timeout)
        configs = ConfigFinder(start=str(copy))
        files = expand_paths([str(copy)], configs)
        codes_before = fixable_codes(files, configs)
        snapshot = {path: Path(path).read_bytes() for path in files}
        fix_paths([str(copy)], None, diff=False, unsafe_fixes=args.unsafe_fixes)
        changed = sum(Path(path).read_bytes() != data for path, data in snapshot.items())
        fired = codes_before - fixable_codes(files, configs)
        after = run_tests(copy, args.python, extra, args.timeout)
    rules = ", ".join(f"{code} x{n}" for code, n in sorted(fired.items())) or "none"
    print(
        f"{project.name}: tests before {before[0]} passed / {before[1]} failed, after {after[0]} passed / "
        f"{after[1]} failed; {changed} of {len(files)} files fixed; rules fired: {rules}"
    )
    if before[:2] != after[:2]:
        print(f"  before: {before[2]}\n  after:  {after[2]}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("projects", type=Path, help="file listing one project directory per line")
    parser.add_argument("--unsafe-fixes", action="store_true", help="apply unsafe fixes too")
    parser.add_argument("--python", default=sys.executable, help="the interpreter that runs the projects' tests")
    parser.add_argument("--tests", default="", help="extra pytest arguments (e.g. a tests directory)")
    parser.add_argument("--timeout", type=float, default=900, help="seconds per test run")
    args = parser.parse_args(argv)
    for line in args.projects.read_text().splitlines():
        entry = line.split("#", 1)[0].strip()
        if entry:
            bench(Path(entry).expanduser().resolve(), args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
