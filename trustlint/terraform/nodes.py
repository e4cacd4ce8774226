"""Helpers on evaluated values shared by the Terraform evaluator and its functions."""

from __future__ import annotations

from ..source import Span
from ..values import Node, Template

# A known object or list without the attribute, key or index asked for: an error in
# Terraform, which try() skips (an unknown value it does not skip).
NO_SUCH_ELEMENT = "no such attribute, key or index"


def is_fully_known(node: Node) -> bool:
    value = node.value
    if isinstance(value, dict):
        return all(is_fully_known(v) for v in value.values())
    if isinstance(value, list):
        return all(is_fully_known(v) for v in value)
    return node.is_known


def plain(node: Node):
    """Plain Python value of a fully known node."""
    value = node.value
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def from_plain(value, span: Span) -> Node:
    if isinstance(value, dict):
        return Node({str(k): from_plain(v, span) for k, v in value.items()}, span)
    if isinstance(value, (list, tuple)):
        return Node([from_plain(v, span) for v in value], span)
    return Node(value, span)


def template_node(parts: list, span: Span) -> Node:
    """A string from literal and unknown parts: a plain string when every part is known."""
    merged: list = []
    for part in parts:
        if isinstance(part, str) and merged and isinstance(merged[-1], str):
            merged[-1] += part
        else:
            merged.append(part)
    if all(isinstance(p, str) for p in merged):
        return Node("".join(merged), span)
    if len(merged) == 1:
        return Node(merged[0], span)
    return Node(Template(tuple(merged)), span)
