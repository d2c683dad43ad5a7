"""Prometheus text exposition (format 0.0.4), written by hand: no extra dependency."""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Iterable

BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


def _labels(pairs: dict[str, str]) -> str:
    if not pairs:
        return ""
    body = ",".join(
        f'{k}="{str(v).replace(chr(92), chr(92) * 2).replace(chr(10), "").replace(chr(34), chr(92) + chr(34))}"'
        for k, v in pairs.items()
    )
    return "{" + body + "}"


class RequestMetrics:
    """Request counts and a latency histogram per route template."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.counts: dict[tuple[str, str, str], int] = defaultdict(int)
        self.hist: dict[str, list[int]] = defaultdict(lambda: [0] * (len(BUCKETS) + 1))
        self.sums: dict[str, float] = defaultdict(float)

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        with self._lock:
            self.counts[(method, route, str(status))] += 1
            buckets = self.hist[route]
            for i, bound in enumerate(BUCKETS):
                if seconds <= bound:
                    buckets[i] += 1
            buckets[-1] += 1
            self.sums[route] += seconds

    def lines(self) -> Iterable[str]:
        with self._lock:
            yield "# HELP qh_store_requests_total HTTP requests handled, by route and status."
            yield "# TYPE qh_store_requests_total counter"
            for (method, route, status), n in sorted(self.counts.items()):
                yield f"qh_store_requests_total{_labels({'method': method, 'route': route, 'status': status})} {n}"
            yield "# HELP qh_store_request_duration_seconds Time to answer a request."
            yield "# TYPE qh_store_request_duration_seconds histogram"
            for route, buckets in sorted(self.hist.items()):
                for bound, n in zip(BUCKETS, buckets[:-1], strict=True):
                    yield f"qh_store_request_duration_seconds_bucket{_labels({'route': route, 'le': str(bound)})} {n}"
                yield f"qh_store_request_duration_seconds_bucket{_labels({'route': route, 'le': '+Inf'})} {buckets[-1]}"
                yield f"qh_store_request_duration_seconds_sum{_labels({'route': route})} {self.sums[route]:.6f}"
                yield f"qh_store_request_duration_seconds_count{_labels({'route': route})} {buckets[-1]}"


def gauge(name: str, help_text: str, samples: Iterable[tuple[dict[str, str], float | None]]) -> list[str]:
    out = [f"# HELP {name} {help_text}", f"# TYPE {name} gauge"]
    out += [f"{name}{_labels(labels)} {value:g}" for labels, value in samples if value is not None]
    return out
