"""Source files and spans: every model part points back at the text it came from."""

from __future__ import annotations

import bisect
import os
from dataclasses import dataclass
from functools import cached_property


def read_up_to(handle, count: int) -> bytes:
    """At most `count` bytes of an open binary file, as handle.read(count) gives them, but
    with a buffer the size of the file: read(count) makes one of `count` bytes (a 5 MB limit)
    however small the file, 35 ms over a 2,000-file tree. A file grown since it was
    measured is read on, up to `count`."""
    try:
        size = os.fstat(handle.fileno()).st_size
    except (AttributeError, OSError, ValueError):
        return handle.read(count)
    data = handle.read(min(count, size + 1))
    if len(data) <= size or len(data) >= count:
        return data
    return data + handle.read(count - len(data))


@dataclass(frozen=True, order=True)
class Span:
    """A 1-based, inclusive-start / exclusive-end-column region of one file."""

    line: int
    column: int
    end_line: int
    end_column: int

    @classmethod
    def point(cls, line: int, column: int) -> "Span":
        return cls(line, column, line, column + 1)

    def to_dict(self) -> dict:
        return {
            "line": self.line,
            "column": self.column,
            "end_line": self.end_line,
            "end_column": self.end_column,
        }


FILE_START = Span(1, 1, 1, 1)


@dataclass(frozen=True)
class SourceFile:
    """A file read from disk: its repository-relative path and decoded text."""

    path: str  # repo-relative, '/'-separated
    text: str

    @cached_property
    def lines(self) -> list[str]:
        return self.text.split("\n")

    @cached_property
    def _line_starts(self) -> list[int]:
        starts = [0]
        for line in self.lines[:-1]:
            starts.append(starts[-1] + len(line) + 1)
        return starts

    def line_text(self, line: int) -> str:
        return self.lines[line - 1].rstrip("\r") if 0 < line <= len(self.lines) else ""

    def position(self, offset: int) -> tuple[int, int]:
        """1-based (line, column) of a 0-based character offset."""
        index = bisect.bisect_right(self._line_starts, offset) - 1
        return index + 1, offset - self._line_starts[index] + 1

    def span_from_offsets(self, start: int, end: int) -> Span:
        """Convert 0-based character offsets to a Span (1-based line and column)."""
        return Span(*self.position(start), *self.position(end))


@dataclass(frozen=True)
class EmbeddedSource(SourceFile):
    """Text rendered from part of another file (a heredoc, a JSON string in HCL or YAML).

    `segments` maps offsets in the rendered text back to offsets in `base`, so values
    parsed from the embedded text still point at the right place in the real file.
    """

    base: SourceFile | None = None
    segments: tuple = ()  # sorted (rendered_offset, base_offset) pairs

    def position(self, offset: int) -> tuple[int, int]:
        index = bisect.bisect_right(self.segments, (offset, float("inf"))) - 1
        rendered, original = self.segments[max(index, 0)]
        return self.base.position(original + max(offset - rendered, 0))
