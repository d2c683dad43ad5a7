"""Time the commit hook on a real repository, and ``check`` on the standard library, against the targets.

Usage: python benchmarks/bench_hook.py [--repo GIT_DIR] [--files 10] [--repeat 5] [--skip-stdlib] [--skip-fixit]

The scenario of issue 12, built afresh: a clone of ``--repo`` (default: the
starlette mirror, the issue's repository), ``--files`` modules of its package each given a new 5-line
function, staged; then ``quality-gate FILES`` as pre-commit runs it, in a
fresh process each time:

* cold: an empty cache (``--cache-dir`` a new folder each run, and no ``.ruff_cache``);
* warm base: the cache holds what a check of HEAD left (the usual case: HEAD
  was analysed before), not the new content;
* unchanged rerun: the same gate again, nothing changed;
* the next commit: the change committed, a second function added to the same
  modules and staged; the cache is what the gate left, and the repository's
  history cache (``.git/quality-hooks``) what it held before the commit, so the
  change-risk history of the new HEAD is carried on from the old one each run
  (the usual case in a day's work: every commit moves HEAD);
* peak memory: the largest resident size of one process of the gate's tree (the
  hook, its pool workers, ruff, git) in a cold run;
* for scale, in the same run: a fresh ``python`` that imports LibCST and parses the
  new versions of the files (the floor of any LibCST tool), and ``ruff check`` on them.

Then ``quality-hooks check`` on the standard library's top-level modules,
cold and warm, against a bare ``libcst.parse_module`` of the same files in one
process, ruff, and ``fixit lint`` (Fixit installed in this benchmark's own
venv, ``--fixit-venv``, created with pip on first use). Each figure is the
median of ``--repeat`` runs; the machine is shared, so ratios are the figures
to trust. Targets are printed next to each figure with "met" or "NOT met".
"""

from __future__ import annotations

import argparse
import glob
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

HERE = os.path.dirname(os.path.abspath(__file__))
BIN = os.path.dirname(sys.executable)
#: As a user's machine runs it: Python writes and reuses bytecode (an environment may turn that off).
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
DEFAULT_REPO = "/work/.mirror/encode+starlette/repo"
NEW_FUNCTION = '''

def added_helper_{n}(value: int) -> int:
    """Double a positive value."""
    if value > 0:
        return value * 2
    return 0
'''


@dataclass
class Run:
    wall: float
    cpu: float
    peak_mb: float
    status: int


def run(command: Sequence[str], cwd: str, env: dict[str, str] | None = None) -> Run:
    """One process (and its children), timed from outside: wall, CPU (children included), largest peak RSS.

    On Linux, ``wait4``'s usage covers the process and the children it reaped (pool workers, ruff, git):
    times are summed, the resident size is the largest single process's.
    """
    began = time.perf_counter()
    process = subprocess.Popen(
        list(command), cwd=cwd, env=env or ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - began
    stderr = process.stderr.read().decode(errors="replace") if process.stderr else ""
    if process.stderr:
        process.stderr.close()
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        raise SystemExit(f"{' '.join(command[:3])} ... failed ({code}): {stderr.strip()[-500:]}")
    return Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, code)


def median_of(repeat: int, prepare: Callable[[], None], command: Callable[[], Sequence[str]], cwd: str) -> Run:
    runs = []
    for _ in range(repeat):
        prepare()
        runs.append(run(command(), cwd))
    return Run(
        statistics.median(r.wall for r in runs),
        statistics.median(r.cpu for r in runs),
        max(r.peak_mb for r in runs),
        runs[-1].status,
    )


def pick_modules(root: str, count: int) -> list[str]:
    """The first ``count`` non-test modules (sorted) of the repository's largest package, with some code."""
    candidates = []
    for path in sorted(glob.glob(os.path.join(root, "**", "*.py"), recursive=True)):
        rel = os.path.relpath(path, root)
        if "test" in rel or rel.startswith(("docs", "scripts")) or os.path.getsize(path) < 1000:
            continue
        candidates.append(rel)
    return candidates[:count]


