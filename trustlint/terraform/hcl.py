"""HCL files into blocks and attributes that keep their positions.

python-hcl2's dict output drops positions and flattens `jsonencode({...})` into a string, so
trustlint reads its raw Lark tree instead: every attribute keeps its expression tree for the
evaluator (evaluator.py) and every block its header span for findings.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from typing import Callable

from ..errors import AnalysisError
from ..source import SourceFile, Span
from ..lazy_re import lazy


# The token type of a string part whose text is the value as is: JSON syntax strings were
# unescaped by JSON already, so a backslash in them is a backslash, not an HCL escape.
LITERAL_TEXT = "LITERAL_TEXT"


@dataclass
class Attribute:
    """One `name = expression` of a block, the expression kept unevaluated."""

    name: str
    expr: object  # a lark Tree: the expression, evaluated on demand
    span: Span  # of the expression
    name_span: Span


@dataclass
class Block:
    """One HCL block with its labels, attributes and nested blocks, and where it is written."""

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


_STRIP_MARKER = lazy(r"(?<=[$%]\{)~|~(?=\})")


def _without_strip_markers(text: str) -> str:
    """python-hcl2 rejects template strip markers (`${~ x ~}`, `%{~ if ~}`), which only trim
    whitespace: blank them out, keeping every offset, so the file parses and spans stay true."""
    return _STRIP_MARKER.sub(" ", text) if "~" in text else text


_HEREDOC_OPEN = lazy(r"<<-?([A-Za-z][\w-]*)[ \t]*\r?\n")


def _heredoc_markers_trimmed(text: str) -> str:
    """HCL trims the line that closes a heredoc, python-hcl2 does not: a closing marker with
    trailing blanks (`EOF  `) would end the file as a syntax error. Its trailing blanks move in
    front of it (`  EOF`), keeping every offset, and python-hcl2 ends the heredoc there."""
    if "<<" not in text:
        return text
    openers = list(_HEREDOC_OPEN.finditer(text))
    if not openers:
        return text
    # The first line holding only the marker after the opener: a plain one ends the heredoc as
    # it is, one with trailing blanks is rewritten. Searched per marker from the opener, each
    # answer kept while later openers come before it; with many different markers, from an
    # index of the whole file's marker lines made once. (A search per opener was quadratic in
    # a file of openers never closed, as `# <<M` comments.)
    markers = {opened.group(1) for opened in openers}
    first_line = _marker_index(text) if len(markers) > _MANY_MARKERS else _marker_searches(text)
    out, position = [], 0
    for opened in openers:
        if opened.start() < position:
            continue  # inside a heredoc already rewritten
        marker = opened.group(1)
        line = first_line(marker, opened.end())
        if line is None or not line.group(2):
            continue
        out.append(text[position:line.start()])
        out.append(line.group(1) + line.group(2) + marker + line.group(3))
        position = line.end()
    out.append(text[position:])
    return "".join(out)


_MANY_MARKERS = 16


def _marker_searches(text: str):
    """first_line(marker, pos): the first line at or after pos holding only the marker (groups:
    indent, trailing blanks, CR), or None; a search per marker, reused while it still holds."""
    found: dict[str, tuple] = {}

    def first_line(marker: str, pos: int):
        searched = found.get(marker)
        if searched is not None and searched[0] <= pos and (searched[1] is None or searched[1].start() >= pos):
            return searched[1]
        pattern = re.compile(r"^([ \t]*)" + re.escape(marker) + r"([ \t]*)(\r?)$", re.M)
        line = pattern.search(text, pos)
        found[marker] = (pos, line)
        return line

    return first_line


_MARKER_LINE = lazy(r"^([ \t]*)([A-Za-z][\w-]*)([ \t]*)(\r?)$", re.M)


def _marker_index(text: str):
    """first_line as _marker_searches gives it, from one pass over the file's marker lines."""
    starts: dict[str, list[int]] = {}
    lines: dict[str, list] = {}
    for line in _MARKER_LINE.finditer(text):
        starts.setdefault(line.group(2), []).append(line.start())
        lines.setdefault(line.group(2), []).append(_Line(line))

    def first_line(marker: str, pos: int):
        index = bisect.bisect_left(starts.get(marker, []), pos)
        return lines[marker][index] if index < len(starts.get(marker, [])) else None

    return first_line


