"""Terraform template directives: `%{ if }…%{ else }…%{ endif }` and `%{ for x in xs }…%{ endfor }`
in heredocs and template files, rendered with their positions kept.

A trust policy template often builds its subject list with a loop (`%{ for repo in repos ~}
"repo:${repo}:*",%{ endfor ~}`). Rendering it is the only way to judge what it admits: every
piece of the output remembers the place in the file it came from, so a finding on a subject a
loop wrote points at the loop body's line. Strip markers (`~`) trim the blanks beside their tag
as Terraform does. What cannot be known statically makes the whole text unknown (explained), never
a guess: a condition not known, malformed directives. A loop over a collection not known
statically is rendered once with its variables unknown, so the parts of the document written out
stay judged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

# Rendering is bounded: nested loops multiply (10 x 10 x 10 …); past this the text is a limit
# (TL000 at the template), never cut silently.
MAX_RENDERED_CHARS = 1_000_000
MAX_RENDERED_PIECES = 20_000  # each interpolation is evaluated: the budget on work, not only text
_DEPTH = 20


class TemplateUnknown(Exception):
    """The template cannot be rendered statically; the message says why."""


class TemplateLimit(Exception):
    """The template renders past MAX_RENDERED_CHARS."""


@dataclass
class _Literal:
    """Template text outside any interpolation or directive."""

    text: str
    start: int  # offset in the template text


@dataclass
class _Interpolation:
    """A `${ ... }` of a template."""

    expression: str
    start: int


@dataclass
class _If:
    """A `%{ if }` directive: its branches as parsed so far."""

    condition: str
    start: int
    then: list = field(default_factory=list)
    otherwise: list = field(default_factory=list)
    in_else: bool = False


@dataclass
class _For:
    """A `%{ for }` directive: the loop's names, collection and body."""

    names: list[str]
    collection: str
    start: int
    body: list = field(default_factory=list)


def has_directive(text: str) -> bool:
    """A quick test before tokenising: an unescaped `%{`."""
    index = text.find("%{")
    while index >= 0:
        if not (index > 0 and text[index - 1] == "%"):
            return True
        index = text.find("%{", index + 2)
    return False


def _closing_brace(text: str, index: int) -> int:
    """The index of the `}` that closes a `${`/`%{` whose body starts at index (quoted strings
    inside the expression may hold braces)."""
    depth = 0
    quoted = False
    while index < len(text):
        char = text[index]
        if quoted:
            if char == "\\":
                index += 1
            elif char == '"':
                quoted = False
        elif char == '"':
            quoted = True
        elif char == "{":
            depth += 1
        elif char == "}":
            if depth == 0:
                return index
            depth -= 1
        index += 1
    raise TemplateUnknown("unclosed template sequence")


def _tokens(text: str) -> list:
    """Literal runs, interpolations and directive tags, with strip markers applied."""
    tokens: list = []  # (kind, body, start, strip_before, strip_after)
    literal: list[str] = []
    literal_start = 0
    index = 0
    while index < len(text):
        char = text[index]
        if char in "$%" and text.startswith(char + "{", index + 1):
            if not literal:
                literal_start = index
            literal.append(char + "{")  # `$${` / `%%{`: the sequence written literally
            index += 3
            continue
        if char in "$%" and text.startswith("{", index + 1):
            if literal:
                tokens.append(["literal", "".join(literal), literal_start, False, False])
                literal = []
            end = _closing_brace(text, index + 2)
            body = text[index + 2 : end]
            strip_before = body.startswith("~")
            strip_after = body.endswith("~") and len(body) > 1
            body = body[1:] if strip_before else body
            body = body[:-1] if strip_after else body
            tokens.append(["interpolation" if char == "$" else "directive", body.strip(), index, strip_before, strip_after])
            index = end + 1
            continue
        if not literal:
            literal_start = index
        literal.append(char)
        index += 1
    if literal:
        tokens.append(["literal", "".join(literal), literal_start, False, False])
    _apply_strip_markers(tokens)
    return tokens


def _apply_strip_markers(tokens: list) -> None:
    for position, token in enumerate(tokens):
        if token[0] == "literal":
            continue
        if token[3] and position > 0 and tokens[position - 1][0] == "literal":
            before = tokens[position - 1]
            before[1] = before[1].rstrip(" \t\r\n")
        if token[4] and position + 1 < len(tokens) and tokens[position + 1][0] == "literal":
            after = tokens[position + 1]
            stripped = after[1].lstrip(" \t\r\n")
            after[2] += len(after[1]) - len(stripped)
            after[1] = stripped


def parse(text: str) -> list:
    """The template as nested items; malformed directives raise TemplateUnknown."""
    root: list = []
    stack: list = []  # open _If / _For

    def items() -> list:
        if not stack:
            return root
        top = stack[-1]
        if isinstance(top, _For):
            return top.body
        return top.otherwise if top.in_else else top.then

    for kind, body, start, _, _ in _tokens(text):
        if kind == "literal":
            if body:
                items().append(_Literal(body, start))
        elif kind == "interpolation":
            items().append(_Interpolation(body, start))
        else:
            _directive(body, start, stack, items)
    if stack:
        raise TemplateUnknown("template directive not closed")
    return root


