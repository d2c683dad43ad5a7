"""Scoring overhead for a ten-file staged commit, beyond imports and analysis.

Builds a temp git repository from ten standard-library modules with a
history of ``--commits`` commits by three authors, stages an edit to each,
analyses them (not timed), then times :func:`quality_hooks.model.scoring.score_results`
with the staged change: the change-risk features (history as of HEAD and the
rank reference from the per-repository cache, author, base versions, static
delta from the engine's results), one batched ONNX inference with the
top-factor re-scorings, and the whole-file scores of the base versions for
the gate's score-drop ratchet. The base versions' analyses come from the
gate, as in ``run_check``, and the persistent cache is passed as the pipeline
passes it. The first call also loads the models (once per process) and builds
the history caches for this HEAD (once per commit); each timed run then scores
new staged content (a fresh edit per run), so the new versions' file features
are measured every time, as in a real commit.

    python benchmarks/bench_score.py [--repeat 20] [--commits 300]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

MODULES = ("argparse", "shutil", "textwrap", "csv", "glob", "tempfile", "fnmatch", "getopt", "bisect", "heapq")


def build_repo(root: str, commits: int) -> list[str]:
    stdlib = sysconfig.get_paths()["stdlib"]

    def git(*args: str, author: str = "b@x") -> None:
        env = {**os.environ, "GIT_AUTHOR_NAME": "b", "GIT_AUTHOR_EMAIL": author, "GIT_COMMITTER_NAME": "b",
               "GIT_COMMITTER_EMAIL": author}  # fmt: skip
        subprocess.run(["git", *args], cwd=root, env=env, check=True, capture_output=True)

    git("init", "-q")
    paths = []
    for name in MODULES:
        target = os.path.join(root, "pkg", f"{name}.py")
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copy(os.path.join(stdlib, f"{name}.py"), target)
        paths.append(target)
    git("add", "-A")
    git("commit", "-q", "-m", "import")
    for step in range(commits):  # a history to measure files, authors and ranks against
        for path in (paths[step % len(paths)], paths[(step * 3 + 1) % len(paths)]):
            with open(path, "a") as handle:
                handle.write(f"\n\ndef step_{step}(x):\n    return x + {step}\n")
        git("commit", "-q", "-am", "Fix step" if step % 5 == 0 else "Step", author=f"dev{step % 3}@x")
    for path in paths:
        with open(path, "a") as handle:
            handle.write("\n\ndef added(x):\n    if x:\n        return x + 1\n    return 0\n")
    git("add", "-A")
    return paths


def _cpu() -> float:
    import resource

    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--commits", type=int, default=300, help="commits of history before the change")
    args = parser.parse_args()
    began = time.perf_counter()
    from quality_hooks import git
    from quality_hooks.analysis.engine import analyse_bytes, analyse_paths
    from quality_hooks.cache import Cache
    from quality_hooks.config import Config
    from quality_hooks.model.scoring import score_results
    from quality_hooks.results import FileResult

    imports = time.perf_counter() - began
    with tempfile.TemporaryDirectory() as root:
        paths = build_repo(root, args.commits)
        config = Config(root=root)
        change = git.collect_change(root, staged=True)
        # The gate analyses base versions for its ratchets anyway; the model reuses them (as in run_check).
        rel = {p: os.path.relpath(p, root) for p in paths}
        raw = change.read_base(list(rel.values()))
        bases = {p: analyse_bytes(p, raw[rel[p]], config) for p in paths}
        staged = {p: Path(p).read_bytes() for p in paths}

        def edited(step: int) -> list[FileResult]:  # new staged content: its static features are not cached yet
            return [analyse_bytes(p, staged[p] + f"\n# edit {step}\n".encode(), config) for p in paths]

        cache = Cache(os.path.join(root, ".bench-cache"))  # the hook's persistent cache, as the pipeline passes it
        results = analyse_paths(paths, config)
        cold_start = time.perf_counter()
        scores = score_results(results, bases, change=change, cache=cache)
        cold = time.perf_counter() - cold_start
        warm, cpu = [], []
        for step in range(args.repeat):
            fresh = edited(step)  # not timed: the gate's own analysis
            start, start_cpu = time.perf_counter(), _cpu()
            score_results(fresh, bases, change=change, cache=cache)
            warm.append(time.perf_counter() - start)
            cpu.append(_cpu() - start_cpu)
        rerun = []
        for _ in range(max(3, args.repeat // 4)):
            start = time.perf_counter()
            score_results(results, bases, change=change, cache=cache)  # nothing new: every feature from the cache
            rerun.append(time.perf_counter() - start)
        alone = []
        for step in range(max(3, args.repeat // 4)):
            fresh = edited(1000 + step)
            start = time.perf_counter()
            score_results(fresh, change=change, cache=cache)  # no base analyses: radon measures the base versions
            alone.append(time.perf_counter() - start)
    scored = sum(1 for s in scores.values() if s.score is not None)
    print(f"files scored: {scored}/{len(results)}")
    print(f"imports (quality_hooks.model.scoring + engine + git): {imports * 1000:.1f} ms")
    print(f"first score_results call (loads the ONNX models once, builds the history caches for HEAD): "
          f"{cold * 1000:.1f} ms")  # fmt: skip
    print(
        f"score_results per hook run after that, new staged content each time: median "
        f"{statistics.median(warm) * 1000:.1f} ms, min {min(warm) * 1000:.1f} ms over {args.repeat} runs "
        "(target <= 30 ms; base analyses from the gate reused; history, ranks and base features from the cache "
        "for HEAD; the new versions' file features measured: one ruff process)"
    )
    print(f"CPU time per run (this process and its ruff/git children): median {statistics.median(cpu) * 1000:.1f} ms "
          "(wall time above includes waiting for a loaded machine)")  # fmt: skip
    print(f"score_results with nothing new (every feature cached): median {statistics.median(rerun) * 1000:.1f} ms")
    print(f"score_results without the gate's base analyses: median {statistics.median(alone) * 1000:.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
