"""Time ``quality-hooks check`` on the standard library against a bare LibCST parse.

Usage: python benchmarks/bench_check.py [--repeat N] [--timeout S] [--only NAME ...]

Every tool runs on the same files: the running Python's top-level ``Lib/*.py``
modules. The baseline is ``libcst.parse_module`` over the already-read texts,
in this process, on one core. ``check`` runs as a user runs it (the console
script in a fresh process: start-up, reading, parsing, rules, metrics, ruff,
model, report), so its figure carries costs the baseline does not. Each timing
is the best of N runs; wall and CPU seconds (CPU includes child processes such
as ruff, which is multi-threaded) are printed with the ratio to the parse.
"""

from __future__ import annotations

import argparse
import glob
import os
import resource
import shutil
import subprocess
import sys
import sysconfig
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass


@dataclass
class Timing:
    name: str
    wall: float
    cpu: float
    note: str = ""


def stdlib_modules() -> list[str]:
    """Top-level ``Lib/*.py`` of the running Python that decode as UTF-8 and parse."""
    import libcst

    paths = []
    for path in sorted(glob.glob(os.path.join(sysconfig.get_paths()["stdlib"], "*.py"))):
        try:
            with open(path, encoding="utf-8") as handle:
                libcst.parse_module(handle.read())
        except (UnicodeDecodeError, libcst.ParserSyntaxError):
            continue
        paths.append(path)
    return paths


def cpu_seconds() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def best_of(name: str, repeat: int, action: Callable[[], str]) -> Timing:
    best: Timing | None = None
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), cpu_seconds()
        note = action()
        timing = Timing(name, time.perf_counter() - wall, cpu_seconds() - cpu, note)
        if best is None or timing.wall < best.wall:
            best = timing
        if note.startswith("timed out"):
            break
    assert best is not None
    return best


def tool(command: Sequence[str], timeout: float) -> Callable[[], str]:
    """Run a command line, output discarded; its exit status is a note, not an error."""

    def action() -> str:
        try:
            done = subprocess.run(
                list(command), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=timeout, check=False
            )
        except subprocess.TimeoutExpired:
            return f"timed out after {timeout:.0f}s"
        return f"exit {done.returncode}" if done.returncode not in (0, 1) else ""

    return action


def executable(name: str) -> list[str] | None:
    beside = os.path.join(os.path.dirname(sys.executable), name)
    if os.path.isfile(beside):
        return [beside]
    found = shutil.which(name)
    return [found] if found else None


def measurements(files: list[str], timeout: float) -> dict[str, Callable[[], str]]:
    import libcst

    texts = []
    for path in files:
        with open(path, encoding="utf-8") as handle:
            texts.append(handle.read())

    def parse() -> str:
        for text in texts:
            libcst.parse_module(text)
        return ""

    def analyse() -> str:
        from quality_hooks.analysis.engine import analyse_paths
        from quality_hooks.config import Config

        analyse_paths(files, Config(), with_ruff=False)
        return ""

    def metrics() -> str:
        from quality_hooks.analysis.metrics.radon_metrics import measure_text

        for text in texts:
            measure_text(text)
        return ""

    ruff = executable("ruff") or ["ruff"]
    check = executable("quality-hooks") or [sys.executable, "-m", "quality_hooks"]
    check_args = ["check", "--format", "json", "--scope", "all", "--no-baseline", *files]
    plan: dict[str, Callable[[], str]] = {
        "parse": parse,
        "check": tool([*check, *check_args], timeout),
        "check-no-model": tool([*check, *check_args, "--no-model"], timeout),
        "analyse": analyse,
        "radon-metrics": metrics,
        "ruff": tool([*ruff, "check", "--no-cache", "--isolated", "--exit-zero", *files], timeout),
    }
    radon = executable("radon")
    if radon:
        for sub in ("cc", "mi", "raw"):
            plan[f"radon {sub}"] = tool([*radon, sub, *files], timeout)
    xenon = executable("xenon")
    if xenon:
        thresholds = ["--max-absolute", "F", "--max-modules", "F", "--max-average", "F"]
        plan["xenon"] = tool([*xenon, *thresholds, *files], timeout)
    return plan


DESCRIPTIONS = {
    "parse": "libcst.parse_module, in-process, texts already read (the baseline)",
    "check": "quality-hooks check --format json --scope all (CLI, fresh process)",
    "check-no-model": "the same with --no-model",
    "analyse": "engine.analyse_paths in-process, without ruff",
    "radon-metrics": "quality_hooks.analysis.metrics.radon_metrics.measure_text only",
    "ruff": "ruff check (CLI) alone",
    "radon cc": "radon cc (CLI)",
    "radon mi": "radon mi (CLI)",
    "radon raw": "radon raw (CLI)",
    "xenon": "xenon (CLI, thresholds F so it only measures)",
}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement; the best is kept (default 3)")
    parser.add_argument("--timeout", type=float, default=300, help="seconds before a CLI run is abandoned")
    parser.add_argument("--only", nargs="+", choices=list(DESCRIPTIONS), help="measure only these (parse always runs)")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

    files = stdlib_modules()
    size = sum(os.path.getsize(path) for path in files)
    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"files: {len(files)} top-level modules of Python {sys.version.split()[0]} ({size / 1e6:.1f} MB)")
    print(f"cores: {os.cpu_count()} on the machine, {affinity} usable; load average at start {load:.2f}")

    plan = measurements(files, args.timeout)
    wanted = ["parse", *[name for name in plan if name != "parse" and (not args.only or name in args.only)]]
    timings = []
    for name in wanted:
        timing = best_of(name, args.repeat, plan[name])
        timings.append(timing)
        print(f"  measured {name}: {timing.wall:.2f}s {timing.note}", file=sys.stderr, flush=True)

    parse = timings[0]
    print(f"\n{'measurement':<16}{'wall s':>9}{'cpu s':>9}{'wall/parse':>12}{'cpu/parse':>11}  what")
    for timing in timings:
        note = f" [{timing.note}]" if timing.note else ""
        print(
            f"{timing.name:<16}{timing.wall:>9.2f}{timing.cpu:>9.2f}{timing.wall / parse.wall:>11.2f}x"
            f"{timing.cpu / parse.cpu:>10.2f}x  {DESCRIPTIONS[timing.name]}{note}"
        )
    print(f"load average at end {os.getloadavg()[0]:.2f}" if hasattr(os, "getloadavg") else "")
    check = next((t for t in timings if t.name == "check"), None)
    if check is not None:
        verdict = "meets" if check.wall < 2 * parse.wall else "MISSES"
        print(f"target: check < 2x parse (wall): {check.wall / parse.wall:.2f}x, {verdict} the target")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