def build_scenario(repo: str, work: str, count: int) -> tuple[str, list[str]]:
    clone = os.path.join(work, "clone")
    subprocess.run(["git", "clone", "-q", repo, clone], check=True)
    files = pick_modules(clone, count)
    return clone, files


def stage_change(clone: str, files: Sequence[str]) -> None:
    for n, rel in enumerate(files, 1):
        with open(os.path.join(clone, rel), "a", encoding="utf-8") as handle:
            handle.write(NEW_FUNCTION.format(n=n))
    subprocess.run(["git", "add", "--", *files], cwd=clone, check=True)


def verdict(value: float, target: float) -> str:
    return "met" if value <= target else "NOT met"


def hook_figures(args: argparse.Namespace, work: str) -> list[tuple[str, str, str, str]]:
    clone, files = build_scenario(args.repo, work, args.files)
    gate = [os.path.join(BIN, "quality-gate")]
    check = [os.path.join(BIN, "quality-hooks"), "check", "--no-baseline"]
    head_cache = os.path.join(work, "head-cache")
    # What a check of HEAD leaves in the cache. The change-risk history (.git/quality-hooks) is written by
    # the first gate run below and read by the later ones.
    run([*check, "--cache-dir", head_cache, *files], clone)
    stage_change(clone, files)
    cold_dir = os.path.join(work, "cold")
    warm_dir = os.path.join(work, "warm")
    rerun_dir = os.path.join(work, "rerun")

    def fresh(folder: str, source: str | None = None) -> Callable[[], None]:
        def prepare() -> None:
            shutil.rmtree(folder, ignore_errors=True)
            shutil.rmtree(os.path.join(clone, ".ruff_cache"), ignore_errors=True)  # ruff's own cache
            if source is not None:
                shutil.copytree(source, folder)

        return prepare

    cold = median_of(args.repeat, fresh(cold_dir), lambda: [*gate, "--cache-dir", cold_dir, *files], clone)
    warm = median_of(args.repeat, fresh(warm_dir, head_cache), lambda: [*gate, "--cache-dir", warm_dir, *files], clone)
    run([*gate, "--cache-dir", rerun_dir, *files], clone)
    rerun = median_of(args.repeat, lambda: None, lambda: [*gate, "--cache-dir", rerun_dir, *files], clone)
    no_cache = median_of(args.repeat, lambda: None, lambda: [*gate, "--no-cache", *files], clone)
    parse = median_of(args.repeat, lambda: None, lambda: [sys.executable, "-c", PARSE_ONLY, *files], clone)
    ruff = median_of(
        args.repeat,
        lambda: None,
        lambda: [os.path.join(BIN, "ruff"), "check", "--no-cache", "--exit-zero", *files],
        clone,
    )
    after = next_commit(args, clone, files, gate, rerun_dir, work)  # last: it commits and changes the files
    name = os.path.basename(os.path.dirname(args.repo.rstrip("/"))) or args.repo
    print(f"\n{name}: {len(files)} modules each given a new 5-line function, staged: {' '.join(files)}")
    rows = [
        (f"{len(files)}-file commit, cold cache", f"{cold.wall:.3f} s (CPU {cold.cpu:.2f} s)", "<= 0.6 s",
         verdict(cold.wall, 0.6)),
        (f"{len(files)}-file commit, warm base cache", f"{warm.wall:.3f} s (CPU {warm.cpu:.2f} s)", "<= 0.4 s",
         verdict(warm.wall, 0.4)),
        ("rerun with nothing changed", f"{rerun.wall:.3f} s (CPU {rerun.cpu:.2f} s)", "<= 0.15 s",
         verdict(rerun.wall, 0.15)),
        ("--no-cache (for reference)", f"{no_cache.wall:.3f} s (CPU {no_cache.cpu:.2f} s)", "", ""),
        ("the next commit (HEAD moved, its versions cached)", f"{after.wall:.3f} s (CPU {after.cpu:.2f} s)",
         "<= 0.4 s (as warm base)", verdict(after.wall, 0.4)),
        ("peak memory of the gate process, cold", f"{cold.peak_mb:.0f} MB", "<= 150 MB", verdict(cold.peak_mb, 150)),
        ("python + import libcst + parse the new versions", f"{parse.wall:.3f} s (CPU {parse.cpu:.2f} s)", "", ""),
        ("  cold / warm base against it (wall)", f"{cold.wall / parse.wall:.2f}x / {warm.wall / parse.wall:.2f}x", "",
         ""),
        ("ruff check on the same files", f"{ruff.wall:.3f} s (CPU {ruff.cpu:.2f} s)", "", ""),
    ]  # fmt: skip
    return rows


