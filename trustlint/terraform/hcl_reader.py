"""A fast HCL reader that builds python-hcl2's parse tree, or declines.

python-hcl2 parses with a Lark LALR parser whose tables and lexer regexes take ~0.2 s to load in
every process: most of a pre-commit hook's budget before one byte is read. This module is a
recursive descent over the same grammar (python-hcl2 8.x, hcl2/hcl2.lark) that returns the same
tree: the same rule names, tokens, token types and positions, including the grammar's quirks
(`EQ` holds the blanks before `=`, a newline before a binary operator is merged into the operator
token, a binary operation takes the newlines after it, `for_each` is a `keyword`).

It reads the HCL found in real configurations and raises `Unsupported` for anything else:
template directives in quoted strings, escaped-quote template strings, the few inputs whose
tokens python-hcl2 reads differently from the grammar's intent (`a -12`, a keyword-named
variable after two line breaks), syntax errors. The caller then parses with python-hcl2, which decides (and reports errors).
tests/test_hcl_reader.py compares the two trees on every HCL file of the test suite and on
generated inputs.
"""

from __future__ import annotations

from ..lazy_re import lazy


class Unsupported(Exception):
    """Not read here: python-hcl2 decides."""


class Meta:
    __slots__ = ("empty", "line", "column", "end_line", "end_column")

    def __init__(self):
        self.empty = True


class Tree:
    """The shape of a lark Tree as trustlint reads it: data, children, meta positions."""

    __slots__ = ("data", "children", "meta")

    def __init__(self, data: str, children: list):
        self.data = data
        self.children = children
        meta = self.meta = Meta()
        first = _positioned(children)
        if first is not None:
            last = _positioned(reversed(children))
            meta.empty = False
            meta.line, meta.column = first.line, first.column
            meta.end_line, meta.end_column = last.end_line, last.end_column

    def __repr__(self) -> str:
        return f"Tree({self.data!r}, {self.children!r})"


class Token(str):
    """A lark Token's shape: the text, its terminal name and its position (1-based columns,
    end column exclusive)."""

    def __new__(cls, type_: str, value: str, line: int, column: int, end_line: int, end_column: int):
        token = super().__new__(cls, value)
        token.type = type_
        token.line, token.column, token.end_line, token.end_column = line, column, end_line, end_column
        return token

    @property
    def value(self) -> str:
        return str.__str__(self)

    def __repr__(self) -> str:
        return f"Token({self.type!r}, {str.__str__(self)!r})"


def _positioned(children):
    """Where a rule's position starts (or ends, given reversed children), as Lark propagates it."""
    for child in children:
        if isinstance(child, Token):
            return child
        meta = child.meta
        if not meta.empty:
            return meta
    return None


# -- terminals (hcl2.lark) ----------------------------------------------------------------------

_EQ_OR_COLON = lazy(r"[ \t]*(?:(=)(?![=>])|:(?!:))")
_BLANKS = lazy(r"[ \t\r]*")
_NL_OR_COMMENT = lazy('(?:\\/\\*(.|\n)*?(\\*\\/)|\\/\\/.*\n|#.*\n|\n[ \t]*)')
_NAME = lazy(r"[a-zA-Z_][a-zA-Z0-9_-]*")
_FLOAT = lazy('(?:(?:(?:\\-[0-9])+|(?:\\-[0-9])?(?:[0-9])+)\\.(?:[0-9])+(?:(?:e|E)(?:(?:\\+|\\-))?(?:[0-9])+)?|(?:(?:\\-[0-9])+|(?:\\-[0-9])?(?:[0-9])+)(?:e|E)(?:(?:\\+|\\-))?(?:[0-9])+)')
_INT = lazy(r"(?:\-[0-9])?(?:[0-9])+")
_ESCAPED_INTERPOLATION = lazy(r"\$\$\{[^}]*\}")
_ESCAPED_DIRECTIVE = lazy(r"%%\{[^}]*\}")
_STRING_CHARS = lazy('(?:(?!\\$\\$\\{)(?!\\$\\{)(?!%%\\{)(?!%\\{)[^"\\\\]|\\\\.|(?:\\$(?!\\$?\\{))|(?:%(?!%?\\{)))+')
_HEREDOC = lazy('<<(?P<heredoc>[a-zA-Z][a-zA-Z0-9._-]*)\r?\n(?:(?:.|\n)*?\r?\n)??\\s*(?P=heredoc)\r?\n')
_HEREDOC_TRIM = lazy('<<-(?P<heredoc_trim>[a-zA-Z][a-zA-Z0-9._-]*)\r?\n(?:(?:.|\n)*?\r?\n)??\\s*(?P=heredoc_trim)\r?\n')
# A newline right before one of these is merged into it (python-hcl2's postlexer).
_MERGING = lazy(r"==|!=|<=|>=|&&|\|\||[<>*%+?]|/(?![/*])")
_MERGING_TYPES = {"==": "DOUBLE_EQ", "!=": "NEQ", "<=": "LEQ", ">=": "GEQ", "&&": "DOUBLE_AMP",
                  "||": "DOUBLE_PIPE", "<": "LT", ">": "GT", "*": "ASTERISK", "%": "PERCENT",
                  "+": "PLUS", "?": "QMARK", "/": "SLASH"}
