"""Terraform's JSON syntax (`*.tf.json`, `*.tofu.json`) read into the blocks and attributes
hcl.parse_hcl gives for the native syntax, so the evaluator and every resource reader work
unchanged on them.

The mapping follows https://developer.hashicorp.com/terraform/language/syntax/json and HCL's
JSON decoder (hashicorp/hcl json/structure.go):
- a string where an expression is expected is a template (`"arn:${var.x}"`), and one that is
  a single interpolation and nothing else is that expression's value, unconverted
  (`"${var.subjects}"` is the list); numbers, booleans and null are literals; objects and
  arrays are object and tuple expressions whose keys are templates too;
- some arguments take their strings literally (every argument of a variable, module
  `source`, `depends_on`, ...): `"${x}"` there is those five characters;
- a `"//"` member of a block body (or of the file) is a comment; a body may be an array of
  objects (several blocks), and a block type may appear twice in one object;
- whether a member is a nested block or an argument depends on the provider's schema, which
  trustlint does not have: the nested blocks the resource readers read (`block.children` in
  aws.py, gcp.py, privileges.py) and the meta-blocks are known here, everything else is an
  argument, whose value reads the same.

Every token keeps the JSON file's own line and column (a JSON string is one line, so an
escape only moves columns), so findings point into the .tf.json file. What Terraform would
reject (a block that is no object, an argument given twice, a template that does not parse)
is an AnalysisError at its place, returned beside the blocks: TL000, never a silent skip.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from typing import Callable

from ..errors import AnalysisError
from ..input.jsonpos import Pairs, load_json
from ..source import SourceFile, Span
from ..values import Node
from .hcl import LITERAL_TEXT, Attribute, Block, tree_span
from .hcl_reader import Token, Tree, Unsupported, read_interpolation
from ..lazy_re import lazy


@dataclass(frozen=True)
class _Kind:
    """What a block type holds: its label count, its nested block types, and the arguments
    whose strings are literal rather than templates."""

    labels: int = 0
    blocks: dict = field(default_factory=dict)  # nested block type -> _Kind
    literal: frozenset = frozenset()
    all_literal: bool = False  # every argument literal (variable and terraform blocks)
    dynamic: bool = False  # may hold `dynamic "TYPE"` blocks (inside resources)


# Resources and data sources: their kind depends on their type (the first label).
_RESOURCE = _Kind(labels=2)
_CONNECTION = _Kind(literal=frozenset({"type"}))  # "the given string is interpreted literally"
_META_BLOCKS = {
    "lifecycle": _Kind(blocks={"precondition": _Kind(), "postcondition": _Kind()}, literal=frozenset({"ignore_changes"})),
    "connection": _CONNECTION,
    "provisioner": _Kind(labels=1, blocks={"connection": _CONNECTION}),
}
_META_LITERAL = frozenset({"provider", "depends_on"})  # references written as plain strings
# The nested blocks the resource readers read, per resource type.
_STATEMENT = _Kind(blocks={"principals": _Kind(), "not_principals": _Kind(), "condition": _Kind()}, dynamic=True)
_NESTED = {
    ("data", "aws_iam_policy_document"): {"statement": _STATEMENT},
    ("resource", "aws_iam_role"): {"inline_policy": _Kind()},
    ("resource", "google_iam_workload_identity_pool_provider"): {k: _Kind() for k in ("oidc", "aws", "saml", "x509")},
    ("data", "google_iam_policy"): {"binding": _Kind(blocks={"condition": _Kind()}, dynamic=True),
                                    "audit_config": _Kind(blocks={"audit_log_configs": _Kind()})},
}
_GOOGLE_IAM_MEMBER = {"condition": _Kind()}  # google_*_iam_member / google_*_iam_binding

_TOP_LEVEL = {
    "resource": _RESOURCE, "data": _RESOURCE, "ephemeral": _RESOURCE,
    "variable": _Kind(labels=1, all_literal=True, blocks={"validation": _Kind()}),
    "output": _Kind(labels=1, literal=frozenset({"description", "sensitive", "depends_on"}),
                    blocks={"precondition": _Kind()}),
    "module": _Kind(labels=1, literal=frozenset({"source", "version", "providers", "depends_on"})),
    "provider": _Kind(labels=1, literal=frozenset({"alias", "version"})),
    "terraform": _Kind(all_literal=True, blocks={"backend": _Kind(labels=1, all_literal=True),
                                                  "cloud": _Kind(all_literal=True, blocks={"workspaces": _Kind(all_literal=True)})}),
    "check": _Kind(labels=1, blocks={"assert": _Kind()}),
    "moved": _Kind(all_literal=True), "removed": _Kind(all_literal=True, blocks={"lifecycle": _Kind(all_literal=True)}),
    "import": _Kind(literal=frozenset({"to", "provider"})),
}


def _resource_kind(block_type: str, resource_type: str) -> _Kind:
    nested = _NESTED.get((block_type, resource_type))
    if nested is None and resource_type.startswith("google_") and resource_type.endswith(("_iam_member", "_iam_binding")):
        nested = _GOOGLE_IAM_MEMBER
    return _Kind(blocks={**_META_BLOCKS, **(nested or {})}, literal=_META_LITERAL, dynamic=True)


def parse_json_syntax(source: SourceFile, keep: Callable[[str, str, str], bool] | None = None
                      ) -> tuple[list[Block], list[AnalysisError]]:
    """The top-level blocks of a Terraform JSON file, and each part of it Terraform would
    reject (reported, the rest still read). Raises AnalysisError when the file is not JSON,
    or not one object. With `keep(block_type, resource_type, text)`, the resources and data
    sources it declines are left unread (as parse_hcl leaves them unparsed): turning every
    value into a tree is most of the cost of a large generated stack."""
    document = load_json(source, pairs=True)
    if not isinstance(document.value, Pairs):
        raise AnalysisError("a Terraform JSON file must hold one JSON object", document.span)
    reader = _Reader(source, keep)
    blocks: list[Block] = []
    for key, node in document.value:
        if key == "//":
            continue
        if key == "locals":
            blocks.extend(reader.locals(node))
        elif key in _TOP_LEVEL:
            blocks.extend(reader.blocks(key, node, _TOP_LEVEL[key]))
        else:
            reader.problem(f"{key!r} is not a Terraform block type; Terraform rejects this file", node.key_span)
    return blocks, reader.problems


class _Reader:
    """Blocks and expression trees of one JSON file; problems are collected, not raised."""

    def __init__(self, source: SourceFile, keep: Callable[[str, str, str], bool] | None = None):
        self.source = source
        self.keep = keep
        self.problems: list[AnalysisError] = []

    def problem(self, message: str, span: Span) -> None:
        self.problems.append(AnalysisError(message, span))

    # -- blocks ---------------------------------------------------------------------------

    def blocks(self, block_type: str, node: Node, kind: _Kind, labels: tuple = ()) -> list[Block]:
        """The blocks a member holds: one object level per label (or an array of such
        objects), then the body: an object, or an array of objects for several blocks."""
        if len(labels) < kind.labels:
            out = []
            for key, child in self._label_members(block_type, node):
                out.extend(self.blocks(block_type, child, kind, (*labels, key)))
            return out
        if node.value is None:
            return []  # HCL: a null body declares no block
        if kind is _RESOURCE and self.keep is not None and not self.keep(block_type, labels[0], self._text(node.span)):
            return []
        if isinstance(node.value, Pairs):
            return [self._block(block_type, labels, node, kind, node.key_span or node.span)]
        if isinstance(node.value, list):
            out = []
            for element in node.value:
                if isinstance(element.value, Pairs):
                    out.append(self._block(block_type, labels, element, kind, element.span))
                elif element.value is not None:
                    self.problem(f"a {block_type} block must be a JSON object", element.span)
            return out
        self.problem(f"{block_type} is a block here: a JSON object or an array of objects is expected, "
                     "and Terraform rejects anything else", node.span)
        return []

    def _label_members(self, block_type: str, node: Node) -> list[tuple[str, Node]]:
        if node.value is None:
            return []
        elements = [node] if isinstance(node.value, Pairs) else node.value if isinstance(node.value, list) else None
        if elements is None:
            self.problem(f"{block_type} needs a JSON object whose keys are its labels", node.span)
            return []
        members = []
        for element in elements:
            if not isinstance(element.value, Pairs):
                self.problem(f"{block_type} needs a JSON object whose keys are its labels", element.span)
                continue
            for key, child in element.value:
                if key != "//":
                    members.append((key, child))
                elif isinstance(child.value, (Pairs, list)):
                    self.problem(f"'//' is a comment only in a block body: as a {block_type} label Terraform rejects it",
                                 child.key_span)
        return members

    def _block(self, block_type: str, labels: tuple, body: Node, kind: _Kind, anchor: Span) -> Block:
        if kind is _RESOURCE:
            kind = _resource_kind(block_type, labels[0])
        attributes, blocks = self._body(body, kind)
        # As for HCL, the header is the rest of the line naming the block: here its last label.
        header = Span(anchor.line, anchor.column, anchor.line, len(self.source.line_text(anchor.line)) + 1)
        span = Span(anchor.line, anchor.column, body.span.end_line, body.span.end_column)
        return Block(block_type, list(labels), span, header, attributes, blocks, self.source)

    def _body(self, body: Node, kind: _Kind) -> tuple[dict[str, Attribute], list[Block]]:
        attributes: dict[str, Attribute] = {}
        blocks: list[Block] = []
        for key, node in body.value:
            if key == "//":
                continue
            if key in kind.blocks:
                blocks.extend(self.blocks(key, node, kind.blocks[key]))
            elif key == "dynamic" and kind.dynamic and isinstance(node.value, (Pairs, list)):
                blocks.extend(self._dynamic(node, kind))
            elif key in attributes:
                self.problem(f"argument {key!r} is set twice in this block; Terraform rejects this", node.key_span)
            else:
                attributes[key] = self._attribute(key, node, kind.all_literal or key in kind.literal)
        return attributes, blocks

    def _dynamic(self, node: Node, kind: _Kind) -> list[Block]:
        """`"dynamic": {"TYPE": {"for_each": …, "content": {…}}}`: its content holds what a
        TYPE block holds."""
        out = []
        for label, child in self._label_members("dynamic", node):
            content = kind.blocks.get(label, _Kind(dynamic=True))
            out.extend(self.blocks("dynamic", child, _Kind(labels=1, blocks={"content": content}), (label,)))
        return out

    def locals(self, node: Node) -> list[Block]:
        """`"locals": {NAME: expression, …}`, or an array of such objects (one block each)."""
        bodies = [node] if isinstance(node.value, Pairs) else node.value if isinstance(node.value, list) else None
        if bodies is None:
            self.problem("locals must be a JSON object (or an array of objects)", node.span)
            return []
        out = []
        for body in bodies:
            if not isinstance(body.value, Pairs):
                self.problem("locals must be a JSON object", body.span)
                continue
            out.append(self._block("locals", (), body, _Kind(), body.key_span or body.span))
        return out

    def _attribute(self, name: str, node: Node, literal: bool) -> Attribute:
        try:
            expr = self.expression(node, literal)
        except RecursionError:
            self.problem(f"{name}: value nested too deeply to read", node.span)
            expr = _unreadable(node.span)
        return Attribute(name, expr, tree_span(expr), node.key_span)

    # -- expressions ----------------------------------------------------------------------

    def expression(self, node: Node, literal: bool) -> Tree:
        """The HCL parse tree of a JSON value, positioned in the JSON file."""
        value = node.value
        if isinstance(value, str):
            return _literal_string(value, node.span) if literal else self._template(value, node.span)
        if isinstance(value, bool) or value is None:
            word = "null" if value is None else "true" if value else "false"
            return Tree("literal_value", [_token(word.upper(), word, node.span)])
        if isinstance(value, (int, float)):
            text = self.source.line_text(node.span.line)[node.span.column - 1 : node.span.end_column - 1]
            kind = ("int_lit", "INT_LITERAL") if isinstance(value, int) else ("float_lit", "FLOAT_LITERAL")
            return Tree(kind[0], [_token(kind[1], text, node.span)])
        if isinstance(value, Pairs):
            return self._object(node, literal)
        return Tree("tuple", [_opening("[", node.span), *(self.expression(item, literal) for item in value),
                              _closing("]", node.span)])

    def _object(self, node: Node, literal: bool) -> Tree:
        children = [_opening("{", node.span)]
        seen: set[str] = set()
        for key, value in node.value:
            if key in seen:
                # HCL: "Duplicate object attribute"; keeping either would hide the other
                self.problem(f"key {key!r} appears twice in this object; Terraform rejects this", value.key_span)
                continue
            seen.add(key)
            # A key is a template too, converted to a string: never unwrapped to another type.
            key_tree = _literal_string(key, value.key_span) if literal else self._template(key, value.key_span, unwrap=False)
            children.append(Tree("object_elem", [Tree("object_elem_key", [key_tree]), self.expression(value, literal)]))
        children.append(_closing("}", node.span))
        return Tree("object", children)

    def _template(self, text: str, span: Span, unwrap: bool = True) -> Tree:
        """A JSON string as Terraform reads it where an expression is expected: a template."""
        if "${" not in text and "%{" not in text:
            return _literal_string(text, span)  # no interpolation, no escape: the text itself
        template = _Template(text, span, self._raw(span))
        parts = []
        literal_start = position = 0
        while True:
            mark = _TEMPLATE_MARK.search(text, position)
            if mark is None:
                break
            if mark.group() in ("$${", "%%{"):
                position = mark.end()  # an escaped `${`: literal text
                continue
            if mark.group() == "%{":
                # %{ if } / %{ for } directives are not evaluated: the value is unknown (explained)
                return Tree("template_string", [_opening('"', span), _closing('"', span)])
            if mark.start() > literal_start:
                parts.append(template.literal(literal_start, mark.start()))
            interpolation, position = self._interpolation(template, mark.start())
            if interpolation is None:
                return _unreadable(span)
            parts.append(Tree("string_part", [interpolation]))
            literal_start = position
        if literal_start < len(text):
            parts.append(template.literal(literal_start, len(text)))
        if unwrap and len(parts) == 1 and hasattr(parts[0].children[0], "data"):
            return [c for c in parts[0].children[0].children if hasattr(c, "data")][0]  # `"${x}"` is x itself
        return Tree("string", [_opening('"', span), *parts, _closing('"', span)])

    def _interpolation(self, template: "_Template", start: int) -> tuple[Tree | None, int]:
        """The `${ … }` at `start`, positioned in the file, and where it ends; None (reported)
        when it does not parse: Terraform rejects the template."""
        try:
            line = bisect.bisect_right(template.line_starts, start)
            tree, end = read_interpolation(template.scanned, start, line, template.line_starts[line - 1])
            return template.placed(tree), end
        except Unsupported:
            pass  # declined by the fast reader: python-hcl2 decides, as for .tf files
        except RecursionError:
            self.problem("interpolation nested too deeply to read", template.span)
            return None, len(template.text)
        close = _closing_brace(template.scanned, start + 2)
        if close is None:
            self.problem("invalid template: an interpolation `${` is never closed; Terraform rejects this", template.span)
            return None, len(template.text)
        inner = template.scanned[start + 2 : close]
        begin = start + 2 + len(inner) - len(inner.lstrip())  # line breaks around the expression are blanks
        expression = _parse_expression(inner.strip())
        if expression is None:
            self.problem(f"invalid template: cannot parse ${{{template.text[start + 2 : close][:60]}}}; "
                         "Terraform rejects this", template.span)
            return None, len(template.text)
        # positions in "x = EXPR" become the template's: EXPR starts at `begin`
        placed = template.placed(expression, _line_starts(_ATTRIBUTE_PREFIX + inner.strip()), begin - len(_ATTRIBUTE_PREFIX))
        return Tree("interpolation", [template.token("INTERP_START", "${", start, start + 2), placed,
                                      template.token("RBRACE", "}", close, close + 1)]), close + 1

    def _text(self, span: Span) -> str:
        return "\n".join(self.source.lines[span.line - 1 : span.end_line])

    def _raw(self, span: Span) -> str:
        """A JSON string's text between its quotes, escapes as written (one line: JSON
        strings hold no raw line break)."""
        return self.source.line_text(span.line)[span.column : span.end_column - 2]


# `$${` and `%%{` are escapes for literal `${` and `%{`; the scan runs left to right, so
# `$$${x}` is `$` then the escape, as HCL's template scanner reads it.
_TEMPLATE_MARK = lazy(r"\$\$\{|%%\{|\$\{|%\{")
# Strip markers (`${~ x ~}`) only trim whitespace: blanked out, keeping every offset (hcl.py).
_STRIP_MARKER = lazy(r"(?<=[$%]\{)~|~(?=\})")
# One JSON escape: a surrogate pair first (json decodes it to one character), then \uXXXX or one character.
_ESCAPE = lazy(r"\\(?:u[dD][89abAB][0-9a-fA-F]{2}\\u[dD][c-fC-F][0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|.)")
_ATTRIBUTE_PREFIX = "x = "


class _Template:
    """One JSON string's value read as a template, and the file column of each of its
    characters: an escape (`\\"`, `\\n`, `\\u00e9`) is several characters of the file."""

    def __init__(self, text: str, span: Span, raw: str):
        self.text = text
        self.span = span
        self.scanned = _STRIP_MARKER.sub(" ", text) if "~" in text else text
        self.marks = [(0, 0)]  # (value offset, raw offset) just after each escape
        value = raw_at = 0
        for escape in _ESCAPE.finditer(raw):
            value += escape.start() - raw_at + 1
            raw_at = escape.end()
            self.marks.append((value, raw_at))
        self.line_starts = _line_starts(text)  # the value's lines (a `\n` escape is a line break in it)

    def column(self, offset: int) -> int:
        value, raw = self.marks[bisect.bisect_right(self.marks, (offset, float("inf"))) - 1]
        return self.span.column + 1 + raw + offset - value

    def token(self, kind: str, text: str, start: int, end: int) -> Token:
        return Token(kind, text, self.span.line, self.column(start), self.span.line, self.column(end))

    def literal(self, start: int, end: int) -> Tree:
        text = self.text[start:end].replace("$${", "${").replace("%%{", "%{")
        return Tree("string_part", [self.token(LITERAL_TEXT, text, start, end)])

    def placed(self, tree, starts: list[int] | None = None, shift: int = 0):
        """A parse tree with every token moved to the file. Without `starts`, the tree's
        positions are the value's; else they are those of a text whose lines start at `starts`
        and whose first character is the value's offset `shift` (negative for the `x = ` put in
        front of an expression). Iterative: a long `a + b + …` chain is deeper than Python's
        recursion."""
        starts = self.line_starts if starts is None else starts

        def offset(line: int, column: int) -> int:
            return min(max(shift + starts[line - 1] + column - 1, 0), len(self.text))

        return _rebuild(tree, lambda t: self.token(t.type, str(t), offset(t.line, t.column), offset(t.end_line, t.end_column)))


def _line_starts(text: str) -> list[int]:
    return [0, *(m.end() for m in re.finditer("\n", text))]


def _rebuild(tree, move_token):
    """A copy of a lark-shaped tree with every token replaced by move_token(token)."""
    if not hasattr(tree, "data"):
        return move_token(tree)
    stack = [(tree, [c for c in tree.children if c is not None], [])]  # (tree, its children, their copies)
    while True:
        node, children, built = stack[-1]
        if len(built) == len(children):
            stack.pop()
            copy = Tree(str(node.data), built)
            if not stack:
                return copy
            stack[-1][2].append(copy)
            continue
        child = children[len(built)]
        if hasattr(child, "data"):
            stack.append((child, [c for c in child.children if c is not None], []))
        else:
            built.append(move_token(child))


def _closing_brace(text: str, position: int) -> int | None:
    """The `}` closing an interpolation, by brace depth (as the evaluator finds a heredoc's):
    only for what the fast reader declines."""
    depth = 0
    for index in range(position, len(text)):
        char = text[index]
        if char == "{":
            depth += 1
        elif char == "}":
            if depth == 0:
                return index
            depth -= 1
    return None


def _parse_expression(text: str):
    """python-hcl2's tree of one expression, or None when it does not parse."""
    from .hcl import parse_tree

    try:
        body = parse_tree(_ATTRIBUTE_PREFIX + text).children[0]
        attribute = [c for c in body.children if hasattr(c, "data") and c.data == "attribute"][0]
        return attribute.children[2]
    except (AnalysisError, IndexError):
        return None


def _token(kind: str, text: str, span: Span) -> Token:
    return Token(kind, text, span.line, span.column, span.end_line, span.end_column)


def _opening(char: str, span: Span) -> Token:
    return Token({"{": "LBRACE", "[": "LSQB", '"': "DBLQUOTE"}[char], char, span.line, span.column, span.line, span.column + 1)


def _closing(char: str, span: Span) -> Token:
    return Token({"}": "RBRACE", "]": "RSQB", '"': "DBLQUOTE"}[char], char, span.end_line, span.end_column - 1,
                 span.end_line, span.end_column)


def _literal_string(text: str, span: Span) -> Tree:
    """A string taken as it is (no template): its quotes and its text, which may hold `${`."""
    parts = [Tree("string_part", [Token(LITERAL_TEXT, text, span.line, span.column + 1, span.end_line, span.end_column - 1)])]
    return Tree("string", [_opening('"', span), *(parts if text else []), _closing('"', span)])


def _unreadable(span: Span) -> Tree:
    """Stands for a value that could not be read (reported): the evaluator makes it unknown."""
    return Tree("invalid_template", [_opening('"', span), _closing('"', span)])