def next_commit(
    args: argparse.Namespace, clone: str, files: Sequence[str], gate: Sequence[str], cache: str, work: str
) -> Run:
    """Commit the staged change, stage a second one; the gate with what the first left (see the docstring)."""
    history = os.path.join(clone, ".git", "quality-hooks")
    before = os.path.join(work, "history-before")
    shutil.copytree(history, before)
    env = {**ENV, "GIT_AUTHOR_NAME": "Bench", "GIT_AUTHOR_EMAIL": "bench@example.com",
           "GIT_COMMITTER_NAME": "Bench", "GIT_COMMITTER_EMAIL": "bench@example.com"}  # fmt: skip
    subprocess.run(["git", "commit", "-q", "-m", "Add helpers"], cwd=clone, env=env, check=True)
    for n, rel in enumerate(files, 1):
        with open(os.path.join(clone, rel), "a", encoding="utf-8") as handle:
            handle.write(NEW_FUNCTION.format(n=f"{n}_again"))
    subprocess.run(["git", "add", "--", *files], cwd=clone, check=True)
    folder = os.path.join(work, "next")

    def prepare() -> None:
        for source, target in ((cache, folder), (before, history)):
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(source, target)
        shutil.rmtree(os.path.join(clone, ".ruff_cache"), ignore_errors=True)

    return median_of(args.repeat, prepare, lambda: [*gate, "--cache-dir", folder, *files], clone)