_PUNCTUATION = {"{": "LBRACE", "}": "RBRACE", "(": "LPAR", ")": "RPAR", "]": "RSQB", ",": "COMMA",
                "+": "PLUS", "*": "ASTERISK", "/": "SLASH", "%": "PERCENT", "?": "QMARK", "<": "LT", ">": "GT"}
_TWO_CHARS = {"==": "DOUBLE_EQ", "=>": "FOR_OBJECT_ARROW", "!=": "NEQ", "<=": "LEQ", ">=": "GEQ",
              "&&": "DOUBLE_AMP", "||": "DOUBLE_PIPE", "::": "COLONS"}

_LITERALS = {"true": "TRUE", "false": "FALSE", "null": "NULL"}
_KEYWORDS = {"in": "IN", "for": "FOR", "if": "IF", "for_each": "FOR_EACH", "else": "ELSE",
             "endif": "ENDIF", "endfor": "ENDFOR"}
_NAMES = {**_KEYWORDS, **_LITERALS}  # where an attribute name, block label or object key goes
_TUPLE_START = {**_LITERALS, "for": "FOR"}
_FOR_IN = {"in": "IN"}
_FOR_IF = {"if": "IF"}
_KEYWORD_TYPES = frozenset(_KEYWORDS.values())
_LITERAL_TYPES = frozenset(_LITERALS.values())
_BINARY_LEVEL = {"DOUBLE_PIPE": 0, "DOUBLE_AMP": 1, "DOUBLE_EQ": 2, "NEQ": 2, "LT": 3, "GT": 3,
                 "LEQ": 3, "GEQ": 3, "PLUS": 4, "MINUS": 4, "ASTERISK": 5, "SLASH": 5, "PERCENT": 5}
_END = "$END"

# Lexing modes: where an expression starts, after a term, right after a `.`.
_START, _AFTER, _DOT = 0, 1, 2


def read(text: str) -> Tree:
    """python-hcl2's `parses_to_tree(text)`, or Unsupported."""
    try:
        return _Reader(text + "\n").start()  # python-hcl2 appends a newline too
    except RecursionError:
        raise Unsupported("nesting too deep") from None


def read_interpolation(text: str, start: int, line: int, line_start: int) -> tuple[Tree, int]:
    """The `${ … }` interpolation at offset `start` of a template's text read on its own (a
    JSON string's value, already unescaped) and the offset just past its `}`; or Unsupported.
    `line` is start's line and `line_start` that line's offset (the caller keeps them: a
    count from the text's start for each interpolation would be quadratic). Token positions
    are lines and columns of `text`. The expression's own grammar finds the closing brace,
    so one inside a quoted string (`${replace(x, "}", "")}`) does not end it."""
    reader = _Reader(text)
    reader.line, reader.line_start = line, line_start
    try:
        return reader._interpolation(start), reader.pos
    except RecursionError:
        raise Unsupported("nesting too deep") from None


