"""Errors that reach a user: each says what went wrong and where."""

from __future__ import annotations


class CustvalueError(Exception):
    """Base class for errors caused by input, configuration or a store, never by a bug."""


class InputError(CustvalueError):
    """Bad input data: names the source and, where known, the line and column."""

    def __init__(
        self, message: str, *, source: str | None = None, line: int | None = None,
        column: int | None = None,
    ) -> None:
        self.source = source
        self.line = line
        self.column = column
        where = source or "input"
        if line is not None:
            where += f", line {line}"
            if column is not None:
                where += f", column {column}"
        super().__init__(f"{where}: {message}")


class ParameterError(CustvalueError):
    """A query parameter is missing, unknown or not of its declared type."""

    def __init__(self, parameter: str, message: str) -> None:
        self.parameter = parameter
        super().__init__(f"parameter '{parameter}': {message}")


class QueryError(CustvalueError):
    """A query is malformed or failed in the store."""


class UnknownQueryError(QueryError):
    """No named query has the given name."""


class StoreError(CustvalueError):
    """The store cannot be opened, reached or written."""
