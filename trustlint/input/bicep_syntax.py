"""Bicep source as located top-level statements, each parsed on demand with pycep-parser's
grammar (its Lark tree: pycep's `.parse()` JSON drops positions and reads `subject: subj`
and `subject: 'subj'` alike).

A linear scan of the whole file finds the strings, comments and top-level statements. Only
the statements a reader asks for are parsed, one at a time, so a statement pycep-parser
cannot read costs nothing unless it matters. Before parsing, the text is normalised without
moving a character (every edit keeps its length): comments and decorators become blanks,
every string literal an `'xx…'` placeholder (its text and `${…}` parts are read from the
source here, so none of the grammar's backtracking string patterns ever sees scanned text),
type expressions a plain name, and the line breaks of a multi-line expression (inside
parentheses, before `?`, `:`, `&&`, `||`, `??` or `.`, around a `for` loop's brackets) spaces.
Positions are computed from character offsets, so they are the file's own.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field

from ..errors import AnalysisError
from ..source import SourceFile, Span
from ..lazy_re import lazy

KEYWORDS = {"targetScope", "import", "extension", "provider", "metadata", "param", "var", "output", "resource",
            "module", "type", "func", "using"}
MAX_DEPTH = 100  # brackets and `${…}` nesting: deeper is TL000, never a recursion error
MAX_LINE = 20_000  # the grammar's string pattern looks ahead to the end of the line: bounded

_CODE_STOP = lazy(r"'|//|/\*|#|[{}\[\]()\n]")
_STRING_STOP = lazy(r"[\\'\n]|\$\{")
_OPENERS = {"(": ")", "[": "]", "{": "}"}
_STATEMENT_START = lazy(r"[ \t]*(@|[A-Za-z_]\w*|\S)")
_SPACE = lazy(r"\s*")
_IF_PAREN = lazy(r"\bif([ \t]+)\(")
_PLACEHOLDER = lazy(r"'x*'")
_KEEPS_QUOTES = lazy(r"\b(?:resource|module)[ \t]+[A-Za-z_]\w*[ \t]+$")
_NAME = lazy(r"[ \t]+([A-Za-z_]\w*)")
_DECORATOR = lazy(r"@[ \t]*[\w.]*[ \t]*")
_WORD = lazy(r"[A-Za-z_]\w*")


@dataclass
class BicepString:
    """A string literal: offsets of the whole literal (quotes included) and of each `${…}`."""

    start: int
    end: int
    multiline: bool
    interpolations: list[tuple[int, int]] = field(default_factory=list)  # offsets of the expression inside ${ }


@dataclass
class Statement:
    """One top-level Bicep statement and where it lies in the file."""

    keyword: str  # param, var, resource, module, …; "" for text that is no statement
    name: str
    start: int  # offset of its first line (decorators included)
    end: int
    keyword_offset: int  # where the keyword itself stands (after the decorators)


class BicepFile:
    """One Bicep file's statements, strings and comments; `parse` reads one statement."""

    def __init__(self, source: SourceFile):
        self.source = source
        self.text = source.text
        self.strings: dict[int, BicepString] = {}
        self._blanks: list[tuple[int, int]] = []  # comments: blanked before parsing
        self._line_starts: list[int] = []  # offsets of lines that start outside any bracket or string
        self._scan()
        self._string_starts = sorted(self.strings)
        self.normal = self._normalised()
        self.statements = self._split()
        self._trees: dict[int, object] = {}

    # -- the linear scan ---------------------------------------------------------------------

    def error(self, message: str, offset: int, prefix: str = "invalid Bicep: ") -> AnalysisError:
        line, column = self.source.position(min(offset, len(self.text)))
        return AnalysisError(f"{prefix}{message}", Span.point(line, column))

    def _scan(self) -> None:
        self._line_starts.append(0)
        self._code(0, 0, interpolation=False)

    def _code(self, offset: int, depth: int, interpolation: bool) -> int:
        """Scan code from `offset`; inside `${…}` return past the closing brace."""
        text, brackets = self.text, []
        while True:
            match = _CODE_STOP.search(text, offset)
            if match is None:
                if brackets or interpolation:
                    raise self.error(f"'{(brackets or ['${'])[-1]}' is never closed", len(text))
                return len(text)
            at, token = match.start(), match.group()
            offset = match.end()
            if token == "'":
                offset = self._string(at, depth + 1)
            elif token in ("//", "#"):  # `#disable-next-line …` pragmas: the grammar ignores them too
                stop = text.find("\n", at)
                offset = len(text) if stop < 0 else stop
                self._blanks.append((at, offset))
            elif token == "/*":
                stop = text.find("*/", at + 2)
                if stop < 0:
                    raise self.error("comment never closed", at)
                offset = stop + 2
                self._blanks.append((at, offset))
            elif token == "\n":
                if not brackets and not interpolation:
                    self._line_starts.append(offset)
            elif token in _OPENERS:
                if len(brackets) + depth >= MAX_DEPTH:
                    raise self.error(f"nested more than {MAX_DEPTH} levels deep", at)
                brackets.append(token)
            elif brackets and _OPENERS[brackets[-1]] == token:
                brackets.pop()
            elif interpolation and token == "}" and not brackets:
                return offset
            else:
                raise self.error(f"unbalanced {token!r}", at)

    def _string(self, start: int, depth: int) -> int:
        text = self.text
        if text.startswith("'''", start):
            stop = text.find("'''", start + 3)
            if stop < 0:
                raise self.error("multi-line string never closed", start)
            self.strings[start] = BicepString(start, stop + 3, True)
            return stop + 3
        if depth >= MAX_DEPTH:
            raise self.error(f"nested more than {MAX_DEPTH} levels deep", start)
        literal = BicepString(start, start, False)
        offset = start + 1
        while True:
            match = _STRING_STOP.search(text, offset)
            if match is None or match.group() == "\n":
                raise self.error("string never closed on its line", start)
            token = match.group()
            if token == "'":
                literal.end = match.end()
                self.strings[start] = literal
                return literal.end
            if token == "\\":
                offset = match.end() + 1
                continue
            inner = match.end()
            offset = self._code(inner, depth + 1, interpolation=True)
            literal.interpolations.append((inner, offset - 1))

    # -- normalising (every edit keeps the length) ---------------------------------------------

    def _normalised(self) -> str:
        chars = list(self.text)
        for start, end in self._blanks:
            for i in range(start, end):
                if chars[i] not in "\r\n":
                    chars[i] = " "
        for literal in self.strings.values():
            # Outermost literals only: a string inside ${} is inside the placeholder already.
            chars[literal.start + 1:literal.end - 1] = "x" * (literal.end - literal.start - 2)
            chars[literal.start], chars[literal.end - 1] = "'", "'"
        return "".join(chars)

    # -- statements ----------------------------------------------------------------------------

    def _split(self) -> list[Statement]:
        statements: list[Statement] = []
        current: Statement | None = None
        resume = -1  # the keyword of a decorated statement: line starts up to it are its decorators
        for offset in self._line_starts:
            if offset <= resume:
                continue
            match = _STATEMENT_START.match(self.normal, offset)
            word = match.group(1) if match else ""
            if word == "@":  # `@batchSize(1) resource …` on one line or many
                resume, word = self._after_decorators(match.start(1))
                current = Statement(word if word in KEYWORDS else "", "", offset, offset, resume)
                statements.append(current)
            elif word in KEYWORDS:
                current = Statement(word, "", offset, offset, match.start(1))
                statements.append(current)
            elif match is not None and current is None:  # text before any statement: not Bicep
                current = Statement("", "", offset, offset, match.start(1))
                statements.append(current)
        bounds = [s.start for s in statements[1:]] + [len(self.text)]
        for statement, end in zip(statements, bounds):
            while end > statement.start and self.normal[end - 1].isspace():
                end -= 1
            statement.end = end
            if statement.keyword:
                name = _NAME.match(self.normal, statement.keyword_offset + len(statement.keyword))
                statement.name = name.group(1) if name else ""
        return statements

    def _after_decorators(self, at: int) -> tuple[int, str]:
        """Where the statement after the decorators at `at` starts, and its first word."""
        text = self.normal
        while True:
            name = _DECORATOR.match(text, at)
            at = name.end() if name else at + 1
            if text.startswith("(", at):
                at = _closing(text, at)
            at = _SPACE.match(text, at).end()
            if not text.startswith("@", at):
                word = _WORD.match(text, at)
                return at, word.group() if word else ""

    def header(self, statement: Statement) -> Span:
        """The statement's keyword line, from the keyword to the end of the line."""
        line, column = self.source.position(statement.keyword_offset)
        return Span(line, column, line, len(self.source.line_text(line)) + 1)

    def span(self, start: int, end: int) -> Span:
        return self.source.span_from_offsets(start, end)

    # -- parsing -------------------------------------------------------------------------------

    def parse(self, statement: Statement):
        """The statement's Lark tree (its `start` rule's one element); positions in the tree
        are offsets from `statement.start`. AnalysisError when pycep-parser's grammar cannot
        read it."""
        if statement.start not in self._trees:
            try:
                self._trees[statement.start] = self._element(statement)
            except AnalysisError as exc:
                self._trees[statement.start] = exc  # read once, failed once
        found = self._trees[statement.start]
        if isinstance(found, AnalysisError):
            raise found
        return found

    def _element(self, statement: Statement):
        if statement.keyword == "":
            raise self.error("text that is no Bicep statement", statement.keyword_offset)
        text = _prepared(self.normal[statement.start:statement.end], statement.keyword_offset - statement.start,
                         statement.keyword)
        tree = self._parse_text(text + "\n", statement.start)
        element = next((c for c in tree.children if hasattr(c, "data")), None)
        if element is None:
            raise self.error("empty statement", statement.keyword_offset)
        return element

    def parse_expression(self, start: int, end: int):
        """The tree of the expression at [start, end) (an interpolation), positions relative to
        `start - len("var _ = ")`."""
        prefix = "var _ = "
        text = prefix + _prepared(self._interpolation_text(start, end).replace("\n", " "), None, "")
        element = self._parse_text(text + "\n", start - len(prefix)).children[0]
        return element.children[-1]

    def _parse_text(self, text: str, base: int):
        from lark.exceptions import LarkError, UnexpectedCharacters, UnexpectedInput
        from pycep.validator import BicepValidator

        longest = max(len(line) for line in text.split("\n"))
        if longest > MAX_LINE:
            raise self.error(f"a line of {longest} characters (over {MAX_LINE}) is not parsed", base)
        if not BicepValidator.is_valid(text):
            raise self.error("unbalanced ''' multi-line string", base)
        try:
            return bicep_parser().parse(text)
        except UnexpectedInput as exc:
            position = exc.pos_in_stream if isinstance(exc, UnexpectedCharacters) else getattr(exc.token, "start_pos", None)
            found = text[position:position + 20].split("\n")[0].strip() if isinstance(position, int) else ""
            found = found or ("the end of the line" if text[position:position + 1] in ("\n", "\r") else "its end")
            where = base + position if isinstance(position, int) else base
            raise self.error(f"Bicep that pycep-parser cannot read (near {found!r}); "
                             "what this statement defines is not judged", max(where, 0), "") from None
        except LarkError as exc:
            raise self.error(f"Bicep that pycep-parser cannot read ({type(exc).__name__}); "
                             "what this statement defines is not judged", max(base, 0), "") from None

    def _interpolation_text(self, start: int, end: int) -> str:
        """The code inside `${…}`, normalised: its own string literals become placeholders."""
        import bisect

        chars = list(self.text[start:end])
        covered = start
        for index in range(bisect.bisect_left(self._string_starts, start), len(self._string_starts)):
            literal = self.strings[self._string_starts[index]]
            if literal.start >= end:
                break
            if literal.start < covered:
                continue  # inside a literal already replaced
            chars[literal.start - start:literal.end - start] = "'" + "x" * (literal.end - literal.start - 2) + "'"
            covered = literal.end
        for index in range(bisect.bisect_left(self._blanks, (start, start)), len(self._blanks)):
            blank_start, blank_end = self._blanks[index]  # comments: scanned in order
            if blank_start >= end:
                break
            _blank(chars, blank_start - start, min(blank_end, end) - start)
        return "".join(chars)

    # -- string literals -----------------------------------------------------------------------

    def string_at(self, offset: int) -> BicepString | None:
        return self.strings.get(offset)