class _Line:
    """A marker line of the index, with the groups of _marker_searches' pattern."""

    def __init__(self, match):
        self._match = match

    def group(self, number: int) -> str:
        return self._match.group({1: 1, 2: 3, 3: 4}[number])

    def start(self) -> int:
        return self._match.start()

    def end(self) -> int:
        return self._match.end()


FAST_READER = True  # tests turn it off to compare with python-hcl2 alone


def parse_tree(text: str):
    """python-hcl2's parse tree of `text`, or AnalysisError with a position. hcl_reader builds
    it without Lark's start-up (~0.2 s a process); python-hcl2 decides whatever it declines,
    and reports every syntax error."""
    if FAST_READER:
        from .hcl_reader import Unsupported, read

        try:
            return read(text)
        except Unsupported:
            pass
    import hcl2  # heavy (Lark grammar): imported only when the fast reader declines
    from lark.exceptions import LarkError

    try:
        return hcl2.parses_to_tree(text)
    except LarkError as exc:
        raise _lark_error(exc) from None
    except RecursionError:
        raise AnalysisError("invalid HCL: nesting too deep") from None


def parse_hcl(source: SourceFile, keep: Callable[[str, str, str], bool] | None = None,
              items: list[tuple[int, int, str, str, str]] | None = None) -> list[Block]:
    """Parse an HCL file into its top-level blocks, or raise AnalysisError with a position.

    With `keep(block_type, first_label, block_text)`, the top-level blocks it declines become
    a comment holding their newlines before parsing, so every position holds: parsing costs
    per token, and most blocks of a large configuration never reach a trust. `items` is the
    file's outline when the caller has it already (source_outline)."""
    text = _heredoc_markers_trimmed(_without_strip_markers(source.text))
    kept = _kept_text(text, keep, items if items is not None else outline(text)) if keep is not None else text
    try:
        tree = parse_tree(kept)
    except AnalysisError:
        if kept is text:
            raise
        tree = parse_tree(text)  # the outline misread the file: the full parse decides
    body = tree.children[0]
    return _read_body(body, source)[1]


# -- the outline: top-level blocks found without parsing ----------------------------------------

_TOP_SKIP = lazy(r"(?:\s+|#[^\n]*|//[^\n]*|/\*.*?\*/)*", re.S)
# An unquoted label needs a blank before it, so a name can never be split into several
# (nested repetition of `[\w-]*` backtracks exponentially when no `{` follows).
_HEADER = lazy(r'([A-Za-z_][\w-]*)((?:[ \t]+[A-Za-z_][\w-]*|[ \t]*"[^"\\\n$%]*")*)[ \t]*\{')
_LABEL = lazy(r'"([^"]*)"|([A-Za-z_][\w-]*)')
_LINE_REST = lazy(r"[ \t\r]*(?:(?:#|//)[^\n]*)?(?:\n|\Z)")
_CODE = lazy(r'["{}\[\]()#]|//|/\*|<<-?(?=[A-Za-z])')
# What _block_end passes over in one match: code without brackets, comments, and whole strings
# without a template (`${`, `%{`), the most of a block; it stops at a token the loop reads
# (a bracket, a string with a template, a heredoc, an unclosed comment). Inside a string or a
# comment each character is matched one way only (a run must be whole), so one that does not
# close backtracks linearly, never more: a scanned file controls the text. Nothing follows
# the outer repetition, so it never backtracks. Tested against the token-by-token loop.
_PLAIN = lazy(r'(?:[^"{}\[\]()#/<]+|/(?![/*])|<(?!<-?[A-Za-z])|#[^\n]*|//[^\n]*|/\*(?:[^*]+(?![^*])|\*(?!/))*\*/'
              r'|"(?:[^"\\\n$%]+(?![^"\\\n$%])|\\.|\$\$\{|%%\{|\$(?!\{|\$\{)|%(?!\{|%\{))*")*', re.S)
_STRING = lazy(r'\\.|"|\$\$\{|%%\{|[$%]\{|\n', re.S)
_HEREDOC_HEAD = lazy(r"<<-?([A-Za-z][\w.-]*)\r?\n")
_CLOSERS = {"}": "{", "]": "[", ")": "("}


