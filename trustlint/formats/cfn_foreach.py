"""CloudFormation `Fn::ForEach` (the AWS::LanguageExtensions transform): the entries a loop
stamps out, each then judged like a hand-written one.

`"Fn::ForEach::Name": [Identifier, Collection, {OutputKey: OutputValue, ...}]` repeats its body
once per item of the collection, with `${Identifier}`, `&{Identifier}` (the item without its
non-alphanumeric characters) and `{"Ref": Identifier}` replaced by the item, in keys and values
alike. Loops nest (AWS accepts five levels) and stand in Resources and in any mapping of a
resource, its Properties included. The copies keep the body's spans: the body is written once,
so every instance points there.

A collection not known statically (a parameter without a default, an import) gives one instance
with the identifier Unknown, explained, never dropped. An ill-formed loop, or one past
MAX_INSTANCES, is a problem (TL000) at the loop.
"""

from __future__ import annotations

from typing import Callable

from ..errors import AnalysisError
from ..source import Span
from ..values import Node, Template, Unknown

PREFIX = "Fn::ForEach::"
MAX_NESTING = 5  # nested loops AWS accepts (RFC 0009 "up to 5"; SAM CLI's MAX_FOREACH_NESTING_DEPTH)
MAX_INSTANCES = 200  # entries one loop may stamp out: Terraform's count/for_each bound (terraform/instances.py)
# Values copied expanding one template: a large body in a long loop must stay cheap to read.
MAX_COPIES = 200_000
_REFS = ("Ref", "!Ref")
_SUBS = ("Fn::Sub", "!Sub")


class _TooLarge(Exception):
    """The template's loops copy more than MAX_COPIES values."""