def stdlib_modules() -> list[str]:
    """Top-level ``Lib/*.py`` that decode as UTF-8 and parse (as bench_check.py takes them)."""
    code = (
        "import glob, os, sysconfig, libcst\n"
        "for p in sorted(glob.glob(os.path.join(sysconfig.get_paths()['stdlib'], '*.py'))):\n"
        "    try:\n        libcst.parse_module(open(p, encoding='utf-8').read())\n"
        "    except (UnicodeDecodeError, libcst.ParserSyntaxError):\n        continue\n"
        "    print(p)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return done.stdout.split()


PARSE_ONLY = (
    "import sys, time, libcst\n"
    "texts = [open(p, encoding='utf-8').read() for p in sys.argv[1:]]\n"
    "for t in texts:\n    libcst.parse_module(t)\n"
)


def fixit_binary(venv: str) -> str | None:
    """``fixit`` in the benchmark's own venv, installed with pip on first use; None when it cannot be."""
    binary = os.path.join(venv, "bin", "fixit")
    if os.path.exists(binary):
        return binary
    try:
        subprocess.run([sys.executable, "-m", "venv", venv], check=True)
        subprocess.run([os.path.join(venv, "bin", "pip"), "install", "-q", "fixit==2.2.1"], check=True)
    except subprocess.CalledProcessError:
        return None
    return binary if os.path.exists(binary) else None


def stdlib_figures(args: argparse.Namespace, work: str) -> list[tuple[str, str, str, str]]:
    paths = stdlib_modules()
    # A copy: Fixit skips files under a hidden folder (a pyenv install is under ~/.pyenv).
    folder = os.path.join(work, "stdlib")
    os.makedirs(folder)
    for path in paths:
        shutil.copy(path, folder)
    names = [os.path.basename(p) for p in paths]
    repeat = max(1, args.stdlib_repeat)
    parse = median_of(repeat, lambda: None, lambda: [sys.executable, "-c", PARSE_ONLY, *names], folder)
    check = [os.path.join(BIN, "quality-hooks"), "check", "--format", "json", "--no-baseline", "-o", os.devnull]
    cache_dir = os.path.join(work, "stdlib-cache")

    def empty() -> None:
        shutil.rmtree(cache_dir, ignore_errors=True)
        shutil.rmtree(os.path.join(folder, ".ruff_cache"), ignore_errors=True)  # ruff's own cache too

    cold = median_of(repeat, empty, lambda: [*check, "--cache-dir", cache_dir, *names], folder)
    warm = median_of(repeat, lambda: None, lambda: [*check, "--cache-dir", cache_dir, *names], folder)
    ruff = median_of(
        repeat, lambda: None, lambda: [os.path.join(BIN, "ruff"), "check", "--no-cache", "--exit-zero", *names], folder
    )
    print(f"\nstandard library: {len(paths)} top-level modules of {os.path.dirname(paths[0])}")
    rows = [
        ("bare libcst.parse_module, one process", f"{parse.wall:.2f} s (CPU {parse.cpu:.2f} s)", "", ""),
        ("check, cold cache", f"{cold.wall:.2f} s = {cold.wall / parse.wall:.2f}x parse (CPU {cold.cpu:.1f} s "
         f"= {cold.cpu / parse.cpu:.2f}x)", "<= 1.3x parse", verdict(cold.wall / parse.wall, 1.3)),
        ("check, warm rerun", f"{warm.wall:.2f} s = {warm.wall / cold.wall:.3f}x cold (CPU {warm.cpu:.1f} s)",
         "<= 0.05x cold", verdict(warm.wall / cold.wall, 0.05)),
        ("ruff check (for reference)", f"{ruff.wall:.2f} s (CPU {ruff.cpu:.1f} s)", "", ""),
    ]  # fmt: skip
    if not args.skip_fixit:
        fixit = fixit_binary(args.fixit_venv)
        if fixit is None:
            rows.append(("fixit lint", "could not be installed", ">= 30x slower than check", "not measured"))
        else:
            lint = median_of(1, lambda: None, lambda: [fixit, "lint", "--", *names], folder)
            ratio = lint.wall / cold.wall
            rows.append(("fixit lint (2.2.1)", f"{lint.wall:.2f} s = {ratio:.1f}x check cold (CPU {lint.cpu:.0f} s = "
                         f"{lint.cpu / cold.cpu:.1f}x)", ">= 30x check",
                         "met" if ratio >= 30 else "NOT met"))  # fmt: skip
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repo", default=DEFAULT_REPO, help="a git repository (a bare mirror will do) to clone")
    parser.add_argument("--files", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=5, help="runs per hook figure (the median is printed)")
    parser.add_argument("--stdlib-repeat", type=int, default=1, help="runs per standard-library figure")
    parser.add_argument("--skip-hook", action="store_true")
    parser.add_argument("--skip-stdlib", action="store_true")
    parser.add_argument("--skip-fixit", action="store_true")
    parser.add_argument("--fixit-venv", default=os.path.join(tempfile.gettempdir(), "quality-hooks-bench-fixit"))
    args = parser.parse_args(argv)
    # The package's bytecode, as ``pip install`` compiles it (an editable checkout compiles on first import).
    subprocess.run([sys.executable, "-m", "compileall", "-q", os.path.join(HERE, "..", "quality_hooks")], env=ENV,
                   check=False, stdout=subprocess.DEVNULL)  # fmt: skip
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-hook-") as work:
        if not args.skip_hook:
            rows += hook_figures(args, work)
        if not args.skip_stdlib:
            rows += stdlib_figures(args, work)
    width = max(len(r[0]) for r in rows)
    print(f"\n{'measurement':<{width}}  {'figure':<50}  {'target':<26}  verdict")
    for name, figure, target, met in rows:
        print(f"{name:<{width}}  {figure:<50}  {target:<26}  {met}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
