"""Request counts and latencies, exposed in the Prometheus text format at /metrics."""

from __future__ import annotations

import threading
from collections import defaultdict

BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class Metrics:
    """Thread-safe counters; one histogram of latency per endpoint."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests: dict[tuple[str, str, int], int] = defaultdict(int)
        self.latency_buckets: dict[str, list[int]] = defaultdict(lambda: [0] * len(BUCKETS))
        self.latency_sum: dict[str, float] = defaultdict(float)
        self.latency_count: dict[str, int] = defaultdict(int)
        self.query_timeouts = 0

    def observe(self, endpoint: str, method: str, status: int, seconds: float) -> None:
        with self._lock:
            self.requests[(endpoint, method, status)] += 1
            buckets = self.latency_buckets[endpoint]
            for i, bound in enumerate(BUCKETS):
                if seconds <= bound:
                    buckets[i] += 1
            self.latency_sum[endpoint] += seconds
            self.latency_count[endpoint] += 1

    def count_timeout(self) -> None:
        with self._lock:
            self.query_timeouts += 1

    def render(self) -> str:
        """The Prometheus text exposition format (version 0.0.4)."""
        with self._lock:
            lines = [
                "# HELP custvalue_kg_http_requests_total HTTP requests by endpoint, method and "
                "status.",
                "# TYPE custvalue_kg_http_requests_total counter",
            ]
            for (endpoint, method, status), n in sorted(self.requests.items()):
                lines.append(
                    f'custvalue_kg_http_requests_total{{endpoint="{endpoint}",method="{method}",'
                    f'status="{status}"}} {n}'
                )
            lines += [
                "# HELP custvalue_kg_http_request_duration_seconds Request latency by endpoint.",
                "# TYPE custvalue_kg_http_request_duration_seconds histogram",
            ]
            for endpoint in sorted(self.latency_count):
                for bound, n in zip(BUCKETS, self.latency_buckets[endpoint], strict=True):
                    lines.append(
                        f'custvalue_kg_http_request_duration_seconds_bucket{{endpoint="{endpoint}",'
                        f'le="{bound}"}} {n}'
                    )
                count = self.latency_count[endpoint]
                lines.append(
                    f'custvalue_kg_http_request_duration_seconds_bucket{{endpoint="{endpoint}",'
                    f'le="+Inf"}} {count}'
                )
                lines.append(f'custvalue_kg_http_request_duration_seconds_sum{{endpoint='
                             f'"{endpoint}"}} {self.latency_sum[endpoint]:.6f}')
                lines.append(f'custvalue_kg_http_request_duration_seconds_count{{endpoint='
                             f'"{endpoint}"}} {count}')
            lines += [
                "# HELP custvalue_kg_query_timeouts_total Queries stopped at their time limit.",
                "# TYPE custvalue_kg_query_timeouts_total counter",
                f"custvalue_kg_query_timeouts_total {self.query_timeouts}",
            ]
            return "\n".join(lines) + "\n"
