"""Bicep expressions evaluated from what a file states: string literals and `${…}`
interpolation, parameters (their defaults, or what a calling module passes), variables, loop
variables, object properties, array indexes, the operators, and the functions whose result
depends on their arguments only (`concat`, `format`, `toLower`, `replace`, `empty`, …).
Anything else (a parameter without a default, `resourceGroup()`, a resource's runtime
property, a module output) is `Unknown` with its reason: never a wildcard.

pycep-parser's grammar nests operators to the right without precedence (`a - b + c` reads as
`a - (b + c)`, `a.b == c` as `a.(b == c)`), so an operator chain is flattened back into its
operands and operators and evaluated with Bicep's precedence.
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from dataclasses import dataclass

from ..input.bicep_syntax import BicepFile, Statement
from ..errors import AnalysisError
from ..values import Template, Unknown
from . import bicep_functions as functions

MAX_DEPTH = 200
_BINARY = {"and_op": "&&", "or_op": "||", "coalesce": "??", "equals": "==", "not_equals": "!=",
           "equals_case_insens": "=~", "not_equals_case_insens": "!~", "greater_than": ">",
           "greater_than_or_equals": ">=", "less_than": "<", "less_than_or_equals": "<=", "add": "+",
           "substract": "-", "multiply": "*", "divide": "/", "modulo": "%"}
# Bicep's operator precedence (docs: bicep/operators), loosest first; `?:` is looser still.
_PRECEDENCE = {"??": 1, "||": 2, "&&": 3, "==": 4, "!=": 4, "=~": 4, "!~": 4, ">": 5, ">=": 5, "<": 5,
               "<=": 5, "+": 6, "-": 6, "*": 7, "/": 7, "%": 7}
_ESCAPES = {"\\": "\\", "'": "'", "n": "\n", "r": "\r", "t": "\t", "$": "$"}


@dataclass(frozen=True)
class Ref:
    """A resource or module by its symbolic name (an instance of a loop when `index` is set)."""

    kind: str  # resource | module
    symbol: str
    index: object = None
    child: tuple = ()  # nested resources reached with `::`


@dataclass
class Tree:
    """A parsed tree and the file offset its positions count from."""

    node: object
    base: int


class Scope:
    """One file's symbols, read on demand; `given` holds the parameters a caller passes.

    A declaration pycep-parser cannot read makes its value Unknown; it is TL000 only when a
    credential's own fields depend on it (`needed`), not when it only shapes a tag."""

    def __init__(self, file: BicepFile, given: dict | None = None):
        self.file = file
        self.given = given or {}
        self.symbols: dict[str, Statement] = {}
        for statement in file.statements:
            if statement.name and statement.keyword in ("param", "var", "resource", "module", "func", "output", "type"):
                self.symbols.setdefault(statement.name, statement)
        self.path = file.source.path
        self.problems: list[tuple[str, AnalysisError, str]] = []  # (path, error, address): TL000
        self.unreadable: dict[str, tuple[str, AnalysisError]] = {}  # declarations (or interpolations) not parsed
        self._values: dict[str, tuple] = {}  # name -> (value, the unreadable declarations it depends on)
        self._evaluating: set[str] = set()
        self._collecting: list[set[str]] = []

    def tree(self, statement: Statement, address: str = ""):
        """The statement's element tree, or None (its error is TL000, at `address` if given)."""
        try:
            return Tree(self.file.parse(statement), statement.start)
        except AnalysisError as exc:
            self.report((self.path, exc, address))
            return None

    def report(self, problem: tuple) -> None:
        path, error = problem[0], problem[1]
        if all((p[0], p[1].span) != (path, error.span) for p in self.problems):
            self.problems.append((path, error, problem[2] if len(problem) > 2 else ""))

    def unreadable_part(self, key: str, problem: tuple[str, AnalysisError]) -> None:
        self.unreadable[key] = problem
        self.note({key})

    def note(self, dependencies: set[str]) -> None:
        if self._collecting:
            self._collecting[-1].update(dependencies)

    @contextmanager
    def needed(self):
        """Values evaluated inside are a credential's: what they depend on must be read."""
        self._collecting.append(set())
        try:
            yield
        finally:
            for key in sorted(self._collecting.pop()):
                self.report(self.unreadable[key])

    def symbol(self, name: str, evaluator: "Evaluator"):
        statement = self.symbols.get(name)
        if statement is None:
            imported = any(s.keyword == "import" and re.search(rf"\b{re.escape(name)}\b", self.file.normal[s.start:s.end])
                           for s in self.file.statements)
            return Unknown(name, "imported from another file, not read" if imported else "not declared in this file")
        if statement.keyword in ("resource", "module"):
            return Ref(statement.keyword, name)
        if statement.keyword == "param" and name in self.given:
            given = self.given[name]
            return given.value(self) if isinstance(given, Passed) else given
        if statement.keyword not in ("param", "var"):
            return Unknown(name, f"a Bicep {statement.keyword}, not evaluated")
        if name in self._values:
            value, dependencies = self._values[name]
            self.note(dependencies)
            return value
        if name in self._evaluating:
            return Unknown(name, "defined in terms of itself")
        self._evaluating.add(name)
        self._collecting.append(set())
        try:
            value = self._declared(statement, evaluator)
        finally:
            self._evaluating.discard(name)
            dependencies = self._collecting.pop()
        self._values[name] = (value, dependencies)
        self.note(dependencies)
        return value

    def _declared(self, statement: Statement, evaluator: "Evaluator"):
        try:
            tree = Tree(self.file.parse(statement), statement.start)
        except AnalysisError as exc:
            self.unreadable_part(statement.name, (self.path, exc))
            return Unknown(statement.name, "its declaration is Bicep pycep-parser cannot read (TL000)")
        expression = tree.node.children[-1]
        if expression is None:
            reason = "parameter without a default (the deployment gives it)" if statement.keyword == "param" else "no value"
            return Unknown(statement.name, reason)
        return evaluator.value(Tree(expression, tree.base), {})