class _Reader:
    def __init__(self, text: str):
        self.text = text
        self.pos = 0  # just past the last token taken (blanks not skipped yet)
        self.line = 1
        self.line_start = 0  # offset where self.line starts
        self.peeked = None  # (pos, mode, words) -> (token, end state)
        self.newline_run = 0  # line breaks/comments just taken

    # -- tokens ---------------------------------------------------------------------------

    def peek(self, mode: int = _AFTER, words: dict = _LITERALS) -> Token:
        key = (self.pos, mode, id(words))
        if self.peeked is None or self.peeked[0] != key:
            saved = self.pos, self.line, self.line_start
            token = self._lex(mode, words)
            self.peeked = key, token, (self.pos, self.line, self.line_start)
            self.pos, self.line, self.line_start = saved
        return self.peeked[1]

    def take(self, mode: int = _AFTER, words: dict = _LITERALS) -> Token:
        token = self.peek(mode, words)
        if token.type == "NAME" and self.newline_run >= 2 and token in _NAMES:
            # python-hcl2 lexes a word after two line breaks in a state that takes every
            # keyword: `in`, `if`, `true`... are keywords there, where a name was expected.
            raise Unsupported(f"keyword {token!r} after line breaks")
        self.pos, self.line, self.line_start = self.peeked[2]
        self.peeked = None
        self.newline_run = self.newline_run + 1 if token.type == "NL_OR_COMMENT" else 0
        return token

    def expect(self, type_: str, mode: int = _AFTER, words: dict = _LITERALS) -> Token:
        if self.peek(mode, words).type != type_:
            raise Unsupported(f"expected {type_}")
        return self.take(mode, words)

    def _token(self, type_: str, start: int, end: int) -> Token:
        value = self.text[start:end]
        line, column = self.line, start - self.line_start + 1
        newlines = value.count("\n")
        if newlines:
            self.line += newlines
            self.line_start = start + value.rindex("\n") + 1
        self.pos = end
        return Token(type_, value, line, column, self.line, end - self.line_start + 1)

    def _lex(self, mode: int, words: dict) -> Token:
        text = self.text
        if mode == _AFTER:
            match = _EQ_OR_COLON.match(text, self.pos)
            if match:
                return self._token("EQ" if match.group(1) else "COLON", self.pos, match.end())
        pos = self.pos = _BLANKS.match(text, self.pos).end()
        if pos >= len(text):
            return Token(_END, "", self.line, pos - self.line_start + 1, self.line, pos - self.line_start + 1)
        char = text[pos]
        if char == "\n" or char == "#" or (char == "/" and text[pos + 1 : pos + 2] in ("/", "*")):
            return self._newline(mode)
        if char == '"':
            return self._token("DBLQUOTE", pos, pos + 1)
        name = _NAME.match(text, pos)
        if name is not None:
            end = name.end()
            return self._token(words.get(text[pos:end], "NAME"), pos, end)
        if mode == _DOT:
            match = _INT.match(text, pos)
            if match and char != "-":
                return self._token("INT_LITERAL", pos, match.end())
            raise Unsupported("after '.'")
        if "0" <= char <= "9" or (char == "-" and mode == _START):
            for type_, pattern in (("FLOAT_LITERAL", _FLOAT), ("INT_LITERAL", _INT)):
                match = pattern.match(text, pos)
                if match:
                    return self._token(type_, pos, match.end())
            if char != "-":
                raise Unsupported("number")
            return self._token("MINUS", pos, pos + 1)
        if char == "-":
            if _INT.match(text, pos) or _FLOAT.match(text, pos):
                # python-hcl2 reads `a -12` as `a` then the number -12, a syntax error
                raise Unsupported("a signed number after a term")
            return self._token("MINUS", pos, pos + 1)
        return self._symbol(char, pos, mode)

    def _symbol(self, char: str, pos: int, mode: int) -> Token:
        text = self.text
        if char == "<" and mode == _START:
            for type_, pattern in (("HEREDOC_TEMPLATE_TRIM", _HEREDOC_TRIM), ("HEREDOC_TEMPLATE", _HEREDOC)):
                match = pattern.match(text, pos)
                if match:
                    return self._token(type_, pos, match.end())
            raise Unsupported("heredoc")
        if char == "!" and mode == _START:
            return self._token("NOT", pos, pos + 1)
        if char == "[":
            if mode == _AFTER and text.startswith("[*]", pos):
                return self._token("FULL_SPLAT_START", pos, pos + 3)
            return self._token("LSQB", pos, pos + 1)
        if char == ".":
            if text.startswith("...", pos):
                return self._token("ELLIPSIS", pos, pos + 3)
            if mode == _AFTER and text.startswith(".*", pos):
                return self._token("ATTR_SPLAT", pos, pos + 2)
            return self._token("DOT", pos, pos + 1)
        pair = _TWO_CHARS.get(text[pos : pos + 2])
        if pair is not None:
            return self._token(pair, pos, pos + 2)
        single = _PUNCTUATION.get(char)
        if single is not None:
            return self._token(single, pos, pos + 1)
        raise Unsupported(f"character {char!r}")

    def _newline(self, mode: int) -> Token:
        match = _NL_OR_COMMENT.match(self.text, self.pos)
        if match is None:
            raise Unsupported("unterminated comment")
        newline = self._token("NL_OR_COMMENT", self.pos, match.end())
        if mode != _AFTER:
            return newline
        # python-hcl2's postlexer: the last newline before a binary operator or `?` becomes
        # part of that operator's token, so the expression goes on past the line end.
        after = _BLANKS.match(self.text, self.pos).end()
        merging = _MERGING.match(self.text, after)
        if merging is None:
            return newline
        saved = self.pos, self.line, self.line_start
        self.pos = after
        operator = self._token(_MERGING_TYPES[merging.group(0)], after, merging.end())
        if operator.type == "LT" and self.text.startswith("<<", after):
            self.pos, self.line, self.line_start = saved
            return newline  # python-hcl2 would read `<<` here differently: let the parser decline
        return Token(operator.type, newline + operator, operator.line, operator.column,
                     operator.end_line, operator.end_column)

    def newlines(self, mode: int = _AFTER, words: dict = _LITERALS) -> Tree | None:
        tokens = []
        while self.peek(mode, words).type == "NL_OR_COMMENT":
            tokens.append(self.take(mode, words))
        return Tree("new_line_or_comment", tokens) if tokens else None

    def _add_newlines(self, children: list, mode: int = _AFTER, words: dict = _LITERALS) -> None:
        newlines = self.newlines(mode, words)
        if newlines is not None:
            children.append(newlines)

    # -- structure ------------------------------------------------------------------------

    def start(self) -> Tree:
        body = self.body()
        if self.peek(_AFTER, _NAMES).type != _END:
            raise Unsupported("text after the last block")
        return Tree("start", [body])

    def body(self, closer: str = _END) -> Tree:
        children = []
        while True:
            self._add_newlines(children, _AFTER, _NAMES)
            token = self.peek(_AFTER, _NAMES)
            if token.type in (closer, _END, "RBRACE"):
                return Tree("body", children)
            children.append(self.statement())

    def _name_tree(self, token: Token) -> Tree:
        if token.type == "NAME":
            return Tree("identifier", [token])
        if token.type in _KEYWORD_TYPES:
            return Tree("keyword", [token])
        if token.type in _LITERAL_TYPES:
            return Tree("literal_value", [token])
        raise Unsupported(f"unexpected {token.type}")

    def statement(self) -> Tree:
        name = self._name_tree(self.take(_AFTER, _NAMES))
        if self.peek(_AFTER, _NAMES).type == "EQ":
            equals = self.take(_AFTER, _NAMES)
            return Tree("attribute", [name, equals, self.expression()])
        children = [name]
        while True:
            token = self.peek(_AFTER, _NAMES)
            if token.type == "DBLQUOTE":
                children.append(self.string())
            elif token.type == "NL_OR_COMMENT":
                self._add_newlines(children, _AFTER, _NAMES)
                break
            elif token.type == "LBRACE":
                break
            else:
                children.append(self._name_tree(self.take(_AFTER, _NAMES)))
        children.append(self.expect("LBRACE", _AFTER, _NAMES))
        children.append(self.body("RBRACE"))
        children.append(self.expect("RBRACE", _AFTER, _NAMES))
        return Tree("block", children)

    # -- expressions ----------------------------------------------------------------------

    def expression(self) -> Tree:
        condition = self.binary(0)
        if self.peek().type != "QMARK":
            return condition
        children = [condition, self.take()]
        self._add_newlines(children, _START)
        children.append(self.expression())
        self._add_newlines(children)
        children.append(self.expect("COLON"))
        self._add_newlines(children, _START)
        children.append(self.expression())
        return Tree("conditional", children)

    def binary(self, lowest: int) -> Tree:
        left = self.unary()
        ceiling = None  # after an operation took the newlines after it: no tighter operator
        while True:
            level = _BINARY_LEVEL.get(self.peek().type)
            if level is None or level < lowest:
                return left
            if ceiling is not None and level > ceiling:
                raise Unsupported("a tighter operator after an operation and a comment")
            term = [Tree("binary_operator", [self.take()])]
            self._add_newlines(term, _START)
            term.append(self.binary(level + 1))
            children = [left, Tree("binary_term", term)]
            newlines = self.newlines()  # an LALR shift: the innermost operation takes them
            if newlines is not None:
                children.append(newlines)
            ceiling = level if newlines is not None else None
            left = Tree("binary_op", children)

    def unary(self) -> Tree:
        if self.peek(_START).type in ("MINUS", "NOT"):
            operator = self.take(_START)
            return Tree("unary_op", [operator, self.expr_term()])
        return self.expr_term()

    def expr_term(self) -> Tree:
        if self.peek(_START).type == "LPAR":
            children = [self.take(_START)]
            self._add_newlines(children, _START)
            children.append(self.expression())
            self._add_newlines(children)
            children.append(self.expect("RPAR"))
            term = Tree("expr_term", children)
        else:
            term = Tree("expr_term", [self._primary()])
        return self._postfix(term)

    def _primary(self):
        token = self.peek(_START)
        kind = token.type
        if kind == "NAME":
            return self._identifier_or_call()
        if kind == "DBLQUOTE":
            return self.string()
        if kind in _LITERAL_TYPES:
            return Tree("literal_value", [self.take(_START)])
        if kind == "INT_LITERAL":
            return Tree("int_lit", [self.take(_START)])
        if kind == "FLOAT_LITERAL":
            return Tree("float_lit", [self.take(_START)])
        if kind == "LSQB":
            return self._tuple()
        if kind == "LBRACE":
            return self._object()
        if kind == "HEREDOC_TEMPLATE":
            return Tree("heredoc_template", [self.take(_START)])
        if kind == "HEREDOC_TEMPLATE_TRIM":
            return Tree("heredoc_template_trim", [self.take(_START)])
        raise Unsupported(f"unexpected {kind}")

    def _identifier_or_call(self) -> Tree:
        identifier = Tree("identifier", [self.take(_START)])
        children = [identifier]
        if self.peek().type == "COLONS":  # provider::NAME::function(...)
            for _ in range(2):
                children.append(self.expect("COLONS"))
                children.append(Tree("identifier", [self.expect("NAME", _START)]))
        elif self.peek().type != "LPAR":
            return identifier
        children.append(self.expect("LPAR"))
        self._add_newlines(children, _START)
        if self.peek(_START).type != "RPAR":
            children.append(self._arguments())
        self._add_newlines(children, _START)
        children.append(self.expect("RPAR", _START))
        return Tree("function_call", children)

    def _arguments(self) -> Tree:
        children = [self.expression()]
        while True:
            newline_before = self.newlines()
            if newline_before is not None:
                children.append(newline_before)
            token = self.peek()
            if token.type == "COMMA":
                children.append(self.take())
                self._add_newlines(children, _START)
                if self.peek(_START).type == "RPAR" and newline_before is None:
                    return Tree("arguments", children)  # a trailing comma: right after the argument only
                children.append(self.expression())
            elif token.type == "ELLIPSIS" and newline_before is None:
                children.append(self.take())
                self._add_newlines(children)
                return Tree("arguments", children)
            else:
                return Tree("arguments", children)

    def _postfix(self, term: Tree) -> Tree:
        while True:
            kind = self.peek().type
            if kind == "DOT":
                suffix = self._get_attr_or_short_index()
                name = "index_expr_term" if suffix.data == "short_index" else "get_attr_expr_term"
            elif kind == "LSQB":
                suffix, name = self._braces_index(), "index_expr_term"
            elif kind in ("ATTR_SPLAT", "FULL_SPLAT_START"):
                name = "attr_splat_expr_term" if kind == "ATTR_SPLAT" else "full_splat_expr_term"
                suffix = self._splat(kind)
            else:
                return term
            term = Tree("expr_term", [Tree(name, [term, suffix])])

    def _get_attr_or_short_index(self) -> Tree:
        dot = self.take()
        token = self.take(_DOT)
        if token.type == "INT_LITERAL":
            return Tree("short_index", [dot, token])
        if token.type == "NAME":
            return Tree("get_attr", [dot, Tree("identifier", [token])])
        if token.type in _LITERAL_TYPES:
            return Tree("get_attr", [dot, Tree("literal_value", [token])])
        raise Unsupported(f"unexpected {token.type} after '.'")

    def _braces_index(self) -> Tree:
        children = [self.take()]
        self._add_newlines(children, _START)
        children.append(self.expression())
        self._add_newlines(children)
        children.append(self.expect("RSQB"))
        return Tree("braces_index", children)

    def _splat(self, kind: str) -> Tree:
        children = [self.take()]
        while True:
            following = self.peek().type
            if following == "DOT":
                children.append(self._get_attr_or_short_index())
            elif following == "LSQB":
                children.append(self._braces_index())
            else:
                return Tree("attr_splat" if kind == "ATTR_SPLAT" else "full_splat", children)

    # -- strings --------------------------------------------------------------------------

    def string(self) -> Tree:
        children = [self.take(_START)]
        text = self.text
        while True:
            pos = self.pos
            if pos >= len(text):
                raise Unsupported("unterminated string")
            char = text[pos]
            if char == '"':
                children.append(self._token("DBLQUOTE", pos, pos + 1))
                self.peeked = None
                return Tree("string", children)
            for type_, pattern in (("ESCAPED_INTERPOLATION", _ESCAPED_INTERPOLATION),
                                   ("ESCAPED_DIRECTIVE", _ESCAPED_DIRECTIVE), ("STRING_CHARS", _STRING_CHARS)):
                match = pattern.match(text, pos)
                if match:
                    children.append(Tree("string_part", [self._token(type_, pos, match.end())]))
                    break
            else:
                if not text.startswith("${", pos):
                    raise Unsupported("template directive or stray character in a string")
                children.append(Tree("string_part", [self._interpolation(pos)]))

    def _interpolation(self, pos: int) -> Tree:
        self.peeked = None
        start = self._token("INTERP_START", pos, pos + 2)
        expression = self.expression()
        close = self.expect("RBRACE")
        self.peeked = None
        return Tree("interpolation", [start, expression, close])

    # -- collections ----------------------------------------------------------------------

    def _tuple(self) -> Tree:
        children = [self.take(_START)]
        self._add_newlines(children, _START, _TUPLE_START)
        if self.peek(_START, _TUPLE_START).type == "FOR":
            return self._for_tuple(children)
        while self.peek(_START).type != "RSQB":
            children.append(self.expression())
            self._add_newlines(children)
            if self.peek().type != "COMMA":
                break
            children.append(self.take())
            self._add_newlines(children, _START)
        children.append(self.expect("RSQB", _START))
        return Tree("tuple", children)

    def _object(self) -> Tree:
        children = [self.take(_START)]
        self._add_newlines(children, _START, _NAMES)
        if self.peek(_START, _NAMES).type == "FOR" and self._for_follows():
            return self._for_object(children)
        while True:
            token = self.peek(_START, _NAMES)
            if token.type == "RBRACE":
                break
            children.append(self._object_elem())
            self._add_newlines(children, _AFTER, _NAMES)
            if self.peek(_AFTER, _NAMES).type == "COMMA":
                children.append(self.take(_AFTER, _NAMES))
                self._add_newlines(children, _START, _NAMES)
        children.append(self.expect("RBRACE", _START, _NAMES))
        return Tree("object", children)

    def _for_follows(self) -> bool:
        """After `{`, `for` starts a for expression unless it is a key (`{ for = 1 }`)."""
        saved = self.pos, self.line, self.line_start, self.newline_run
        self.take(_START, _NAMES)
        following = self.peek(_AFTER).type
        self.pos, self.line, self.line_start, self.newline_run = saved
        self.peeked = None
        return following not in ("EQ", "COLON")

    def _object_elem(self) -> Tree:
        token = self.peek(_START, _NAMES)
        if token.type in _KEYWORD_TYPES:
            key = Tree("object_elem_key", [Tree("keyword", [self.take(_START, _NAMES)])])
        else:
            key = Tree("object_elem_key", [self.expression()])
        separator = self.peek()
        if separator.type not in ("EQ", "COLON"):
            raise Unsupported("object element without '=' or ':'")
        self.take()
        return Tree("object_elem", [key, separator, self.expression()])

    # -- for expressions ------------------------------------------------------------------

    def _for_intro(self) -> Tree:
        children = [self.expect("FOR", _START, _TUPLE_START)]
        self._add_newlines(children, _START, {})
        children.append(Tree("identifier", [self.expect("NAME", _START, {})]))
        if self.peek(_AFTER, _FOR_IN).type == "COMMA":
            children.append(self.take(_AFTER, _FOR_IN))
            children.append(Tree("identifier", [self.expect("NAME", _START, {})]))
        self._add_newlines(children, _AFTER, _FOR_IN)
        children.append(self.expect("IN", _AFTER, _FOR_IN))
        self._add_newlines(children, _START)
        children.append(self.expression())
        self._add_newlines(children)
        children.append(self.expect("COLON"))
        self._add_newlines(children, _START)
        return Tree("for_intro", children)

    def _for_cond(self, children: list) -> None:
        self._add_newlines(children)
        if self.peek(_AFTER, _FOR_IF).type == "IF":
            condition = [self.take(_AFTER, _FOR_IF)]
            self._add_newlines(condition, _START)
            condition.append(self.expression())
            children.append(Tree("for_cond", condition))
            self._add_newlines(children)

    def _for_tuple(self, children: list) -> Tree:
        children.append(self._for_intro())
        self._add_newlines(children, _START)
        children.append(self.expression())
        self._for_cond(children)
        children.append(self.expect("RSQB"))
        return Tree("for_tuple_expr", children)

    def _for_object(self, children: list) -> Tree:
        children.append(self._for_intro())
        self._add_newlines(children, _START)
        children.append(self.expression())
        children.append(self.expect("FOR_OBJECT_ARROW"))
        self._add_newlines(children, _START)
        children.append(self.expression())
        self._add_newlines(children)
        if self.peek().type == "ELLIPSIS":
            children.append(self.take())
        self._for_cond(children)
        children.append(self.expect("RBRACE"))
        return Tree("for_object_expr", children)