def outline(text: str) -> list[tuple[int, int, str, str, str]] | None:
    """Top-level blocks as (first line, last line, type, first label, text), found by
    tracking brackets, strings, comments and heredocs; None when the file is anything but
    blocks that each start and end on lines of their own (then it is parsed whole)."""
    items = []
    pos = counted = 0
    line = 1
    while True:
        pos = _TOP_SKIP.match(text, pos).end()
        if pos >= len(text):
            return items
        if text[text.rfind("\n", 0, pos) + 1 : pos].strip():
            return None  # another construct ends on this line
        header = _HEADER.match(text, pos)
        if header is None:
            return None  # a top-level attribute (or an error): not a plain sequence of blocks
        end = _block_end(text, header.end())
        rest = _LINE_REST.match(text, end) if end is not None else None
        if rest is None:
            return None
        label = _LABEL.match(header.group(2).strip())
        first_label = (label.group(1) or label.group(2)) if label else ""
        line += text.count("\n", counted, pos)  # counted once, from where the last block ended
        last_line = line + text.count("\n", pos, end)
        items.append((line, last_line, header.group(1), first_label, text[pos:end]))
        line, counted = last_line, end
        pos = rest.end()


def _block_end(text: str, pos: int) -> int | None:
    """The offset just past the `}` closing the block whose `{` ends before pos."""
    stack = ["{"]
    while stack:
        if stack[-1] == '"':
            match = _STRING.search(text, pos)
            if match is None or match.group() == "\n":
                return None
            token, pos = match.group(), match.end()
            if token == '"':
                stack.pop()
            elif token in ("${", "%{"):
                stack.append("${")
            continue
        pos = _PLAIN.match(text, pos).end()
        match = _CODE.match(text, pos)
        if match is None:
            return None
        token, pos = match.group(), match.end()
        if token in ('"', "{", "[", "("):
            stack.append(token)
        elif token in _CLOSERS:
            opener = stack.pop()
            if opener != _CLOSERS[token] and not (token == "}" and opener == "${"):
                return None
        elif token == "/*":  # not closed: the skip above takes every closed one
            return None
        else:  # a heredoc: skip to the line holding only its marker
            head = _HEREDOC_HEAD.match(text, match.start())
            if head is None:
                return None
            pos = _heredoc_end(text, head.group(1), head.end())
            if pos is None:
                return None
    return pos


def source_outline(source: SourceFile) -> list[tuple[int, int, str, str, str]] | None:
    """The outline of a file as parse_hcl reads it."""
    return outline(_without_strip_markers(source.text))


def _heredoc_end(text: str, marker: str, pos: int) -> int | None:
    """Just past the line holding only `marker` (indented by any whitespace), as python-hcl2
    ends a heredoc."""
    while True:
        found = text.find(marker, pos)
        if found < 0:
            return None
        line_start = text.rfind("\n", 0, found) + 1
        after = found + len(marker)
        # Any whitespace may indent the marker (python-hcl2's `\s*`, non-breaking spaces too).
        if line_start >= pos and not text[line_start:found].strip() and text.startswith(("\n", "\r\n"), after):
            return text.index("\n", after) + 1
        pos = after


def _kept_text(text: str, keep: Callable[[str, str, str], bool], items) -> str:
    """The text with declined top-level blocks turned into one `/* ... */` comment per run of
    them: a single token holding the same newlines, so lines and columns stay true."""
    if not items:
        return text
    dropped = [(first, last) for first, last, kind, label, block_text in items if not keep(kind, label, block_text)]
    if not dropped:
        return text
    lines = text.split("\n")
    declined = [False] * len(lines)
    for first, last in dropped:
        declined[first - 1 : last] = [True] * (last - first + 1)
    index = 0
    while index < len(lines):
        if not declined[index]:
            index += 1
            continue
        end = index
        while end + 1 < len(lines) and (declined[end + 1] or not lines[end + 1].strip()):
            end += 1
        while end > index and not declined[end]:
            end -= 1  # trailing blank lines stay as they are
        lines[index : end + 1] = ["/*"] + [""] * (end - index - 1) + ["*/"] if end > index else ["/**/"]
        index = end + 1
    return "\n".join(lines)


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
