"""The part of CEL GCP attribute conditions are written in, as something to search.

A condition such as `assertion.repository_owner == 'acme' && !assertion.ref.startsWith('refs/tags/')`
is parsed (string tests ==, !=, in, startsWith, endsWith, contains, matches and has(), joined
by &&, || and !, and true/false) and turned into the ways it can be true: a list of
conjunctions of (test, wanted) pairs. CEL's errors decide what absent claims do: testing a
claim the token lacks is an error, `false && error` is false, `true || error` is true, `!error`
is an error, and a condition admits a token only when it is true. So a test of an absent claim
is neither true nor false: a conjunction wanting either cannot hold for such a token (has()
is the exception: it is false, not an error). Each test then becomes pattern items for the
admission search (admission.CharClass); RE2 patterns are read within a small subset.
Anything else raises Unsupported: the caller says so, never guesses.
"""

from __future__ import annotations

import re
import string

from .admission import ANY_RUN, CharClass
from ..lazy_re import lazy

MAX_WAYS = 256  # conjunctions a condition may expand to; more is reported, never cut short
MAX_DEPTH = 64
MAX_ALTERNATIVES = 32  # spellings a regular expression may expand to ((a|b), x?, x{2})
MAX_PATTERN = 512
STRING_TESTS = ("startsWith", "endsWith", "contains", "matches")


class Unsupported(Exception):
    """The condition uses CEL beyond the searchable subset (the message says what)."""


# -- parsing -----------------------------------------------------------------------------------

# One token at a time from a position: each alternative starts with a different character
# class and a string body's two cases are disjoint, so matching is linear.
_TOKEN = lazy(r"\s+|(?P<str>[rR]?(?:'(?:[^'\\\n]|\\.)*'|\"(?:[^\"\\\n]|\\.)*\"))"
                    r"|(?P<op>&&|\|\||==|!=|[!().,\[\]])|(?P<name>[A-Za-z_][A-Za-z0-9_]*)")
_ESCAPES = {"\\": "\\", "'": "'", '"': '"', "n": "\n", "t": "\t", "r": "\r", "/": "/", "`": "`", "?": "?"}


def _tokens(text: str) -> list[tuple[str, str]]:
    out, position = [], 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:  # the parser says what it met first, in reading order
            out.append(("other", text[position]))
            position += 1
            continue
        position = match.end()
        for kind in ("str", "op", "name"):
            if match.group(kind) is not None:
                out.append((kind, match.group(kind)))
    return out


def _unquote(token: str) -> str:
    raw = token[0] in "rR"
    body = token[2:-1] if raw else token[1:-1]
    if raw:
        return body
    out, i = [], 0
    while i < len(body):
        if body[i] == "\\":
            if body[i + 1] not in _ESCAPES:
                raise Unsupported(f"the string escape \\{body[i + 1]}")
            out.append(_ESCAPES[body[i + 1]])
            i += 2
        else:
            out.append(body[i])
            i += 1
    return "".join(out)


