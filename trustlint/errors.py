"""Errors that become TL000 findings instead of tracebacks."""

from __future__ import annotations

from .source import FILE_START, Span


class AnalysisError(Exception):
    """A file (or part of one) could not be analysed; reported as TL000 at `span`."""

    def __init__(self, message: str, span: Span = FILE_START):
        super().__init__(message)
        self.message = message
        self.span = span


class BaselineError(Exception):
    """A baseline file that cannot be used (unreadable, not trustlint's, another version);
    here, not in gate.baseline, so the command line can catch it without importing that."""


MAX_NESTING = 200


def internal_error(exc: Exception) -> str:
    return (f"trustlint could not analyse this file (internal error {type(exc).__name__}: {str(exc)[:120]}); "
            "the finding stands for whatever it holds - please report it")
