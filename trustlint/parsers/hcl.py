"""HCL files into blocks and attributes that keep their positions.

python-hcl2's dict output drops positions and flattens `jsonencode({...})` into a string, so
trustlint reads its raw Lark tree instead: every attribute keeps its expression tree for the
evaluator (terraform_eval.py) and every block its header span for findings.
"""

from __future__ import annotations

import re

from dataclasses import dataclass, field

from ..errors import AnalysisError
from ..source import SourceFile, Span


@dataclass
class Attribute:
    name: str
    expr: object  # a lark Tree: the expression, evaluated on demand
    span: Span  # of the expression
    name_span: Span


@dataclass
class Block:
    type: str
    labels: list[str]
    span: Span  # the whole block
    header: Span  # `resource "aws_iam_role" "x" {`
    attributes: dict[str, Attribute] = field(default_factory=dict)
    blocks: list["Block"] = field(default_factory=list)
    source: SourceFile | None = None

    def children(self, block_type: str) -> list["Block"]:
        return [b for b in self.blocks if b.type == block_type]


def tree_span(tree) -> Span:
    """Span of a lark Tree or Token (lark columns are 1-based, end columns exclusive)."""
    if hasattr(tree, "meta"):
        meta = tree.meta
        if getattr(meta, "empty", True):
            return Span(1, 1, 1, 1)
        if meta.end_line > meta.line:
            # Some rules swallow the newline after them; end at the last real token.
            last = _last_token(tree)
            if last is not None:
                return Span(meta.line, meta.column, last.end_line, last.end_column)
        return Span(meta.line, meta.column, meta.end_line, meta.end_column)
    return Span(tree.line, tree.column, tree.end_line, tree.end_column)


def _last_token(tree):
    for child in reversed(tree.children):
        if hasattr(child, "data"):
            if child.data == "new_line_or_comment":
                continue
            found = _last_token(child)
            if found is not None:
                return found
        elif getattr(child, "type", "") != "NL_OR_COMMENT" and child.end_line is not None:
            return child
    return None


def _lark_error(exc) -> AnalysisError:
    line = getattr(exc, "line", None) or 1
    column = getattr(exc, "column", None) or 1
    token = getattr(exc, "token", None)
    if token is not None and getattr(token, "type", "") == "$END":
        what = "unexpected end of file"
    elif token is not None:
        text = str(token).strip().splitlines()[0] if str(token).strip() else "newline"
        what = f"unexpected {text[:40]!r}"
    else:
        what = "unexpected character"
    return AnalysisError(f"invalid HCL: {what}", Span.point(max(line, 1), max(column, 1)))


_STRIP_MARKER = re.compile(r"(?<=[$%]\{)~|~(?=\})")


def _without_strip_markers(text: str) -> str:
    """python-hcl2 rejects template strip markers (`${~ x ~}`, `%{~ if ~}`), which only trim
    whitespace: blank them out, keeping every offset, so the file parses and spans stay true."""
    return _STRIP_MARKER.sub(" ", text) if "~" in text else text


def parse_hcl(source: SourceFile) -> list[Block]:
    """Parse an HCL file into its top-level blocks, or raise AnalysisError with a position."""
    import hcl2  # heavy (Lark grammar): imported only when an HCL file needs parsing
    from lark.exceptions import LarkError

    try:
        tree = hcl2.parses_to_tree(_without_strip_markers(source.text))
    except LarkError as exc:
        raise _lark_error(exc) from None
    except RecursionError:
        raise AnalysisError("invalid HCL: nesting too deep") from None
    body = tree.children[0]
    return _read_body(body, source)[1]


def _name(tree) -> str:
    """The text of an identifier/keyword/literal_value/string used as a name or label."""
    if hasattr(tree, "data"):
        if tree.data == "string":
            return "".join(str(part.children[0]) for part in tree.children[1:-1] if hasattr(part, "data"))
        return "".join(_name(child) for child in tree.children)
    return str(tree)


def _read_body(body, source: SourceFile) -> tuple[dict[str, Attribute], list[Block]]:
    attributes: dict[str, Attribute] = {}
    blocks: list[Block] = []
    for child in body.children:
        if not hasattr(child, "data"):
            continue
        if child.data == "attribute":
            name_tree, _, expr = child.children
            name = _name(name_tree)
            attributes[name] = Attribute(name, expr, tree_span(expr), tree_span(name_tree))
        elif child.data == "block":
            blocks.append(_read_block(child, source))
    return attributes, blocks


def _read_block(tree, source: SourceFile) -> Block:
    parts = [c for c in tree.children if hasattr(c, "data") and c.data != "new_line_or_comment"]
    body = next(p for p in parts if p.data == "body")
    names = [_name(p) for p in parts if p is not body]
    span = tree_span(tree)
    header = Span(span.line, span.column, span.line, len(source.line_text(span.line)) + 1)
    attributes, blocks = _read_body(body, source)
    return Block(names[0], names[1:], span, header, attributes, blocks, source)
