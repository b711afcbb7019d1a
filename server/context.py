"""What every request handler needs: the knowledge graph, the executor, settings, metrics."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from flask import current_app

from custvalue_kg.executor import Executor, make_executor
from custvalue_kg.kg import KnowledgeGraph

from .metrics import Metrics
from .settings import Settings

T = TypeVar("T")
EXTENSION = "custvalue_kg"


@dataclass
class Service:
    """Shared state of one running service (one per Flask app)."""

    kg: KnowledgeGraph
    settings: Settings
    executor: Executor
    metrics: Metrics = field(default_factory=Metrics)
    # Writers take this lock; the executor forks its workers under it.
    write_lock: threading.RLock = field(default_factory=threading.RLock)

    @classmethod
    def create(cls, kg: KnowledgeGraph, settings: Settings) -> Service:
        lock = threading.RLock()
        executor = make_executor(kg.store, timeout=settings.query_timeout,
                                 workers=settings.query_workers, write_lock=lock)
        return cls(kg=kg, settings=settings, executor=executor, write_lock=lock)

    def write(self, action: Callable[[], T]) -> T:
        """Run a write under the write lock; afterwards queries see its result."""
        with self.write_lock:
            try:
                return action()
            finally:
                self.executor.invalidate()

    def close(self) -> None:
        self.executor.close()


def service() -> Service:
    """The Service of the current Flask app."""
    return current_app.extensions[EXTENSION]
