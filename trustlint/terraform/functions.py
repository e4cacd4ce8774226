"""Terraform built-in functions, evaluated on known values only.

Each function takes (evaluator, args, span) and returns a Node, or None when an argument
is not known (the caller turns None into an Unknown). `jsonencode` keeps the structure
(with spans) rather than a string, so policies built with it stay locatable.
"""

from __future__ import annotations

import json
import re
import os

from ..source import SourceFile
from ..values import Node, Template, Unknown, text_of
from .nodes import NO_SUCH_ELEMENT, from_plain, is_fully_known, plain, template_node

MAX_FILE_BYTES = 1_000_000


def _known(args: list[Node]) -> list | None:
    if not all(is_fully_known(a) for a in args):
        return None
    return [plain(a) for a in args]


def _pure(function):
    """Wrap a function of plain values: returns None when any argument is unknown."""

    def wrapper(evaluator, args, span):
        values = _known(args)
        if values is None:
            return None
        return from_plain(function(*values), span)

    return wrapper


def _format(evaluator, args, span):
    if not args or not isinstance(args[0].value, str):
        return None
    spec, rest = args[0].value, args[1:]
    parts: list = []
    index = 0
    position = 0
    while position < len(spec):
        char = spec[position]
        if char == "%" and position + 1 < len(spec):
            verb = spec[position + 1]
            if verb == "%":
                parts.append("%")
            else:
                if index >= len(rest):
                    return None
                value = rest[index]
                index += 1
                text = text_of(value) if not isinstance(value.value, (Unknown, Template)) else None
                if isinstance(value.value, Template):
                    parts.extend(value.value.parts)
                elif isinstance(value.value, Unknown):
                    parts.append(value.value)
                elif verb == "d" and isinstance(value.value, (int, float)):
                    parts.append(str(int(value.value)))
                elif text is not None:
                    parts.append(text)
                else:
                    return None
            position += 2
            continue
        parts.append(char)
        position += 1
    return template_node(parts, span)


def _join(evaluator, args, span):
    if len(args) != 2 or not isinstance(args[0].value, str) or not isinstance(args[1].value, list):
        return None
    separator = args[0].value
    parts: list = []
    for i, item in enumerate(args[1].value):
        if i:
            parts.append(separator)
        if isinstance(item.value, Template):
            parts.extend(item.value.parts)
        elif isinstance(item.value, Unknown):
            parts.append(item.value)
        else:
            text = text_of(item)
            if text is None:
                return None
            parts.append(text)
    return template_node(parts, span)


def _concat(evaluator, args, span):
    items: list = []
    for arg in args:
        if not isinstance(arg.value, list):
            return None
        items.extend(arg.value)
    return Node(items, span)


def _flatten(evaluator, args, span):
    def walk(node):
        if isinstance(node.value, list):
            for item in node.value:
                yield from walk(item)
        else:
            yield node

    if len(args) != 1 or not isinstance(args[0].value, list):
        return None
    return Node(list(walk(args[0])), span)


def _merge(evaluator, args, span):
    items: dict = {}
    for arg in args:
        if arg.value is None:
            continue
        if not isinstance(arg.value, dict):
            return None
        items.update(arg.value)
    return Node(items, span)


def _jsonencode(evaluator, args, span):
    if len(args) != 1:
        return None
    node = args[0]
    return Node(node.value, span, origin=["jsonencode"])


def _jsondecode(evaluator, args, span):
    if len(args) != 1:
        return None
    if isinstance(args[0].value, dict):  # jsondecode(jsonencode(x)) round trip
        return args[0]
    if not isinstance(args[0].value, str):
        return None
    return from_plain(json.loads(args[0].value), span)


def _lookup(evaluator, args, span):
    if len(args) < 2 or not isinstance(args[0].value, dict) or not isinstance(args[1].value, str):
        return None
    if args[1].value in args[0].value:
        return args[0].value[args[1].value]
    return args[2] if len(args) > 2 else None


def _element(evaluator, args, span):
    if len(args) != 2 or not isinstance(args[0].value, list) or not isinstance(args[1].value, int):
        return None
    items = args[0].value
    return items[args[1].value % len(items)] if items else None


def _coalesce(evaluator, args, span):
    for arg in args:
        if not arg.is_known:
            return None
        if arg.value not in (None, ""):
            return arg
    return None


def _try(evaluator, args, span):
    """The first argument that is not an error. An argument not known statically is not an
    error: Terraform would not take the fallback, so neither may we (unknown, not the default)."""
    for arg in args:
        if isinstance(arg.value, Unknown) and arg.value.reason == NO_SUCH_ELEMENT:
            continue
        if arg.is_known or isinstance(arg.value, Template):
            return arg
        return None
    return None


def _tolist(evaluator, args, span):
    if len(args) == 1 and isinstance(args[0].value, list):
        return args[0]
    return None


def _toset(evaluator, args, span):
    if len(args) != 1 or not isinstance(args[0].value, list):
        return None
    seen, items = set(), []
    for item in args[0].value:
        key = json.dumps(plain(item), sort_keys=True) if is_fully_known(item) else id(item)
        if key not in seen:
            seen.add(key)
            items.append(item)
    return Node(items, span)


def _values(evaluator, args, span):
    if len(args) == 1 and isinstance(args[0].value, dict):
        return Node([args[0].value[k] for k in sorted(args[0].value)], span)
    return None


