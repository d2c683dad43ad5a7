"""Scoring overhead for a ten-file staged commit, beyond imports and analysis.

Builds a temp git repository from ten standard-library modules, stages an
edit to each, analyses them (not timed), then times
:func:`quality_hooks.model.score_results` with the staged change: history (one
``git log``), change contexts (one ``cat-file`` for base versions), feature
extraction, and one batched ONNX inference including the top-factor
re-scorings, plus scoring the base versions for the gate's score-drop
ratchet. The base versions' analyses come from the gate, as in ``run_check``.
The first call also loads the model (once per process).

    python benchmarks/bench_score.py [--repeat 20]
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

MODULES = ("argparse", "shutil", "textwrap", "csv", "glob", "tempfile", "fnmatch", "getopt", "bisect", "heapq")


def build_repo(root: str) -> list[str]:
    stdlib = sysconfig.get_paths()["stdlib"]
    env = {**os.environ, "GIT_AUTHOR_NAME": "b", "GIT_AUTHOR_EMAIL": "b@x", "GIT_COMMITTER_NAME": "b",
           "GIT_COMMITTER_EMAIL": "b@x"}  # fmt: skip

    def git(*args: str) -> None:
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
    for path in paths:
        with open(path, "a") as handle:
            handle.write("\n\ndef added(x):\n    if x:\n        return x + 1\n    return 0\n")
    git("add", "-A")
    return paths


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    began = time.perf_counter()
    from quality_hooks import git
    from quality_hooks.analysis.engine import analyse_bytes, analyse_paths
    from quality_hooks.config import Config
    from quality_hooks.model import score_results

    imports = time.perf_counter() - began
    with tempfile.TemporaryDirectory() as root:
        paths = build_repo(root)
        results = analyse_paths(paths, Config(root=root))
        change = git.collect_change(root, staged=True)
        # The gate analyses base versions for its ratchets anyway; the model reuses them (as in run_check).
        rel = {p: os.path.relpath(p, root) for p in paths}
        raw = change.read_base(list(rel.values()))
        bases = {p: analyse_bytes(p, raw[rel[p]], Config(root=root)) for p in paths}
        cold_start = time.perf_counter()
        scores = score_results(results, bases, change=change)
        cold = time.perf_counter() - cold_start
        warm = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            score_results(results, bases, change=change)
            warm.append(time.perf_counter() - start)
        alone = []
        for _ in range(max(3, args.repeat // 4)):
            start = time.perf_counter()
            score_results(results, change=change)  # no base analyses: radon measures the base versions itself
            alone.append(time.perf_counter() - start)
    scored = sum(1 for s in scores.values() if s.score is not None)
    print(f"files scored: {scored}/{len(results)}")
    print(f"imports (quality_hooks.model + engine + git): {imports * 1000:.1f} ms")
    print(f"first score_results call (loads the ONNX model once): {cold * 1000:.1f} ms")
    print(
        f"score_results per call after that: median {statistics.median(warm) * 1000:.1f} ms, "
        f"min {min(warm) * 1000:.1f} ms over {args.repeat} runs "
        "(target <= 30 ms; base analyses from the gate reused)"
    )
    alone_ms = statistics.median(alone) * 1000
    print(f"score_results without the gate's base analyses: median {alone_ms:.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
