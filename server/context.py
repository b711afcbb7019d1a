"""What every request handler needs: the knowledge graph, the executor, settings, metrics."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from flask import current_app

from custvalue_kg.executor import Executor, make_executor
from custvalue_kg.kg import KnowledgeGraph
from custvalue_kg.store import EmbeddedStore
from custvalue_kg.validation import ValidationReport

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
    # Bumped by every write through this service; cached answers are valid for one value.
    generation: int = 0
    _report: tuple[int, ValidationReport] | None = None

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
                self.generation += 1
                self.executor.invalidate()

    def validation_report(self) -> ValidationReport:
        """The report of the whole store, reused until the next write through this service.

        Validating is one query per constraint (a few hundredths of a second on the sample,
        seconds at a million triples): too slow to repeat for every page.
        A remote store may be written by others, so its report is never reused.
        """
        if not isinstance(self.kg.store, EmbeddedStore):
            return self.kg.validate()
        generation = self.generation
        cached = self._report
        if cached is not None and cached[0] == generation:
            return cached[1]
        report = self.kg.validate()
        if self.generation == generation:  # no write happened while validating
            self._report = (generation, report)
        return report

    def close(self) -> None:
        self.executor.close()


def service() -> Service:
    """The Service of the current Flask app."""
    return current_app.extensions[EXTENSION]