def _templatefile(evaluator, args, span):
    """templatefile(path, vars): the file rendered as a template, `${...}` evaluated with vars."""
    if len(args) != 2 or not isinstance(args[1].value, dict):
        return None
    raw = _file(evaluator, args[:1], span)
    if raw is None:
        return None
    template = evaluator.for_template_file(raw.embedded)
    lines = raw.value.split("\n")
    node = template._render_heredoc(lines, 0, 0, None, dict(args[1].value))
    node.span = span
    return node


def _file(evaluator, args, span):
    """file() of a file inside the configuration's own directory tree."""
    if not args or not isinstance(args[0].value, str):
        return None
    # Terraform resolves relative paths from the module directory (path.module), which the
    # evaluator renders repo-relative; a bare name is relative to that directory too.
    module_dir = os.path.dirname(evaluator.source.path) or "."
    requested = os.path.normpath(args[0].value)
    if requested == module_dir or requested.startswith(os.path.normpath(module_dir) + os.sep) or module_dir == ".":
        path = requested
    else:
        path = os.path.normpath(os.path.join(module_dir, requested))
    root = evaluator.root or os.getcwd()
    full = os.path.realpath(os.path.join(root, path))
    if not full.startswith(os.path.realpath(root) + os.sep) or not os.path.isfile(full):
        return None
    if os.path.getsize(full) > MAX_FILE_BYTES:
        return None
    with open(full, encoding="utf-8", errors="strict") as handle:
        text = handle.read()
    evaluator.files_read.add(path.replace(os.sep, "/"))
    evaluator.inputs.add(path.replace(os.sep, "/"))  # whatever reads this value depends on the file
    node = Node(text, span, origin=[f"file {path}"])
    node.embedded = SourceFile(path.replace(os.sep, "/"), text)
    return node


def _replace(text: str, search: str, replacement: str) -> str:
    """Terraform's replace(): a search string wrapped in slashes is a regular expression."""
    if len(search) > 1 and search.startswith("/") and search.endswith("/"):
        from .. import saferegex

        replaced = saferegex.sub(search[1:-1], re.sub(r"\$\{?(\d+)\}?", r"\\\1", replacement), text)
        if replaced is None:
            raise ValueError("a regular expression RE2 (Terraform's engine) rejects")
        return replaced
    return text.replace(search, replacement)


def _one(evaluator, args, span):
    if len(args) == 1 and isinstance(args[0].value, list) and len(args[0].value) <= 1:
        return args[0].value[0] if args[0].value else Node(None, span)
    return None


def _coalescelist(evaluator, args, span):
    for arg in args:
        if not isinstance(arg.value, list):
            return None
        if arg.value:
            return arg
    return args[-1] if args else None


def _setunion(evaluator, args, span):
    merged = _concat(evaluator, args, span)
    return _toset(evaluator, [merged], span) if merged is not None else None


def _formatlist_rows(args: tuple) -> list[list]:
    """formatlist repeats a non-list argument on every row (it is not zipped character by
    character); lists must all have the same length."""
    lengths = {len(a) for a in args if isinstance(a, list)}
    if len(lengths) > 1:
        raise ValueError("formatlist: lists of different lengths")
    count = lengths.pop() if lengths else 1
    return [[a[i] if isinstance(a, list) else a for a in args] for i in range(count)]


def _same(evaluator, args, span):
    """sensitive(x), nonsensitive(x): the value itself (only its display is hidden)."""
    return args[0] if len(args) == 1 else None


def _base64decode(text: str) -> str:
    import base64

    return base64.b64decode(text.encode("ascii"), validate=True).decode("utf-8")


def _base64encode(text: str) -> str:
    import base64

    return base64.b64encode(text.encode("utf-8")).decode("ascii")


FUNCTIONS = {
    "sensitive": _same,
    "nonsensitive": _same,
    "base64decode": _pure(_base64decode),
    "base64encode": _pure(_base64encode),
    "format": _format,
    "join": _join,
    "concat": _concat,
    "flatten": _flatten,
    "merge": _merge,
    "jsonencode": _jsonencode,
    "jsondecode": _jsondecode,
    "lookup": _lookup,
    "element": _element,
    "coalesce": _coalesce,
    "try": _try,
    "tolist": _tolist,
    "toset": _toset,
    "distinct": _toset,
    "values": _values,
    "file": _file,
    "templatefile": _templatefile,
    "lower": _pure(lambda s: s.lower()),
    "upper": _pure(lambda s: s.upper()),
    "replace": _pure(_replace),
    "one": _one,
    "setunion": _setunion,
    "coalescelist": _coalescelist,
    "substr": _pure(lambda s, offset, length: s[offset:] if length < 0 else s[offset : offset + length]),
    "startswith": _pure(lambda s, p: s.startswith(p)),
    "trimspace": _pure(lambda s: s.strip()),
    "chomp": _pure(lambda s: s.rstrip("\r\n")),
    "trim": _pure(lambda s, chars: s.strip(chars)),
    "endswith": _pure(lambda s, p: s.endswith(p)),
    "trimprefix": _pure(lambda s, p: s.removeprefix(p)),
    "trimsuffix": _pure(lambda s, p: s.removesuffix(p)),
    "split": _pure(lambda sep, s: s.split(sep)),
    "keys": _pure(lambda m: sorted(m)),
    "length": _pure(len),
    "contains": _pure(lambda items, v: v in items),
    "tostring": _pure(lambda v: v if isinstance(v, str) else json.dumps(v)),
    "tonumber": _pure(lambda v: float(v) if "." in str(v) else int(v)),
    "formatlist": _pure(lambda spec, *args: [spec.replace("%s", "{}").format(*row) for row in _formatlist_rows(args)]),
    "compact": _pure(lambda items: [i for i in items if i not in ("", None)]),
}