class Expander:
    """Expands the loops of one template section; `problems` and `unknowns` say what it could
    not, as (span, message, address) and (span, expression, reason)."""

    def __init__(self, resolve: Callable[[Node], Node]):
        self.resolve = resolve  # the template's own intrinsic resolver (parameters, mappings)
        self.problems: list[tuple[Span, str, str]] = []
        self.unknowns: list[tuple[Span, str, str]] = []
        self._copies = MAX_COPIES
        self._forms: dict[int, tuple | None] = {}  # each loop's reading, by node: None when ill-formed
        self._reported: set[tuple] = set()

    def section(self, section: Node) -> Node:
        """A section (Resources) with every loop in it, or in its entries, expanded."""
        self._check(section, 0, "")
        out: dict[str, Node] = {}
        for key, value in section.items():
            if key.startswith(PREFIX):
                try:
                    entries = self._loop(key, value, {}, 1, key, logical=True) or []
                except _TooLarge:
                    self._problem(value, f"{key}: its loops copy more than {MAX_COPIES} values; "
                                         "what it stamps out is not analysed", key)
                    continue
            else:
                entries = [(key, self._bind_entry(key, value))]
            for name, entry in entries:
                self._put_resource(out, name, entry, key)
        return Node(out, section.span, section.key_span)

    def _put_resource(self, out: dict[str, Node], name: str, entry: Node, address: str) -> None:
        """A logical id written twice is rejected by AWS; both are judged, the risky one may
        be either."""
        if name in out:
            alias = next(f"{name}#{n}" for n in range(2, len(out) + 3) if f"{name}#{n}" not in out)
            self._problem(entry, f"{address}: logical id {name!r} is written twice (AWS rejects the template); both "
                                 f"are judged, the second as {alias!r}", address)
            name = alias
        out[name] = entry

    def _bind_entry(self, key: str, value: Node) -> Node:
        """A hand-written entry: copied only when a loop stands inside it (in its Properties)."""
        if not _has_loop(value):
            return value
        try:
            return self.bind(value, {}, 0, key)
        except _TooLarge:
            self._problem(value, f"{key}: its loops copy more than {MAX_COPIES} values; they are not expanded", key)
            return value

    def _check(self, node: Node, depth: int, address: str) -> None:
        """Every loop's shape and nesting, read once before any is expanded: a loop copied into
        many instances is reported once, and an ill-formed one costs nothing to skip."""
        if isinstance(node.value, list):
            for child in node.value:
                self._check(child, depth, address)
        for key, child in node.items():
            if not key.startswith(PREFIX):
                self._check(child, depth, address or key)
                continue
            form = self._forms[id(child)] = self._form(key, child, depth + 1, address or key)
            if form is not None:
                self._check(form[2], depth + 1, address or key)

    def _loop(self, key: str, node: Node, bindings: dict, depth: int, address: str,
              logical: bool = False) -> list[tuple[str, Node]] | None:
        """The entries one loop stamps out, in collection order; None when it cannot be read.
        `logical`: its output keys are logical ids (Resources), each the address of its entry."""
        self._charge()
        form = self._forms[id(node)] if id(node) in self._forms else self._form(key, node, depth, address)
        if form is None:
            return None
        identifier, collection, body = form
        items = self._items(key, identifier, collection, bindings, address)
        if items is None:
            return None
        entries: list[tuple[str, Node]] = []
        for item in items:
            inner = {**bindings, identifier: item}
            for out_key, value in body.items():
                if out_key.startswith(PREFIX):
                    entries.extend(self._loop(out_key, value, inner, depth + 1, address, logical) or [])
                else:
                    name = bound_key(out_key, inner, written=logical)
                    entries.append((name, self.bind(value, inner, depth, name if logical else address)))
                if len(entries) > MAX_INSTANCES:
                    self._problem(node, f"{key} stamps out more than {MAX_INSTANCES} entries; only the first "
                                        f"{MAX_INSTANCES} are analysed, from {entries[MAX_INSTANCES][0]!r} on they are not",
                                  address)
                    return entries[:MAX_INSTANCES]
        return entries

    def _form(self, key: str, node: Node, depth: int, address: str) -> tuple[str, Node, Node] | None:
        """(identifier, collection, body) of a well-formed loop, else a problem and None."""
        if depth > MAX_NESTING:
            self._problem(node, f"{key}: Fn::ForEach nested {depth} deep (AWS accepts {MAX_NESTING}); not expanded",
                          address)
            return None
        parts = node.value if isinstance(node.value, list) else None
        if parts is None or len(parts) != 3:
            count = f"{len(parts)} items" if parts is not None else "not a list"
            self._problem(node, f"{key}: Fn::ForEach takes [identifier, collection, {{output key: value}}] ({count}); "
                                "not expanded", address)
            return None
        identifier, collection, body = parts
        if not isinstance(identifier.value, str) or not identifier.value:
            self._problem(identifier, f"{key}: the loop identifier must be a non-empty string; not expanded", address)
            return None
        if not isinstance(body.value, dict):
            self._problem(body, f"{key}: the loop body must be a mapping of output keys; not expanded", address)
            return None
        return identifier.value, collection, body

    def _items(self, key: str, identifier: str, collection: Node, bindings: dict, address: str) -> list | None:
        """The collection's items as text (Unknown when not known statically), else a problem."""
        try:
            resolved = self.resolve(self.bind(collection, bindings, MAX_NESTING, address))
        except AnalysisError as exc:
            self._problem(collection, f"{key}: {exc.message}", address)
            return None
        if isinstance(resolved.value, (Unknown, Template)):
            return [self._symbolic(key, identifier, collection, _why(resolved))]
        if not isinstance(resolved.value, list):
            self._problem(collection, f"{key}: the collection is not a list; not expanded", address)
            return None
        items = []
        for item in resolved.value:
            text = _item_text(item)
            if text is None:
                self._problem(item, f"{key}: a collection item is not a string; not expanded", address)
                return None
            if isinstance(text, Unknown):
                text = self._symbolic(key, identifier, item, _why(item))
                if any(isinstance(i, Unknown) for i in items):
                    continue  # two unknown items are one unknown instance
            items.append(text)
        if not items and not isinstance(collection.value, list):
            # Empty with the template's defaults but one parameter away from instances: judged
            # as one instance with the identifier unknown, never skipped.
            return [self._symbolic(key, identifier, collection, "empty with the template's defaults")]
        return items

    def _symbolic(self, key: str, identifier: str, where: Node, why: str) -> Unknown:
        reason = f"{key}: collection not known statically ({why}); one instance is judged with {identifier} unknown"
        self.unknowns.append((where.span, identifier, reason))
        return Unknown(identifier, reason)

    def _charge(self) -> None:
        self._copies -= 1
        if self._copies < 0:
            raise _TooLarge()

    def bind(self, node: Node, bindings: dict, depth: int, address: str) -> Node:
        """A copy of `node` with the loop identifiers bound and the loops inside it expanded."""
        self._charge()
        value = node.value
        if isinstance(value, str):
            return bound_text(node, bindings) if bindings else node
        if isinstance(value, list):
            return Node([self.bind(v, bindings, depth, address) for v in value], node.span, node.key_span, node.origin)
        if not isinstance(value, dict):
            return node
        if len(value) == 1:
            (name, argument), = value.items()
            if name in _REFS and isinstance(argument.value, str) and argument.value in bindings:
                return Node(bindings[argument.value], node.span, node.key_span)
            if name in _SUBS and any(isinstance(v, Unknown) for v in bindings.values()):
                return self._bind_sub(name, argument, node, bindings, depth, address)
        return Node(self._bind_mapping(node, bindings, depth, address), node.span, node.key_span, node.origin)

    def _bind_mapping(self, node: Node, bindings: dict, depth: int, address: str) -> dict[str, Node]:
        items: dict[str, Node] = {}
        for key, child in node.items():
            if not key.startswith(PREFIX):
                self._put(items, bound_key(key, bindings, written=False), self.bind(child, bindings, depth, address),
                          address)
                continue
            entries = self._loop(key, child, bindings, depth + 1, address)
            if entries is None:
                # Kept, unknown: a condition block it would have written is unknown, never open.
                items[key] = Node(Unknown(key, "Fn::ForEach not expanded"), child.span, child.key_span)
            for name, entry in entries or []:
                self._put(items, name, entry, address)
        return items

    def _bind_sub(self, name: str, argument: Node, node: Node, bindings: dict, depth: int, address: str) -> Node:
        """Fn::Sub with an identifier not known statically: the identifier becomes one of its
        variables, so the known text around it stays known."""
        parts = argument.value if isinstance(argument.value, list) else [argument]
        text_node = parts[0] if parts else argument
        if not isinstance(text_node.value, str):
            return Node(self._bind_mapping(node, bindings, depth, address), node.span, node.key_span)
        known = {k: v for k, v in bindings.items() if not isinstance(v, Unknown)}
        text = bound_text(Node(text_node.value, text_node.span), known).value
        variables = self.bind(parts[1], bindings, depth, address) if len(parts) > 1 else Node({}, text_node.span)
        names = dict(variables.value) if isinstance(variables.value, dict) else {}
        for identifier, value in bindings.items():
            if isinstance(value, Unknown) and isinstance(text, str):
                text = text.replace("&{" + identifier + "}", "${" + identifier + "}")
                if "${" + identifier + "}" in text:
                    names.setdefault(identifier, Node(value, text_node.span))
        call = [Node(text, text_node.span, text_node.key_span), Node(names, variables.span, variables.key_span)]
        return Node({name: Node(call, argument.span, argument.key_span)}, node.span, node.key_span)

    def _put(self, out: dict[str, Node], name: str, entry: Node, address: str) -> None:
        if name in out:
            self._problem(entry, f"{address}: Fn::ForEach writes {name!r} twice in one mapping (AWS rejects the "
                                 "template); the second is not analysed", address)
            return
        out[name] = entry

    def _problem(self, node: Node, message: str, address: str) -> None:
        problem = (node.key_span or node.span, message, address)
        if problem not in self._reported:  # a loop inside a loop's body: once, not per instance
            self._reported.add(problem)
            self.problems.append(problem)