class _Parser:
    """expr := and ('||' and)*; and := unary ('&&' unary)*; unary := '!' unary | primary;
    primary := '(' expr ')' | true | false | has(ref) | ref ('=='|'!=') str | str ('=='|'!=') ref
             | ref 'in' '[' str, ... ']' | ref '.' test '(' str ')'"""

    def __init__(self, text: str):
        self.items = _tokens(text)
        self.at = 0
        self.depth = 0

    def peek(self) -> tuple[str, str] | None:
        return self.items[self.at] if self.at < len(self.items) else None

    def take(self, value: str | None = None, kind: str | None = None) -> str:
        token = self.peek()
        if token is None or (value is not None and token[1] != value) or (kind is not None and token[0] != kind):
            raise Unsupported(f"expected {value or kind} near {token[1] if token else 'the end'!r}")
        self.at += 1
        return token[1]

    def parse(self):
        node = self.expression()
        if self.peek() is not None:
            raise Unsupported(f"unexpected {self.peek()[1]!r}")
        return node

    def expression(self):
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise Unsupported("nesting too deep")
        node = self.conjunction()
        while self.peek() == ("op", "||"):
            self.take("||")
            node = ("or", node, self.conjunction())
        self.depth -= 1
        return node

    def conjunction(self):
        node = self.unary()
        while self.peek() == ("op", "&&"):
            self.take("&&")
            node = ("and", node, self.unary())
        return node

    def unary(self):
        if self.peek() == ("op", "!"):
            self.take("!")
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise Unsupported("nesting too deep")
            node = ("not", self.unary())
            self.depth -= 1
            return node
        return self.primary()

    def primary(self):
        token = self.peek()
        if token == ("op", "("):
            self.take("(")
            node = self.expression()
            self.take(")")
            return node
        if token in (("name", "true"), ("name", "false")):
            self.take()
            return ("const", token[1] == "true")
        if token == ("name", "has"):
            self.take()
            self.take("(")
            ref = self.reference()
            self.take(")")
            return ("test", ref, "present", ())
        if token is not None and token[0] == "str":
            value = _unquote(self.take())
            operator = self.take(kind="op")
            if operator not in ("==", "!="):
                raise Unsupported(f"{operator!r} after a string")
            return self.comparison(self.reference(), operator, value)
        ref = self.reference()
        return self.after_reference(ref)

    def after_reference(self, ref):
        token = self.peek()
        if token in (("op", "=="), ("op", "!=")):
            operator = self.take()
            return self.comparison(ref, operator, _unquote(self.take(kind="str")))
        if token == ("name", "in"):
            self.take()
            self.take("[")
            values = [_unquote(self.take(kind="str"))]
            while self.peek() == ("op", ","):
                self.take(",")
                values.append(_unquote(self.take(kind="str")))
            self.take("]")
            return ("test", ref, "in", tuple(values))
        if token == ("op", ".") and self.at + 1 < len(self.items) and self.items[self.at + 1][1] in STRING_TESTS:
            self.take(".")
            method = self.take()
            self.take("(")
            value = _unquote(self.take(kind="str"))
            self.take(")")
            return ("test", ref, method, (value,))
        raise Unsupported(f"{ref[0]}.{ref[1]} used other than in a string test")

    @staticmethod
    def comparison(ref, operator: str, value: str):
        test = ("test", ref, "==", (value,))
        return test if operator == "==" else ("not", test)

    def reference(self) -> tuple[str, str]:
        scope = self.take(kind="name")
        if scope not in ("assertion", "attribute", "google"):
            raise Unsupported(f"the name {scope!r}")
        if self.peek() == ("op", "["):
            self.take("[")
            name = _unquote(self.take(kind="str"))
            self.take("]")
            return scope, name
        self.take(".")
        return scope, self.take(kind="name")


def parse(text: str):
    """The condition as a tree of ("or"|"and", a, b), ("not", a), ("const", bool) and
    ("test", (scope, name), operator, values); Unsupported outside the subset."""
    return _Parser(text).parse()


# -- the ways a condition is true --------------------------------------------------------------

def ways_true(node) -> list[frozenset]:
    """Conjunctions of (test, wanted) pairs, any of which makes the condition true."""
    return _true(node)


def _combine(left: list[frozenset], right: list[frozenset]) -> list[frozenset]:
    out = []
    for a in left:
        for b in right:
            both = a | b
            if not any((test, not wanted) in both for test, wanted in both):  # a test wanted both ways
                out.append(both)
    return _bounded(list(dict.fromkeys(out)))


def _bounded(ways: list[frozenset]) -> list[frozenset]:
    if len(ways) > MAX_WAYS:
        raise Unsupported(f"more than {MAX_WAYS} ways to be true")
    return ways


def _true(node) -> list[frozenset]:
    kind = node[0]
    if kind == "const":
        return [frozenset()] if node[1] else []
    if kind == "test":
        return [frozenset({(node, True)})]
    if kind == "not":
        return _false(node[1])
    if kind == "and":
        return _combine(_true(node[1]), _true(node[2]))
    return _bounded(list(dict.fromkeys(_true(node[1]) + _true(node[2]))))