class Passed:
    """A parameter a calling module passes, evaluated in the caller when the module uses it;
    what it depends on that the caller's file cannot parse counts as the module's own."""

    def __init__(self, evaluator: "Evaluator", tree: Tree, env: dict):
        self.evaluator, self.tree, self.env = evaluator, tree, env
        self._value, self._dependencies, self._done = None, set(), False

    def value(self, module: Scope):
        caller = self.evaluator.scope
        if not self._done:
            caller._collecting.append(set())
            try:
                self._value = self.evaluator.value(self.tree, self.env)
            finally:
                self._dependencies, self._done = caller._collecting.pop(), True
        for key in sorted(self._dependencies):
            module.unreadable_part(f"{caller.path}|{key}", caller.unreadable[key])
        return self._value


class Evaluator:
    """Values of expression trees in one scope; loop variables come in `env`."""

    def __init__(self, scope: Scope):
        self.scope = scope
        self.file = scope.file
        self.depth = 0
        self.resource_value = None  # set by the reader: (Ref, property path) -> value
        # Choices the defaults make that a parameter can change at deploy time (a ternary's other
        # branch, items a loop filter leaves out): (start, end) -> (expression, reason), listed
        # by --explain-unknowns; the values the defaults give are judged.
        self.untaken: dict[tuple[int, int], tuple[str, str]] = {}

    # -- entry points ----------------------------------------------------------------------------

    def value(self, tree: Tree, env: dict):
        if self.depth > MAX_DEPTH:
            return Unknown("…", "nested too deeply")
        self.depth += 1
        try:
            return self._unit(tree.node, tree.base, env)
        finally:
            self.depth -= 1

    def text(self, tree: Tree) -> str:
        """The source text of an expression, shortened: how an unknown is shown."""
        start, end = self.offsets(tree)
        text = " ".join(self.file.text[start:end].split())
        return text if len(text) <= 80 else text[:77] + "..."

    def offsets(self, tree: Tree) -> tuple[int, int]:
        node = tree.node
        if hasattr(node, "meta"):
            return tree.base + node.meta.start_pos, tree.base + node.meta.end_pos
        return tree.base + node.start_pos, tree.base + node.end_pos

    # -- units -------------------------------------------------------------------------------------

    def _unit(self, node, base: int, env: dict):
        if not hasattr(node, "data"):
            return Unknown(str(node), "not an expression")
        kind = node.data
        if kind == "string":
            return self._name_or_string(node.children[0], base, env)
        if kind == "int_type":
            return int(node.children[0])
        if kind in ("true", "false", "null"):
            return {"true": True, "false": False, "null": None}[kind]
        if kind == "array":
            return [self.value(Tree(c, base), env) for c in node.children if hasattr(c, "data")]
        if kind == "object":
            return self._object(node, base, env)
        if kind == "function":
            return self._call(node, base, env)
        if kind == "loop":
            return self.loop_values(Tree(node, base), env)
        if kind == "operator" or kind in _BINARY or kind in ("not_op", "minus", "conditional", "property_accessor",
                                                             "index_accessor", "nested_resource_accessor"):
            items: list = []
            self._flatten(node, base, items)
            value, _ = self._chain(items, 0, 0, env)
            return value
        return Unknown(self.text(Tree(node, base)), f"Bicep {kind.replace('_', ' ')} not evaluated")

    def _name_or_string(self, token, base: int, env: dict):
        offset = base + token.start_pos
        literal = self.file.string_at(offset)
        if literal is not None:
            return self.string(literal, env)
        name = str(token)
        if name in env:
            return env[name]
        return self.scope.symbol(name, self)

    def _object(self, node, base: int, env: dict) -> dict:
        out = {}
        for pair in node.children:
            if not hasattr(pair, "data") or pair.data != "pair":
                continue  # a nested resource: not a value
            key = self.key(pair, base, env)
            out[key if isinstance(key, str) else str(key)] = self.value(Tree(pair.children[1], base), env)
        return out

    def key(self, pair, base: int, env: dict):
        token = pair.children[0].children[0]
        literal = self.file.string_at(base + token.start_pos)
        return self.string(literal, env) if literal is not None else str(token)

    # -- strings -------------------------------------------------------------------------------------

    def string(self, literal, env: dict):
        """A string literal's value: a str, or a Template when an interpolated part is unknown."""
        text = self.file.text
        if literal.multiline:
            body = text[literal.start + 3:literal.end - 3]
            return body[1:] if body.startswith("\n") else body[2:] if body.startswith("\r\n") else body
        parts: list = []
        offset = literal.start + 1
        for start, end in literal.interpolations:
            parts.append(_unescaped(text[offset:start - 2]))
            tree = self._interpolation(start, end)
            value = self.value(tree, env) if tree is not None else Unknown(text[start:end], "could not be parsed")
            parts.append(_as_string_part(value, self.text(tree) if tree is not None else text[start:end]))
            offset = end + 1
        parts.append(_unescaped(text[offset:literal.end - 1]))
        return functions.joined(parts)

    def _interpolation(self, start: int, end: int):
        try:
            node = self.file.parse_expression(start, end)
        except AnalysisError as exc:
            self.scope.unreadable_part(f"${{}}@{start}", (self.scope.path, exc))
            return None
        return Tree(node, start - len("var _ = "))

    # -- operator chains ---------------------------------------------------------------------------

    def _flatten(self, node, base: int, out: list) -> None:
        """The right-nested tree as [("operand", tree) | ("op", sym) | ("prefix", sym) |
        ("postfix", kind, data) | ("ternary", tree)], in source order."""
        kind = node.data if hasattr(node, "data") else None
        children = node.children if kind else []
        if kind == "operator":
            self._flatten(children[0], base, out)
        elif kind in _BINARY:
            out.append(("operand", Tree(children[0], base)))
            out.append(("op", _BINARY[kind]))
            self._flatten(children[1], base, out)
        elif kind in ("not_op", "minus"):
            out.append(("prefix", "!" if kind == "not_op" else "-"))
            self._flatten(children[0], base, out)
        elif kind == "conditional":
            out.append(("operand", Tree(children[0], base)))
            out.append(("ternary", Tree(children[1], base)))
            self._flatten(children[2], base, out)
        elif kind in ("property_accessor", "nested_resource_accessor"):
            out.append(("operand", Tree(children[0], base)))
            rest: list = []
            self._flatten(children[1], base, rest)
            name = _name_of(rest[0][1].node) if rest and rest[0][0] == "operand" else None
            if name is None:
                out.append(("postfix", "bad", None))
                return
            at = base + rest[0][1].node.children[0].start_pos
            safe = self.file.text[max(0, at - 40):at].rstrip().endswith("?")  # `.?name`
            out.append(("postfix", "child" if kind == "nested_resource_accessor" else "prop", (name, safe)))
            out.extend(rest[1:])
        elif kind == "index_accessor":
            # A left operand is always whole (reduced before `[` or `.`, or parenthesised).
            out.append(("operand", Tree(children[0], base)))
            out.append(("postfix", "index", Tree(children[1], base)))
        else:
            out.append(("operand", Tree(node, base)))

    def _chain(self, items: list, position: int, floor: int, env: dict):
        """Precedence climbing over a flattened chain: (value, next position)."""
        value, position = self._prefixed(items, position, env)
        while position < len(items):
            item = items[position]
            if item[0] == "ternary":
                if floor > 0:
                    break
                otherwise, position = self._chain(items, position + 1, 0, env)
                then = self.value(item[1], env)
                if isinstance(value, bool) and then != otherwise:
                    self.untaken.setdefault(self.offsets(item[1]), (
                        f"… ? {functions.shown(then)} : {functions.shown(otherwise)}",
                        f"the branch the defaults do not take ({functions.shown(otherwise if value else then)}) is "
                        "not judged: a parameter may choose it at deploy time"))
                value = functions.choose(value, then, otherwise)
                continue
            if item[0] != "op" or _PRECEDENCE[item[1]] < floor:
                break
            right, position = self._chain(items, position + 1, _PRECEDENCE[item[1]] + 1, env)
            value = functions.binary(item[1], value, right)
        return value, position

    def _prefixed(self, items: list, position: int, env: dict):
        if position >= len(items):
            return Unknown("…", "incomplete expression"), position
        item = items[position]
        if item[0] == "prefix":
            operand, position = self._prefixed(items, position + 1, env)
            return functions.unary(item[1], operand), position
        if item[0] != "operand":
            return Unknown("…", "unexpected operator"), position + 1
        value = self.value(item[1], env)
        position += 1
        while position < len(items) and items[position][0] == "postfix":
            value = self._postfix(value, items[position], env)
            position += 1
        return value, position

    def _postfix(self, value, item, env: dict):
        _, kind, data = item
        if kind == "index":
            return self._index(value, self.value(data, env))
        if kind == "bad":
            return Unknown("…", "accessor not evaluated")
        name, safe = data
        if isinstance(value, Ref):
            if kind == "child":
                return Ref(value.kind, value.symbol, value.index, (*value.child, name))
            return self.resource_value(value, name) if self.resource_value else Unknown(f"{value.symbol}.{name}")
        if isinstance(value, Unknown) or isinstance(value, Template):
            return Unknown(f"{functions.shown(value)}.{name}", getattr(value, "reason", "depends on an unknown value"))
        if isinstance(value, dict):
            if name in value:
                return value[name]
            lowered = {k.lower(): v for k, v in value.items()}
            if name.lower() in lowered:
                return lowered[name.lower()]
            return None if safe else Unknown(f".{name}", "no such property")
        if value is None and safe:
            return None
        return Unknown(f".{name}", "property of a value that has none")

    def _index(self, value, index):
        if isinstance(index, Unknown) or isinstance(index, Template):
            return Unknown(f"[{functions.shown(index)}]", "index not known statically")
        if isinstance(value, Ref):
            return Ref(value.kind, value.symbol, index, value.child)
        if isinstance(value, list) and isinstance(index, int) and not isinstance(index, bool) and 0 <= index < len(value):
            return value[index]
        if isinstance(value, dict) and isinstance(index, str):
            return value.get(index, Unknown(f"[{index!r}]", "no such key"))
        if isinstance(value, (Unknown, Template)):
            return Unknown(f"{functions.shown(value)}[{index}]", getattr(value, "reason", "depends on an unknown value"))
        return Unknown(f"[{index}]", "index out of range")

    # -- loops ---------------------------------------------------------------------------------------

    def loop_items(self, loop: Tree, env: dict) -> tuple[list[dict], object, object]:
        """The environments a `[for …]` makes: ([env, …], iterable value, condition tree or None)."""
        header, condition, _ = loop.node.children
        names = [str(c) for c in header.children if not hasattr(c, "data")]
        source = header.children[-1]
        if header.data == "loop_object":
            iterable = functions.items(self.value(Tree(source, loop.base), env))
        else:
            iterable = self.value(Tree(source, loop.base), env)
        if not isinstance(iterable, list):
            return [], iterable, condition
        envs = []
        for index, item in enumerate(iterable):
            scope = dict(env)
            scope[names[0]] = item
            if len(names) > 1:
                scope[names[1]] = index
            envs.append(scope)
        return envs, iterable, condition

    def loop_values(self, loop: Tree, env: dict):
        envs, iterable, condition = self.loop_items(loop, env)
        if not isinstance(iterable, list):
            return Unknown(self.text(loop), "loops over a value not known statically")
        body = Tree(loop.node.children[2], loop.base)
        out = []
        for scope in envs:
            if condition is not None:
                verdict = self.condition(Tree(condition, loop.base), scope)
                if verdict is not True:
                    if verdict is None:
                        return Unknown(self.text(loop), "a loop filter not known statically")
                    left_out = self.value(body, scope)
                    self.untaken.setdefault(self.offsets(Tree(condition, loop.base)) + (len(out),), (
                        f"{self.text(Tree(condition, loop.base))}",
                        f"leaves out {functions.shown(left_out)} with the defaults; not judged: a parameter may "
                        "keep it at deploy time"))
                    continue
            out.append(self.value(body, scope))
        return out

    def condition(self, tree: Tree, env: dict) -> bool | None:
        """A deployment condition (`if (x)`, or a loop filter written `if(x)`): True, False or None."""
        node = tree.node
        if hasattr(node, "data") and node.data == "function" and str(node.children[0]).lower() == "if(":
            node = node.children[1]
        value = self.value(Tree(node, tree.base), env)
        return value if isinstance(value, bool) else None

    # -- functions -------------------------------------------------------------------------------------

    def _call(self, node, base: int, env: dict):
        name = str(node.children[0])[:-1].strip()
        bare = name.split(".")[-1].lower()
        if bare in functions.RUNTIME:
            return Unknown(f"{name}()" if len(node.children) == 1 else f"{name}(…)", f"{name}() is known at deployment")
        args = [self.value(Tree(c, base), env) for c in node.children[1:] if hasattr(c, "data")]
        return functions.call(bare, name, args)


def _name_of(node) -> str | None:
    if hasattr(node, "data") and node.data == "string":
        return str(node.children[0])
    return None


def _unescaped(text: str) -> str:
    if "\\" not in text:
        return text
    return re.sub(r"\\(u\{[0-9A-Fa-f]{1,6}\}|.)", _escape, text)


def _escape(match) -> str:
    code = match.group(1)
    if code.startswith("u{"):
        number = int(code[2:-1], 16)
        return chr(number) if number <= 0x10FFFF else ""
    return _ESCAPES.get(code, code)


def _as_string_part(value, text: str):
    if isinstance(value, (Unknown, Template)):
        return value
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, (str, int, float)):
        return str(value)
    return Unknown(text, "interpolates a value that is no string")