def _has_loop(node: Node) -> bool:
    value = node.value
    if isinstance(value, dict):
        return any(key.startswith(PREFIX) or _has_loop(child) for key, child in value.items())
    if isinstance(value, list):
        return any(_has_loop(child) for child in value)
    return False


def _item_text(item: Node) -> str | Unknown | None:
    value = item.value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return str(value)
    if isinstance(value, (Unknown, Template)):
        return Unknown("item")
    return None


def _why(node: Node) -> str:
    value = node.value
    if isinstance(value, Unknown):
        return f"{value.expr}: {value.reason}"
    if isinstance(value, Template):
        return next((f"{p.expr}: {p.reason}" for p in value.parts if isinstance(p, Unknown)), "not known statically")
    return "not known statically"


def alphanumeric(text: str) -> str:
    """An item as `&{Identifier}` writes it: without its non-alphanumeric characters."""
    return "".join(c for c in text if c.isascii() and c.isalnum())


def bound_key(key: str, bindings: dict, written: bool) -> str:
    """An output key with the identifiers bound. An unknown one stays as written in a logical
    id (the address reads `Role${Env}`), and is a placeholder elsewhere (it equals only itself)."""
    if "{" not in key:
        return key
    for identifier, value in bindings.items():
        if isinstance(value, Unknown):
            if not written:
                placeholder = value.placeholder()
                key = key.replace("${" + identifier + "}", placeholder).replace("&{" + identifier + "}", placeholder)
            continue
        key = key.replace("${" + identifier + "}", value).replace("&{" + identifier + "}", alphanumeric(value))
    return key


def bound_text(node: Node, bindings: dict) -> Node:
    """A string with `${Identifier}` and `&{Identifier}` bound; a Template when one is unknown."""
    text = node.value
    if "${" not in text and "&{" not in text:
        return node
    parts: list = [text]
    for identifier, value in bindings.items():
        parts = _replaced(parts, "${" + identifier + "}", value)
        parts = _replaced(parts, "&{" + identifier + "}", value if isinstance(value, Unknown) else alphanumeric(value))
    merged: list = []
    for part in parts:
        if isinstance(part, str) and merged and isinstance(merged[-1], str):
            merged[-1] += part
        elif part != "":
            merged.append(part)
    if all(isinstance(p, str) for p in merged):
        return Node("".join(merged), node.span, node.key_span, node.origin)
    return Node(Template(tuple(merged)), node.span, node.key_span, node.origin)


def _replaced(parts: list, marker: str, value: str | Unknown) -> list:
    out: list = []
    for part in parts:
        if not isinstance(part, str) or marker not in part:
            out.append(part)
            continue
        pieces = part.split(marker)
        for index, piece in enumerate(pieces):
            if index:
                out.append(value)
            out.append(piece)
    return out
