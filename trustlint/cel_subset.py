"""A small CEL subset for rule conditions and GCP attribute mappings and conditions,
evaluated on plain Python values.

Why: importing cel-python (celpy, lark, pendulum, ...) and building its parser costs about
0.1 s per process, more than a pre-commit scan of one file may spend in total. The built-in
rules' conditions need only field selection, `!`, `&&`, `||`, comparisons, a little
arithmetic and `size()`; GCP's attribute conditions add the string methods `startsWith`,
`endsWith`, `contains` and `matches` (RE2, as in cel-python), list literals for `in`, and a
map indexed by a string (`assertion['sub']`). They are compiled here instead; cel-python stays
the reference.

The contract, relied on by trustlint.rules:

* `compile(text)` returns a `Program`, or None when the text uses anything outside the
  subset (macros, methods, indexing, list or map literals, uint, bytes, comments, other
  escapes, ...) or is too long or too deeply nested. None means "compile it with cel-python".
* `Program.evaluate(activation)` takes the activation as plain JSON values (dict, list,
  str, int, float, bool, None; values celpy.json_to_cel accepts) and returns a bool, int,
  float, str or None: exactly cel-python's result. Whenever cel-python could answer
  otherwise — a CEL error (a missing field, mismatched operand types, int64 overflow,
  division by zero, a non-bool `!`, `&&`, `||` or `?:` operand), a value the subset does not
  model (null or lists in operators, a list or map result, a tuple, ...) — it raises
  `Fallback` instead, and the caller evaluates the expression with cel-python, whose answer
  (a value, or an error reported as TL000) stands. The subset never returns a value
  cel-python would not return.
* Errors inside `&&`, `||` and `?:`: CEL absorbs them when another operand decides
  (`false && x.missing` is false). The subset does the same only where it knows cel-python
  does (see the evaluation notes below); elsewhere it falls back.

Types are compared with `type(x) is ...`, never isinstance: Python's bool is an int, CEL's
is not (`1 == true` is an error in CEL).
"""

from __future__ import annotations

import re

from .lazy_re import lazy

MAX_LENGTH = 1000  # characters; longer texts go to cel-python
MAX_NESTING = 16  # parentheses and `?:` else-branches: bounds the parser's recursion
MAX_DEPTH = 48  # syntax-tree depth: bounds the evaluator's recursion

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
_SCALARS = (bool, int, float, str)

# Names cel-python resolves specially (types, macros, packages) or refuses (CEL reserved words).
_RESERVED = frozenset("""
    as break const continue else for function if import let loop package namespace return var void while
    bool bytes double duration dyn int list map null_type string timestamp type uint google has size
""".split())
_LITERAL_NAMES = {"true": True, "false": False, "null": None}
_ESCAPES = {"\\": "\\", '"': '"', "'": "'", "n": "\n", "t": "\t"}

_TOKEN = lazy(r"""
    (?P<space>[ \t\r\n]+)
  | (?P<double>(?:0|[1-9][0-9]*)\.[0-9]+(?:[eE][+-]?[0-9]+)?(?![A-Za-z0-9_]))
  | (?P<int>[0-9]+(?![A-Za-z0-9_]))
  | (?P<string>"(?:[^"\\\r\n]|\\.)*"|'(?:[^'\\\r\n]|\\.)*')
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op>&&|\|\||==|!=|<=|>=|[-+*/%<>!().?:\[\],])
""", re.VERBOSE)


class Fallback(Exception):
    """This expression, on these values, must be evaluated by cel-python. `absorbable`: the
    subset knows cel-python meets a CEL error here and stops, so a decisive `&&`/`||` operand
    or the other `?:` branch around it still decides without cel-python."""

    def __init__(self, reason: str, absorbable: bool = False):
        super().__init__(reason)
        self.absorbable = absorbable


class _Unsupported(Exception):
    """The text is outside the subset (compile returns None)."""


class Program:
    """One compiled condition: `evaluate(activation)` returns a scalar or raises Fallback."""

    __slots__ = ("text", "_run")

    def __init__(self, text: str, run):
        self.text = text
        self._run = run

    def evaluate(self, activation: dict):
        # cel-python resolves a dotted name against a dotted variable first: not modelled.
        if any(type(name) is not str or "." in name for name in activation):
            raise Fallback("activation names")
        value = self._run(activation)
        if type(value) not in _SCALARS and value is not None:
            raise Fallback("not a scalar result")
        return value

    def __repr__(self) -> str:
        return f"Program({self.text!r})"