def _false(node) -> list[frozenset]:
    kind = node[0]
    if kind == "const":
        return [] if node[1] else [frozenset()]
    if kind == "test":
        return [frozenset({(node, False)})]
    if kind == "not":
        return _true(node[1])
    if kind == "or":
        return _combine(_false(node[1]), _false(node[2]))
    return _bounded(list(dict.fromkeys(_false(node[1]) + _false(node[2]))))


# -- tests as pattern items --------------------------------------------------------------------

def test_union(operator: str, values: tuple) -> tuple:
    """The strings a test accepts, as a union of item tuples (characters and CharClass)."""
    if operator in ("==", "in"):
        return tuple(tuple(v) for v in values)
    if operator == "present":
        return ((ANY_RUN,),)
    (value,) = values
    if operator == "startsWith":
        return (tuple(value) + (ANY_RUN,),)
    if operator == "endsWith":
        return ((ANY_RUN,) + tuple(value),)
    if operator == "contains":
        return ((ANY_RUN,) + tuple(value) + (ANY_RUN,),)
    return regex_union(value)


# -- RE2 patterns, a subset ----------------------------------------------------------------------

_DOT = CharClass(frozenset("\n"), negated=True, unknown=True)
_SHORTHANDS = {"d": (string.digits, False), "D": (string.digits, True), "w": (string.ascii_letters + string.digits + "_", False),
               "W": (string.ascii_letters + string.digits + "_", True), "s": (" \t\n\r\f\v", False), "S": (" \t\n\r\f\v", True)}
_META = set("\\^$.|?*+()[]{}")


def regex_union(pattern: str) -> tuple:
    """An RE2 pattern as used by CEL's matches() (a search: unanchored ends take any run) as
    a union of item tuples. Unsupported for what the subset does not read (flags, \\b,
    a quantified group, large repeats)."""
    if len(pattern) > MAX_PATTERN:
        raise Unsupported("a regular expression longer than 512 characters")
    reader = _Regex(pattern)
    alternatives = reader.alternation(top=True)
    if reader.at != len(pattern):
        raise Unsupported(f"the regular expression {pattern!r}")
    out = []
    for items, anchored_start, anchored_end in alternatives:
        out.append((() if anchored_start else (ANY_RUN,)) + items + (() if anchored_end else (ANY_RUN,)))
    return tuple(dict.fromkeys(out))


