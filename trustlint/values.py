"""Located values: what every parser produces before the model is built.

A `Node` is a value with the span it was read from. Values a static reader cannot know
(an input variable without a default, a resource attribute known only after apply) are
`Unknown`; strings that mix literal text with unknown parts are `Template`s. Neither is
ever read as a wildcard: an unknown part only ever equals itself.
"""

from __future__ import annotations

import dataclasses as _dataclasses

from dataclasses import dataclass, field
from typing import Any

from .source import Span


@dataclass(frozen=True)
class Unknown:
    """A value that cannot be known statically; `expr` is how the source wrote it."""

    expr: str
    reason: str = "not known before apply"

    def placeholder(self) -> str:
        # Angle quotes cannot appear in real claim values, so a placeholder only ever
        # matches itself, never as a wildcard.
        return f"\u27e8{self.expr}\u27e9"


@dataclass(frozen=True)
class Template:
    """A string built from literal parts and Unknown parts."""

    parts: tuple  # of str | Unknown

    def render(self) -> str:
        return "".join(p if isinstance(p, str) else p.placeholder() for p in self.parts)


UNKNOWN_KEY = "\u27e8key\u27e9"


@dataclass(frozen=True)
class Ref(Unknown):
    """A reference to another resource's attribute (e.g. a provider's ARN)."""

    address: str = ""  # e.g. "aws_iam_openid_connect_provider.github" or a CFN logical id
    attribute: str = ""
    key: object = None  # the instance picked (`x["k"]`, `x[0]`); UNKNOWN_KEY when not known


@dataclass
class Node:
    """A value with its source span and, inside a mapping, the span of its key."""

    value: Any  # str|int|float|bool|None|list[Node]|dict[str, Node]|Unknown|Template
    span: Span
    key_span: Span | None = None
    origin: list = field(default_factory=list)  # how the value was obtained, for messages
    embedded: Any = None  # an EmbeddedSource when the string holds a document (heredoc JSON)

    def get(self, key: str) -> "Node | None":
        return self.value.get(key) if isinstance(self.value, dict) else None

    def items(self) -> list[tuple[str, "Node"]]:
        return list(self.value.items()) if isinstance(self.value, dict) else []

    def as_list(self) -> list["Node"]:
        """A list value as is; a scalar as a one-element list (IAM's 'string or list')."""
        if isinstance(self.value, list):
            return self.value
        return [self]

    @property
    def is_known(self) -> bool:
        return not isinstance(self.value, (Unknown, Template))


def at_use_site(node: Node, span: Span, note: str) -> Node:
    """A copy of a value read elsewhere (a variable default, a local, a parameter) located at
    the expression that uses it: findings then point at the trust being read, in its file,
    and the message still shows the resolved value."""
    value = node.value
    if isinstance(value, dict):
        value = {k: at_use_site(v, span, note) for k, v in value.items()}
    elif isinstance(value, list):
        value = [at_use_site(v, span, note) for v in value]
    return Node(value, span, origin=[note, *node.origin], embedded=node.embedded)


def text_of(node: Node | None) -> str | None:
    """The node's value as a string for matching: templates rendered with placeholders."""
    if node is None:
        return None
    value = node.value
    if isinstance(value, str):
        return value
    if isinstance(value, Template):
        return value.render()
    if isinstance(value, Unknown):
        return value.placeholder()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return None


def without_places(value, depth: int = 0):
    """A reading's values without where they were written (each branch's value sits elsewhere in
    the file): two readings that only place the same values differently read the same."""
    if depth > 60:
        return "…"
    if isinstance(value, Node):
        return ("node", without_places(value.value, depth + 1))
    if _dataclasses.is_dataclass(value) and not isinstance(value, type):
        return (type(value).__name__, tuple((f.name, without_places(getattr(value, f.name), depth + 1))
                                            for f in _dataclasses.fields(value) if not _is_place(f.name)))
    if isinstance(value, (list, tuple)):
        return tuple(without_places(item, depth + 1) for item in value)
    if isinstance(value, dict):
        return tuple(sorted((repr(k), without_places(v, depth + 1)) for k, v in value.items()))
    if isinstance(value, (set, frozenset)):
        return tuple(sorted(repr(item) for item in value))
    return repr(value)


def _is_place(name: str) -> bool:
    return name in ("span", "header", "location", "related", "key_span") or name.endswith(("_span", "_location", "_spans"))