def compile(text) -> Program | None:  # noqa: A001 - the module's verb, like re.compile
    """The program for `text`, or None when cel-python must compile it."""
    if type(text) is not str or len(text) > MAX_LENGTH:
        return None
    try:
        tree = _Parser(_tokens(text)).parse()
        return Program(text, _build(tree))
    except _Unsupported:
        return None


# --- tokens ---------------------------------------------------------------------------

def _tokens(text: str) -> list[tuple[str, object]]:
    """(kind, value) pairs: kind is 'int', 'double', 'string', 'name', an operator, or 'end'."""
    tokens = []
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            raise _Unsupported(f"character {position}")
        position = match.end()
        kind, lexeme = match.lastgroup, match.group()
        if kind == "space":
            continue
        if kind == "op":
            tokens.append((lexeme, lexeme))
        elif kind == "int":
            tokens.append(("int", _int_literal(lexeme)))
        elif kind == "double":
            tokens.append(("double", float(lexeme)))
        elif kind == "string":
            tokens.append(("string", _unescape(lexeme[1:-1])))
        else:
            tokens.append(("name", lexeme))
    tokens.append(("end", None))
    return tokens


def _int_literal(lexeme: str) -> int:
    if len(lexeme) > 1 and lexeme[0] == "0":
        raise _Unsupported("leading zero")  # cel-python hands it to Python, which refuses it
    value = int(lexeme)
    if value > INT64_MAX:
        raise _Unsupported("int literal out of range")
    return value


def _unescape(body: str) -> str:
    if "\\" not in body:
        return body
    out, index = [], 0
    while index < len(body):
        char = body[index]
        if char == "\\":
            replacement = _ESCAPES.get(body[index + 1])
            if replacement is None:
                raise _Unsupported("escape")
            out.append(replacement)
            index += 2
        else:
            out.append(char)
            index += 1
    return "".join(out)


# --- syntax tree: tuples (operator, depth, *operands) -----------------------------------

def _node(operator: str, *operands) -> tuple:
    depth = 1 + max((o[1] for o in operands if type(o) is tuple), default=0)
    if depth > MAX_DEPTH:
        raise _Unsupported("too deep")
    return (operator, depth, *operands)


_RELATIONS = {"<", "<=", ">", ">=", "==", "!=", "in"}


