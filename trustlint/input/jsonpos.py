"""JSON with positions: the standard library's decoder keeps none, so this small
recursive-descent reader records a span for every value and key. String and number
decoding reuse the standard library's own scanners, so values are exactly what
`json.loads` would give."""

from __future__ import annotations

import json.decoder

from ..errors import MAX_NESTING, AnalysisError
from ..source import SourceFile, Span
from ..values import Node
from ..lazy_re import lazy

_WHITESPACE = lazy(r"[ \t\n\r]*")
_NUMBER = lazy(r"-?(?:0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?")
_LITERALS = {"true": True, "false": False, "null": None}


class Pairs(list):
    """An object's members as (key, Node) pairs in file order, duplicate keys kept: Terraform's
    JSON syntax repeats a block type (two `"statement"` keys are two blocks), and a dict would
    silently keep only the last."""


class _Reader:
    def __init__(self, source: SourceFile, pairs: bool = False):
        self.source = source
        self.text = source.text
        self.pairs = pairs

    def error(self, message: str, offset: int) -> AnalysisError:
        line, column = self.source.position(min(offset, len(self.text)))
        return AnalysisError(f"invalid JSON: {message}", Span.point(line, column))

    def skip(self, offset: int) -> int:
        return _WHITESPACE.match(self.text, offset).end()

    def span(self, start: int, end: int) -> Span:
        return self.source.span_from_offsets(start, end)

    def value(self, offset: int, depth: int) -> tuple[Node, int]:
        if depth > MAX_NESTING:
            raise self.error(f"nesting deeper than {MAX_NESTING} levels", offset)
        offset = self.skip(offset)
        char = self.text[offset : offset + 1]
        if char == "{":
            return self.mapping(offset, depth)
        if char == "[":
            return self.sequence(offset, depth)
        if char == '"':
            text, end = self.string(offset)
            return Node(text, self.span(offset, end)), end
        number = _NUMBER.match(self.text, offset)
        if number and number.end() > offset:
            literal = number.group(0)
            value = float(literal) if number.group(1) or number.group(2) else int(literal)
            return Node(value, self.span(offset, number.end())), number.end()
        for word, value in _LITERALS.items():
            if self.text.startswith(word, offset):
                end = offset + len(word)
                return Node(value, self.span(offset, end)), end
        if not char:
            raise self.error("unexpected end of file", offset)
        raise self.error(f"unexpected character {char!r}", offset)

    def string(self, offset: int) -> tuple[str, int]:
        try:
            return json.decoder.scanstring(self.text, offset + 1, True)
        except json.JSONDecodeError as exc:
            raise self.error(exc.msg, exc.pos) from None

    def mapping(self, start: int, depth: int) -> tuple[Node, int]:
        items: dict[str, Node] | Pairs = Pairs() if self.pairs else {}
        offset = self.skip(start + 1)
        if self.text.startswith("}", offset):
            return Node(items, self.span(start, offset + 1)), offset + 1
        while True:
            offset = self.skip(offset)
            if not self.text.startswith('"', offset):
                raise self.error("expected a quoted key", offset)
            key, key_end = self.string(offset)
            key_span = self.span(offset, key_end)
            offset = self.skip(key_end)
            if not self.text.startswith(":", offset):
                raise self.error("expected ':' after a key", offset)
            node, offset = self.value(offset + 1, depth + 1)
            node.key_span = key_span
            if self.pairs:
                items.append((key, node))
            else:
                items[key] = node
            offset = self.skip(offset)
            if self.text.startswith(",", offset):
                offset += 1
                continue
            if self.text.startswith("}", offset):
                return Node(items, self.span(start, offset + 1)), offset + 1
            raise self.error("expected ',' or '}'", offset)

    def sequence(self, start: int, depth: int) -> tuple[Node, int]:
        items: list[Node] = []
        offset = self.skip(start + 1)
        if self.text.startswith("]", offset):
            return Node(items, self.span(start, offset + 1)), offset + 1
        while True:
            node, offset = self.value(offset, depth + 1)
            items.append(node)
            offset = self.skip(offset)
            if self.text.startswith(",", offset):
                offset += 1
                continue
            if self.text.startswith("]", offset):
                return Node(items, self.span(start, offset + 1)), offset + 1
            raise self.error("expected ',' or ']'", offset)


def load_json(source: SourceFile, pairs: bool = False) -> Node:
    """Parse a whole JSON document into located Nodes, or raise AnalysisError. With `pairs`,
    an object's value is a Pairs list (every member, in order) instead of a dict."""
    reader = _Reader(source, pairs)
    text = source.text
    offset = 1 if text.startswith("\ufeff") else 0
    node, end = reader.value(offset, 0)
    end = reader.skip(end)
    if end != len(text):
        raise reader.error("extra data after the document", end)
    return node
