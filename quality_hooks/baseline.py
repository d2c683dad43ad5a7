"""A committed baseline of accepted findings, matched by code fingerprint.

Entries are keyed by (path, rule, fingerprint) with a count, never by line,
so they survive code moving; entries no longer matched are reported stale so
the file only shrinks.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from quality_hooks.config import Config
from quality_hooks.results import FileResult

BASELINE_VERSION = 1


class BaselineError(Exception):
    pass


def by_baseline(
    results: Sequence[FileResult], config_for: Callable[[str], Config]
) -> dict[tuple[str, str], list[FileResult]]:
    """Results grouped by the baseline file their configuration names and the root its paths are relative to."""
    groups: dict[tuple[str, str], list[FileResult]] = {}
    for result in results:
        config = config_for(result.path)
        groups.setdefault((os.path.join(config.root, config.baseline), config.root), []).append(result)
    return groups


@dataclass
class Baseline:
    entries: Counter[tuple[str, str, str]] = field(default_factory=Counter)

    @classmethod
    def load(cls, path: str) -> Baseline:
        try:
            with open(path, encoding="utf-8") as handle:
                data = json.load(handle)
        except FileNotFoundError:
            return cls()
        except (OSError, ValueError) as exc:
            raise BaselineError(f"{path}: cannot read baseline: {exc}") from None
        if (
            not isinstance(data, dict)
            or data.get("version") != BASELINE_VERSION
            or not isinstance(data.get("findings"), list)
        ):
            raise BaselineError(f"{path}: not a quality-hooks baseline (version {BASELINE_VERSION})")
        baseline = cls()
        for item in data["findings"]:
            try:
                key = (str(item["path"]), str(item["code"]), str(item["fingerprint"]))
                baseline.entries[key] += int(item.get("count", 1))
            except (KeyError, TypeError, ValueError):
                raise BaselineError(f"{path}: malformed entry {item!r}") from None
        return baseline

    @classmethod
    def from_results(cls, results: Sequence[FileResult], relpath: dict[str, str]) -> Baseline:
        baseline = cls()
        for result in results:
            for finding in result.findings:
                baseline.entries[(relpath[result.path], finding.code, finding.fingerprint)] += 1
        return baseline

    def save(self, path: str) -> None:
        findings = [
            {"path": p, "code": c, "fingerprint": fp, "count": n} for (p, c, fp), n in sorted(self.entries.items())
        ]
        data = json.dumps({"version": BASELINE_VERSION, "findings": findings}, indent=1) + "\n"
        tmp = f"{path}.tmp-{os.getpid()}"
        with open(tmp, "w", encoding="utf-8") as handle:
            handle.write(data)
        os.replace(tmp, path)

    def apply(self, results: Sequence[FileResult], relpath: dict[str, str]) -> list[str]:
        """Mark baselined findings; return stale entries for the files seen."""
        remaining = Counter(self.entries)
        seen: set[str] = set()
        for result in results:
            rel = relpath[result.path]
            seen.add(rel)
            for finding in result.findings:
                key = (rel, finding.code, finding.fingerprint)
                if remaining[key] > 0:
                    remaining[key] -= 1
                    finding.status = "baseline"
        stale = []
        for (path, code, fingerprint), count in sorted(remaining.items()):
            if count > 0 and path in seen:
                stale.append(f"{path}: {code} ({fingerprint}) x{count} no longer found; remove it from the baseline")
        return stale