class _Parser:
    """Recursive descent following CEL's grammar (cel-spec langdef.md, and cel-python's cel.lark):

        Expr = Or ["?" Or ":" Expr]      Or = And {"||" And}      And = Relation {"&&" Relation}
        Relation = Addition {Relop Addition}     Addition = Multiplication {("+"|"-") Multiplication}
        Multiplication = Unary {("*"|"/"|"%") Unary}     Unary = {"!"|"-"} Member
        Member = Primary {"." IDENT ["(" Expr ")"] | "[" Expr "]"}
        Primary = IDENT | "size" "(" Expr ")" | "(" Expr ")" | "[" [Expr {"," Expr}] "]" | literal
    (a method call only for the string methods below, on a name or a selection)
    """

    def __init__(self, tokens: list):
        self.tokens = tokens
        self.index = 0
        self.nesting = 0

    def parse(self) -> tuple:
        tree = self.expr()
        self.expect("end")
        return tree

    def peek(self) -> str:
        kind, value = self.tokens[self.index]
        return "in" if kind == "name" and value == "in" else kind

    def take(self):
        token = self.tokens[self.index]
        self.index += 1
        return token[1]

    def expect(self, kind: str):
        if self.peek() != kind:
            raise _Unsupported(f"expected {kind}")
        return self.take()

    def expr(self) -> tuple:
        self.nesting += 1
        if self.nesting > MAX_NESTING:
            raise _Unsupported("nested too deeply")
        condition = self.disjunction()
        if self.peek() == "?":
            self.take()
            then = self.disjunction()
            self.expect(":")
            condition = _node("?:", condition, then, self.expr())
        self.nesting -= 1
        return condition

    def disjunction(self) -> tuple:
        left = self.conjunction()
        while self.peek() == "||":
            self.take()
            left = _node("||", left, self.conjunction())
        return left

    def conjunction(self) -> tuple:
        left = self.relation()
        while self.peek() == "&&":
            self.take()
            left = _node("&&", left, self.relation())
        return left

    def relation(self) -> tuple:
        left = self.addition()
        while self.peek() in _RELATIONS:
            left = _node(self.take(), left, self.addition())
        return left

    def addition(self) -> tuple:
        left = self.multiplication()
        while self.peek() in ("+", "-"):
            left = _node(self.take(), left, self.multiplication())
        return left

    def multiplication(self) -> tuple:
        left = self.unary()
        while self.peek() in ("*", "/", "%"):
            left = _node(self.take(), left, self.unary())
        return left

    def unary(self) -> tuple:
        operators = []
        while self.peek() in ("!", "-"):
            operators.append(self.take())
        operand = self.member()
        for operator in reversed(operators):
            operand = _node("neg" if operator == "-" else "!", operand)
        return operand

    def member(self) -> tuple:
        operand = self.primary()
        while self.peek() in (".", "["):
            if operand[0] not in ("ident", "select", "index"):
                raise _Unsupported("selection on a literal or an expression")
            if self.take() == "[":
                key = self.expr()
                self.expect("]")
                operand = _node("index", operand, key)
                continue
            field = self.expect("name")
            if self.peek() == "(" and field in _METHODS:
                self.take()
                argument = self.expr()
                self.expect(")")
                operand = _node("method", operand, field, argument)
                if self.peek() in (".", "["):
                    raise _Unsupported("selection on a method's result")
                return operand
            if field in _LITERAL_NAMES or field in _RESERVED or self.peek() == "(":
                raise _Unsupported("method call or reserved field name")
            operand = _node("select", operand, field)
        return operand

    def primary(self) -> tuple:
        kind = self.peek()
        if kind in ("int", "double", "string"):
            return _node("literal", self.take())
        if kind == "(":
            self.take()
            inner = self.expr()
            self.expect(")")
            return inner
        if kind == "[":
            self.take()
            elements = []
            while self.peek() != "]":
                elements.append(self.expr())
                if self.peek() != ",":
                    break
                self.take()
                if self.peek() == "]":
                    raise _Unsupported("trailing comma")  # cel-python's grammar takes it: not modelled
            self.expect("]")
            return _node("list", *elements)
        if kind != "name":
            raise _Unsupported(f"unexpected {kind}")
        name = self.take()
        if name in _LITERAL_NAMES:
            return _node("literal", _LITERAL_NAMES[name])
        if name == "size" and self.peek() == "(":
            self.take()
            argument = self.expr()
            self.expect(")")
            return _node("size", argument)
        if name in _RESERVED or self.peek() == "(":
            raise _Unsupported(f"name {name}")
        return _node("ident", name)


# --- evaluation: each node becomes a closure over the activation --------------------------
#
# How cel-python 0.5, the reference, meets errors: a CEL error is a Python exception that
# leaves every operator (so operands are evaluated left to right up to the first error) until
# an operand of `&&`, `||` or `?:` catches it as an error value. Those three evaluate all their
# operands, then a decisive one (false for &&, true for ||, the chosen branch) absorbs errors in
# the others; an error value they pass on (`true && error`, the chosen branch's error) no
# longer stops the operators around it. Selecting a field of a non-map raises AttributeError,
# which nothing catches. So a Fallback is `absorbable` only where cel-python raises a CEL error
# (it stops evaluation there and a decisive operand above absorbs it); any other Fallback ends
# the subset's evaluation of the whole expression.

def _build(node: tuple):
    operator, _, *operands = node
    if operator == "literal":
        value = operands[0]
        return lambda activation: value
    if operator == "ident":
        return _identifier(operands[0])
    if operator == "select":
        return _select(_build(operands[0]), operands[1])
    if operator == "index":
        return _index(_build(operands[0]), _build(operands[1]))
    if operator == "method":
        return _method(_build(operands[0]), operands[1], _build(operands[2]))
    if operator == "list":
        elements = [_build(o) for o in operands]
        return lambda activation: [element(activation) for element in elements]
    if operator in ("&&", "||"):
        return _logical(_build(operands[0]), _build(operands[1]), decisive=operator == "||")
    if operator == "?:":
        return _conditional(*(_build(o) for o in operands))
    if operator in _UNARY:
        return _apply_unary(_UNARY[operator], _build(operands[0]))
    return _apply_binary(_BINARY[operator], _build(operands[0]), _build(operands[1]))