def _closing(text: str, at: int) -> int:
    """Past the parenthesis matching the one at `at` (the scan found them balanced; strings are
    placeholders and comments blanks in `text`)."""
    depth = 0
    for index in range(at, len(text)):
        if text[index] in "([{":
            depth += 1
        elif text[index] in ")]}":
            depth -= 1
            if depth == 0:
                return index + 1
    return len(text)


def _prepared(text: str, keyword_at: int | None, keyword: str) -> str:
    """A statement's normalised text as pycep-parser's grammar reads it (same length)."""
    chars = list(text)
    if keyword_at is not None:
        _blank(chars, 0, keyword_at)  # decorators: nothing trustlint reads
        if keyword in ("param", "var"):
            _plain_type(chars, keyword_at + len(keyword), keyword)
    text = "".join(chars)
    for match in _IF_PAREN.finditer(text):  # `if (x)` in a loop: the grammar only reads `if(x)`
        chars[match.start(1):match.end()] = "(" + match.group(1)
    for match in _PLACEHOLDER.finditer(text):
        # A string literal is read as a name `_xx…` (the reader knows it by its offset): the
        # grammar's string pattern scans to the end of the line at every quote. Only a resource
        # type and a module path must stay quoted.
        if not _KEEPS_QUOTES.search(text, max(0, match.start() - 200), match.start()):
            chars[match.start():match.end()] = "_" + "x" * (match.end() - match.start() - 1)
    _join_continuations(chars)
    return "".join(chars)