def _directive(body: str, start: int, stack: list, items: Callable[[], list]) -> None:
    word, _, rest = body.strip().partition(" ") if " " in body.strip() else (body.strip(), "", "")
    word, rest = word.strip(), rest.strip()
    if word == "if":
        node = _If(rest, start)
        items().append(node)
        stack.append(node)
    elif word == "else" and not rest and stack and isinstance(stack[-1], _If) and not stack[-1].in_else:
        stack[-1].in_else = True
    elif word == "endif" and not rest and stack and isinstance(stack[-1], _If):
        stack.pop()
    elif word == "for":
        head, separator, collection = rest.partition(" in ")
        names = [name.strip() for name in head.split(",")]
        if not separator or not collection.strip() or not 1 <= len(names) <= 2 or not all(n.isidentifier() for n in names):
            raise TemplateUnknown(f"malformed %{{ for }} directive: {body[:80]}")
        node = _For(names, collection.strip(), start)
        items().append(node)
        stack.append(node)
    elif word == "endfor" and not rest and stack and isinstance(stack[-1], _For):
        stack.pop()
    else:
        raise TemplateUnknown(f"template directive not understood: %{{ {body[:80]} }}")


@dataclass
class Rendered:
    """A template's rendered text in pieces, each with the template offset it came from."""

    pieces: list = field(default_factory=list)  # (str | Unknown, template offset)
    length: int = 0

    def add(self, part, offset: int) -> None:
        text = part if isinstance(part, str) else part.placeholder()
        if not text:
            return
        self.length += len(text)
        if self.length > MAX_RENDERED_CHARS or len(self.pieces) >= MAX_RENDERED_PIECES:
            raise TemplateLimit(f"the template renders more than {MAX_RENDERED_CHARS} characters or "
                                f"{MAX_RENDERED_PIECES} pieces; not judged past this limit")
        self.pieces.append((part, offset))

    def text(self) -> str:
        return "".join(p if isinstance(p, str) else p.placeholder() for p, _ in self.pieces)


def render(items: list, bindings: dict, evaluate: Callable, unknown_element: Callable, out: Rendered, depth: int = 0,
           choose: Callable | None = None) -> None:
    """Append the pieces of `items` rendered with `bindings` to `out`.

    evaluate(expression_text, bindings) -> Node; unknown_element(name) -> Node (a loop variable
    over a collection not known statically); choose(condition_text, offset) -> bool | None: the
    branch assumed for an `%{ if }` whose condition is not known (None: not assumed)."""
    if depth > _DEPTH:
        raise TemplateUnknown("template directives nested too deep")
    for item in items:
        if isinstance(item, _Literal):
            _add_literal(item, out)
        elif isinstance(item, _Interpolation):
            for part in _parts(evaluate(item.expression, bindings)):
                out.add(part, item.start)
        elif isinstance(item, _If):
            condition = evaluate(item.condition, bindings).value
            if not isinstance(condition, bool) and choose is not None:
                condition = choose(item.condition, item.start)
            if not isinstance(condition, bool):
                raise TemplateUnknown(f"template directive %{{ if {item.condition[:80]} }} is not known statically")
            render(item.then if condition else item.otherwise, bindings, evaluate, unknown_element, out, depth + 1, choose)
        else:
            for local in _iterations(item, bindings, evaluate, unknown_element):
                render(item.body, local, evaluate, unknown_element, out, depth + 1, choose)


def _add_literal(item: _Literal, out: Rendered) -> None:
    # One piece per line: the caller maps line starts to the file (heredoc indentation moves them).
    offset = item.start
    for line in item.text.splitlines(keepends=True):
        out.add(line, offset)
        offset += len(line)


def _parts(node) -> list:
    """An interpolated value as text and Unknown parts (an unknown stays unknown, never text)."""
    from ..values import Template, Unknown, text_of

    if isinstance(node.value, Template):
        return list(node.value.parts)
    if isinstance(node.value, Unknown):
        return [node.value]
    return [text_of(node) or ""]


def _iterations(item: _For, bindings: dict, evaluate: Callable, unknown_element: Callable):
    from ..values import Node

    collection = evaluate(item.collection, bindings)
    value = collection.value
    if isinstance(value, dict):
        pairs = [(Node(key, collection.span), element) for key, element in sorted(value.items())]
    elif isinstance(value, list):
        pairs = [(Node(index, collection.span), element) for index, element in enumerate(value)]
    else:
        pairs = [(unknown_element(item.names[0]), unknown_element(item.names[-1]))]
    for key, element in pairs:
        local = dict(bindings)
        if len(item.names) == 2:
            local[item.names[0]], local[item.names[1]] = key, element
        else:
            local[item.names[0]] = element
        yield local