# -- comparison with python-hcl2 (tests/test_hcl_reader.py, bench/compare_hcl_reader.py) ----------

def _describe(node) -> tuple:
    if hasattr(node, "data"):
        meta = node.meta
        where = None if getattr(meta, "empty", True) else (meta.line, meta.column, meta.end_line, meta.end_column)
        return ("tree", str(node.data), where)
    return ("token", node.type, str(node), node.line, node.column, node.end_line, node.end_column)


def difference(reference, ours) -> str | None:
    """Where two parse trees (python-hcl2's, this reader's) first differ, or None. Iterative:
    a long chain (`a + b + ...`) is deeper than Python's recursion limit."""
    pending = [(reference, ours, "")]
    while pending:
        reference, ours, path = pending.pop()
        if _describe(reference) != _describe(ours):
            return f"{path}: python-hcl2 {_describe(reference)} != reader {_describe(ours)}"
        if hasattr(reference, "data"):
            if len(reference.children) != len(ours.children):
                return (f"{path}/{reference.data}: python-hcl2 children {[_describe(c)[:2] for c in reference.children]}"
                        f" != reader {[_describe(c)[:2] for c in ours.children]}")
            pending.extend((a, b, f"{path}/{reference.data}[{index}]")
                           for index, (a, b) in reversed(list(enumerate(zip(reference.children, ours.children)))))
    return None


def verdict(text: str) -> str:
    """'same', 'declined' (left to python-hcl2), 'both-reject', or what differs. Imports
    python-hcl2: for tests and the bench only."""
    import hcl2
    from lark.exceptions import LarkError

    try:
        reference = hcl2.parses_to_tree(text)
    except (LarkError, RecursionError):
        reference = None
    try:
        ours = read(text)
    except Unsupported:
        return "both-reject" if reference is None else "declined"
    if reference is None:
        return "reader accepted what python-hcl2 rejects"
    return difference(reference, ours) or "same"