def _error(reason: str) -> Fallback:
    """A CEL error: cel-python stops there, and a decisive `&&`/`||` operand above absorbs it."""
    return Fallback(reason, absorbable=True)


def _mismatch(reason: str, *values) -> Fallback:
    """Operands of the wrong types: a CEL error ("no such overload") when they are scalars or
    null; with a list or a map among them cel-python may have an answer (list `+`)."""
    return Fallback(reason, absorbable=all(type(v) in _SCALARS or v is None for v in values))


def _checked(value):
    """A value read from the activation; an int cel-python could not hold is its business."""
    if type(value) is int and not INT64_MIN <= value <= INT64_MAX:
        raise Fallback("int out of int64 range")
    return value


def _identifier(name: str):
    def run(activation):
        if name not in activation:
            raise _error(f"undeclared {name}")
        return _checked(activation[name])
    return run


def _select(target, field: str):
    def run(activation):
        value = target(activation)
        if type(value) is not dict:
            raise Fallback(f"{field} of a non-map")  # cel-python raises: nothing absorbs it
        if field not in value:
            raise _error(f"no field {field}")
        return _checked(value[field])
    return run


def _index(target, key):
    def run(activation):
        value = target(activation)
        name = key(activation)
        if type(value) is not dict or type(name) is not str:
            raise Fallback("index other than a map by a string")
        if name not in value:
            raise _error(f"no key {name}")
        return _checked(value[name])
    return run


def _starts_with(text: str, fragment: str) -> bool:
    return text.startswith(fragment)


def _ends_with(text: str, fragment: str) -> bool:
    return text.endswith(fragment)


def _contains(text: str, fragment: str) -> bool:
    return fragment in text


def _matches(text: str, pattern: str) -> bool:
    from .saferegex import search

    found = search(pattern, text)  # RE2, as cel-python's matches()
    if found is None:
        raise Fallback("a pattern RE2 does not take here")  # cel-python returns its error value
    return found


# String methods: a str receiver and a str argument; anything else is cel-python's to answer.
_METHODS = {"startsWith": _starts_with, "endsWith": _ends_with, "contains": _contains, "matches": _matches}


def _method(receiver, name: str, argument):
    function = _METHODS[name]

    def run(activation):
        text = receiver(activation)
        fragment = argument(activation)
        if type(text) is not str or type(fragment) is not str:
            raise Fallback(f"{name} on other than strings")
        return function(text, fragment)
    return run


def _outcome(operand, activation):
    """The operand's value, or its absorbable Fallback as a value (any other one is raised)."""
    try:
        return operand(activation)
    except Fallback as fallback:
        if not fallback.absorbable:
            raise
        return fallback


def _logical(left, right, decisive: bool):
    """`&&` (decisive False) or `||` (decisive True), commutative as in CEL: both operands
    are evaluated, either one decides, errors elsewhere are absorbed."""
    def run(activation):
        outcomes = (_outcome(left, activation), _outcome(right, activation))
        if outcomes[0] is decisive or outcomes[1] is decisive:
            return decisive
        if outcomes[0] is (not decisive) and outcomes[1] is (not decisive):
            return not decisive
        if type(outcomes[0]) is bool or type(outcomes[1]) is bool:
            raise Fallback("the other operand is the value")  # cel-python passes it on, even an error
        raise _error("no bool operand")  # cel-python raises
    return run


def _conditional(condition, then, otherwise):
    def run(activation):
        test = _outcome(condition, activation)
        branches = (_outcome(then, activation), _outcome(otherwise, activation))
        if type(test) is not bool:
            raise _error("?: condition")  # cel-python raises, whatever the condition holds
        chosen = branches[0] if test else branches[1]
        if type(chosen) is Fallback:
            raise Fallback("?: chose an error")  # cel-python passes the error value on
        return chosen
    return run