def _blank(chars: list[str], start: int, end: int) -> None:
    for i in range(start, end):
        if chars[i] not in "\r\n":
            chars[i] = " "


def _plain_type(chars: list[str], after_keyword: int, keyword: str) -> None:
    """`param x resourceInput<'…'>.tags? = …`: the grammar reads few type forms and trustlint
    needs none; the type becomes `x` (a param) or nothing (a var)."""
    text = "".join(chars)
    name = _NAME.match(text, after_keyword)
    if name is None:
        return
    start = name.end()
    depth, end = 0, len(text)
    for i in range(start, len(text)):
        char = text[i]
        if char in "([{<":
            depth += 1
        elif char in ")]}>" and depth:
            depth -= 1
        elif char == "=" and depth == 0 and text[i + 1:i + 2] not in ("=", ">", "~") and text[i - 1] not in "!<>=":
            end = i
            break
    if not text[start:end].strip():
        return
    for i in range(start, end):
        chars[i] = " "
    if keyword == "param":
        chars[start + 1] = "x"


def _join_continuations(chars: list[str]) -> None:
    """Line breaks inside an expression (a ternary or `&&` over lines, arguments over lines,
    a loop's brackets on their own lines) become spaces: the grammar reads only one line."""
    text = "".join(chars)
    stack: list[tuple[str, bool]] = []  # (bracket, is a `[for` loop)
    last = ""  # the last two characters before the current run of blanks
    for i, char in enumerate(text):
        if char in "([{":
            stack.append((char, char == "[" and re.match(r"\s*for\b", text[i + 1:i + 40]) is not None))
        elif char in ")]}" and stack:
            bracket, loop = stack.pop()
            if loop:
                _spaces_back(chars, text, i)
        elif char == "\n" and chars[i] == "\n":
            ahead = _SPACE.match(text, i).end()
            following = text[ahead:ahead + 2]
            inside_parens = bool(stack) and stack[-1][0] == "("
            loop_start = bool(stack) and stack[-1][1] and text[ahead:ahead + 3] == "for"
            continues = following[:1] in ("?", ":", ".") or following in ("&&", "||")
            operator_ends = last[-1:] == "?" or last in ("&&", "||")
            if inside_parens or loop_start or continues or operator_ends:
                for j in range(i, ahead):
                    if chars[j] in "\r\n":
                        chars[j] = " "
        if not char.isspace():
            last = (last + char)[-2:]


def _spaces_back(chars: list[str], text: str, close: int) -> None:
    j = close - 1
    while j >= 0 and text[j] in " \t\r\n":
        if text[j] in "\r\n":
            chars[j] = " "
        j -= 1


_PARSER = None


def bicep_parser():
    """pycep-parser's grammar as one Lark LALR parser per process. Building it costs ~0.4 s,
    so its analysed grammar is cached in the private per-user cache directory (never Lark's
    default shared temporary file: a pickle there could be planted by another user)."""
    global _PARSER
    if _PARSER is None:
        from importlib.metadata import PackageNotFoundError, version

        import lark
        from pycep.main import LARK_GRAMMAR

        from ..cache import cache_dir

        options = {}
        directory = cache_dir()
        if directory is not None:
            try:
                pycep_version = version("pycep-parser")
            except PackageNotFoundError:
                pycep_version = "0"
            # Lark checks the grammar's hash before using the file; the name keeps versions apart.
            options["cache"] = os.path.join(directory, f"bicep-grammar-{pycep_version}-{lark.__version__}.lark")
        _PARSER = lark.Lark(LARK_GRAMMAR, parser="lalr", propagate_positions=True, regex=True, **options)
    return _PARSER