class _Regex:
    def __init__(self, text: str):
        self.text = text
        self.at = 0

    def peek(self) -> str | None:
        return self.text[self.at] if self.at < len(self.text) else None

    def alternation(self, top: bool = False) -> list[tuple]:
        """[(items, anchored at start, anchored at end)] of `a|b|...` up to `)` or the end."""
        out = [self.sequence(top)]
        while self.peek() == "|":
            self.at += 1
            out.append(self.sequence(top))
        if len(out) > MAX_ALTERNATIVES:
            raise Unsupported("a regular expression with too many alternatives")
        return [alt for seq in out for alt in seq]

    def sequence(self, top: bool) -> list[tuple]:
        spellings: list[tuple] = [((), False, False)]
        if top and self.peek() == "^":
            self.at += 1
            spellings = [((), True, False)]
        while self.peek() not in (None, "|", ")"):
            if top and self.peek() == "$" and self.text[self.at + 1:self.at + 2] in ("", "|"):
                self.at += 1
                spellings = [(items, start, True) for items, start, _ in spellings]
                break
            options = self.quantified()
            spellings = [(items + option, start, end) for items, start, end in spellings for option in options]
            if len(spellings) > MAX_ALTERNATIVES:
                raise Unsupported("a regular expression with too many alternatives")
        return spellings

    def quantified(self) -> list[tuple]:
        """The next atom with its quantifier, as the item tuples it can spell."""
        options, single = self.atom()
        char = self.peek()
        if char in ("*", "+", "?", "{"):
            if char == "{":
                low, high = self.repeat()
            else:
                self.at += 1
                low, high = {"*": (0, None), "+": (1, None), "?": (0, 1)}[char]
            if self.peek() == "?":
                self.at += 1  # lazy: the same language
            if high is None:
                if single is None:
                    raise Unsupported("a repeated group in a regular expression")
                star = CharClass(single.chars, single.negated, True, single.unknown)
                return [option * low + (star,) for option in options]
            if sum(len(options) ** count for count in range(low, high + 1)) > MAX_ALTERNATIVES:
                raise Unsupported("a regular expression with too many alternatives")
            return [sum(picked, ()) for count in range(low, high + 1) for picked in _choices(options, count)]
        return options

    def repeat(self) -> tuple[int, int | None]:
        end = self.text.find("}", self.at)
        body = self.text[self.at + 1:end] if end > 0 else ""
        match = re.fullmatch(r"(\d{1,2})(,(\d{0,2}))?", body)
        if match is None:
            raise Unsupported("a repeat count in a regular expression")
        self.at = end + 1
        low = int(match.group(1))
        high = low if match.group(2) is None else (int(match.group(3)) if match.group(3) else None)
        if high is not None and (high < low or high > 8):
            raise Unsupported("a repeat count in a regular expression")
        return low, high

    def atom(self) -> tuple[list[tuple], CharClass | None]:
        """(item tuples the atom spells, the one-character class when it is one)."""
        char = self.peek()
        if char == "(":
            self.at += 1
            if self.text.startswith("?:", self.at):
                self.at += 2
            elif self.peek() == "?":
                raise Unsupported("a regular expression flag or named group")
            inner = self.alternation()
            if self.peek() != ")":
                raise Unsupported("an unclosed group in a regular expression")
            self.at += 1
            if any(start or end for _, start, end in inner):
                raise Unsupported("an anchor inside a group")
            return [items for items, _, _ in inner], None
        if char == "[":
            item = self.bracket()
            return [(item,)], item
        if char == ".":
            self.at += 1
            return [(_DOT,)], _DOT
        if char == "\\":
            item = self.escape()
            return [(item,)], item if isinstance(item, CharClass) else CharClass(frozenset(item))
        if char in _META:
            raise Unsupported(f"{char!r} in a regular expression")
        self.at += 1
        return [(char,)], CharClass(frozenset(char))

    def escape(self):
        if self.at + 1 >= len(self.text):
            raise Unsupported("a trailing backslash")
        char = self.text[self.at + 1]
        self.at += 2
        if char in _SHORTHANDS:
            chars, negated = _SHORTHANDS[char]
            return CharClass(frozenset(chars), negated, unknown=negated)
        if char in _META or char in "/-:@'\"#&~,<>=!%;_ ":
            return char
        raise Unsupported(f"the escape \\{char} in a regular expression")

    def bracket(self) -> CharClass:
        self.at += 1
        negated = self.peek() == "^"
        if negated:
            self.at += 1
        chars: set[str] = set()
        first = True
        while True:
            char = self.peek()
            if char is None:
                raise Unsupported("an unclosed [ in a regular expression")
            if char == "]" and not first:
                self.at += 1
                return CharClass(frozenset(chars), negated, unknown=negated)
            first = False
            if char == "[":
                raise Unsupported("a character class inside [ ]")
            if char == "\\":
                item = self.escape()
                if isinstance(item, CharClass):
                    if item.negated:
                        raise Unsupported("a negated shorthand inside [ ]")
                    chars |= item.chars
                    continue
                char = item
            else:
                self.at += 1
            if self.peek() == "-" and self.at + 1 < len(self.text) and self.text[self.at + 1] != "]":
                high = self.text[self.at + 1]
                if high == "\\" or ord(high) < ord(char):
                    raise Unsupported("a range in a regular expression")
                self.at += 2
                chars |= {chr(c) for c in range(ord(char), ord(high) + 1)}
            else:
                chars.add(char)


def _choices(options: list[tuple], count: int):
    """Every way to pick `count` options in a row (a bounded repeat)."""
    if count == 0:
        yield ()
        return
    for first in options:
        for rest in _choices(options, count - 1):
            yield (first,) + rest