def _apply_unary(function, operand):
    return lambda activation: function(operand(activation))


def _apply_binary(function, left, right):
    # Left first: an error there is the result, as in cel-python, whatever the right side holds.
    return lambda activation: function(left(activation), right(activation))


def _int64(value: int) -> int:
    if not INT64_MIN <= value <= INT64_MAX:
        raise _error("int64 overflow")
    return value


def _same_type(left, right, allowed: tuple) -> type:
    kind = type(left)
    if kind is not type(right) or kind not in allowed:
        raise _mismatch("operand types", left, right)
    return kind


def _not(value):
    if type(value) is not bool:
        raise _mismatch("! operand", value)
    return not value


def _negate(value):
    kind = type(value)
    if kind is int:
        return _int64(-value)
    if kind is float:
        return -value
    raise _mismatch("- operand", value)


def _size(value):
    if type(value) in (str, list, dict):
        return len(value)  # str: code points, as in CEL
    if value is None:
        raise Fallback("size(null)")  # cel-python says 0
    raise _mismatch("size operand", value)


def _add(left, right):
    if _same_type(left, right, (int, float, str)) is int:
        return _int64(left + right)
    return left + right


def _subtract(left, right):
    if _same_type(left, right, (int, float)) is int:
        return _int64(left - right)
    return left - right


def _multiply(left, right):
    if _same_type(left, right, (int, float)) is int:
        return _int64(left * right)
    return left * right


def _divide(left, right):
    kind = _same_type(left, right, (int, float))
    if kind is float:
        if right == 0:
            raise Fallback("float division by zero")  # cel-python gives an infinity
        return left / right
    if right == 0:
        raise _error("division by zero")
    quotient = abs(left) // abs(right)  # CEL truncates toward zero
    return _int64(quotient if (left < 0) == (right < 0) else -quotient)


def _modulo(left, right):
    _same_type(left, right, (int,))
    if right == 0:
        raise _error("modulo by zero")
    remainder = abs(left) % abs(right)  # CEL: the sign of the dividend
    return -remainder if left < 0 else remainder


def _equal(left, right) -> bool:
    if left is None and right is None:
        return True
    kind = type(left)
    if kind is type(right) and kind in _SCALARS:
        return left == right
    if kind in _SCALARS and type(right) in _SCALARS:
        raise _error("== operand types")
    raise Fallback("== with null, a list or a map")  # cel-python has answers the subset does not model


def _not_equal(left, right) -> bool:
    return not _equal(left, right)


def _ordered(compare):
    def run(left, right) -> bool:
        _same_type(left, right, _SCALARS)
        return compare(left, right)
    return run


def _member(element, container) -> bool:
    """`in`: a scalar among list elements of its own type, or a string key of a map."""
    kind = type(element)
    if type(container) is list:
        if kind not in _SCALARS or any(type(item) is not kind for item in container):
            raise Fallback("in: mixed types")
        return any(item == element for item in container)  # no identity shortcut: NaN
    if type(container) is dict:
        if kind is not str or any(type(key) is not str for key in container):
            raise Fallback("in: non-string key")
        return element in container
    raise _mismatch("in operand types", element, container)


_UNARY = {"!": _not, "neg": _negate, "size": _size}
_BINARY = {
    "+": _add, "-": _subtract, "*": _multiply, "/": _divide, "%": _modulo,
    "==": _equal, "!=": _not_equal, "in": _member,
    "<": _ordered(lambda a, b: a < b), "<=": _ordered(lambda a, b: a <= b),
    ">": _ordered(lambda a, b: a > b), ">=": _ordered(lambda a, b: a >= b),
}


def is_plain_json(value, depth: int = 0) -> bool:
    """True when celpy.json_to_cel surely converts `value` (dicts with string keys, lists,
    str, bool, int64, float, None). False means: convert it to find out (it may fail)."""
    kind = type(value)
    if kind in (str, bool, float) or value is None:
        return True
    if kind is int:
        return INT64_MIN <= value <= INT64_MAX
    if depth > 64:
        return False
    if kind is list:
        return all(is_plain_json(item, depth + 1) for item in value)
    if kind is dict:
        return all(type(key) is str and is_plain_json(item, depth + 1) for key, item in value.items())
    return False
