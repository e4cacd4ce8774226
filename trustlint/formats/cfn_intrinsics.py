"""CloudFormation intrinsic functions, resolved where the template itself decides the value:
parameter defaults, conditions built from them, mappings, Fn::Sub/Join/Select/Split/If, and
the AWS::LanguageExtensions additions (Fn::Length, Fn::ToJsonString, Fn::FindInMap's
DefaultValue, intrinsics inside Ref and Fn::GetAtt). Pseudo parameters, imports and resource
attributes stay Unknown or become Refs to the resource they name."""

from __future__ import annotations

import json

from ..errors import AnalysisError
from ..values import Node, Ref, Template, Unknown, at_use_site, text_of
from ..lazy_re import lazy

NO_VALUE = object()  # AWS::NoValue: the property is removed
_UNKNOWN = object()
_INTRINSICS = {
    "Ref", "Fn::Sub", "Fn::GetAtt", "Fn::Join", "Fn::If", "Fn::Select", "Fn::Split",
    "Fn::ImportValue", "Fn::FindInMap", "Fn::Base64", "Fn::GetAZs", "Fn::Cidr", "Condition",
    "Fn::ToJsonString", "Fn::Length", "Fn::Equals", "Fn::Not", "Fn::And", "Fn::Or", "Fn::Transform",
}
_SUB_VARIABLE = lazy(r"\$\{([^}]*)\}")
_MAX_DEPTH = 50


def intrinsic_call(node: Node) -> tuple[str, Node] | None:
    """('Fn::Sub', argument) for `{"Fn::Sub": x}` and for YAML's `!Sub x`."""
    if not isinstance(node.value, dict) or len(node.value) != 1:
        return None
    (key, argument), = node.value.items()
    if key.startswith("!"):
        name = key[1:]
        if name == "GetAtt" and isinstance(argument.value, str):
            parts = argument.value.split(".", 1)
            argument = Node([Node(p, argument.span) for p in parts], argument.span)
        key = name if name in ("Ref", "Condition") else f"Fn::{name}"
    return (key, argument) if key in _INTRINSICS else None


def depends_on_parameters(definition: Node | None, conditions: Node, depth: int = 0) -> bool:
    """Whether a condition's value can change with the parameters given at deploy time (a Ref, or
    a condition that has one); a condition of literals only is what it is."""
    if definition is None or depth > _MAX_DEPTH:
        return definition is not None
    intrinsic = intrinsic_call(definition)
    if intrinsic is not None:
        name, argument = intrinsic
        if name in ("Ref", "Fn::FindInMap", "Fn::ImportValue"):
            return True
        if name == "Condition":
            return depends_on_parameters(conditions.get(text_of(argument) or ""), conditions, depth + 1)
        return depends_on_parameters(argument, conditions, depth + 1)
    if isinstance(definition.value, dict):
        return any(depends_on_parameters(v, conditions, depth + 1) for v in definition.value.values())
    if isinstance(definition.value, list):
        return any(depends_on_parameters(v, conditions, depth + 1) for v in definition.value)
    return False


class Resolver:
    """Resolves intrinsic functions within one template."""

    def __init__(self, document: Node):
        self.parameters = document.get("Parameters")
        self.conditions = document.get("Conditions")
        self.mappings = document.get("Mappings")
        resources = document.get("Resources")
        self.resource_ids = set(resources.value) if resources is not None and isinstance(resources.value, dict) else set()
        self._condition_stack: set[str] = set()
        # Fn::If conditions a deployer can flip with a parameter: recorded while resolving, so a
        # role is judged with each branch; `assumptions` picks a branch by condition name.
        self.branch_points: dict[str, str] = {}
        self.assumptions: dict[str, bool] = {}

    def resolve(self, node: Node, depth: int = 0) -> Node:
        if depth > _MAX_DEPTH:
            raise AnalysisError("intrinsic functions nested too deeply", node.span)
        intrinsic = intrinsic_call(node)
        if intrinsic is not None:
            return self._call(intrinsic[0], intrinsic[1], node, depth)
        if isinstance(node.value, dict):
            items = {}
            for key, value in node.value.items():
                resolved = self.resolve(value, depth + 1)
                if resolved.value is not NO_VALUE:
                    resolved.key_span = value.key_span
                    items[key] = resolved
            return Node(items, node.span, node.key_span)
        if isinstance(node.value, list):
            items = [self.resolve(v, depth + 1) for v in node.value]
            return Node([i for i in items if i.value is not NO_VALUE], node.span, node.key_span)
        return node

    def _unknown(self, expr: str, node: Node, reason: str) -> Node:
        return Node(Unknown(expr, reason), node.span, node.key_span)

    def _call(self, name: str, arg: Node, node: Node, depth: int) -> Node:
        if name == "Ref":
            # AWS::LanguageExtensions lets Ref name what an intrinsic computes (!Ref {Fn::Sub: Oidc${Env}}).
            return self._ref(text_of(self.resolve(arg, depth + 1)) or "", node)
        if name == "Fn::GetAtt":
            parts = ([text_of(self.resolve(p, depth + 1)) or "" for p in arg.as_list()] if isinstance(arg.value, list)
                     else (text_of(arg) or "").split(".", 1))
            logical, attribute = (parts + [""])[:2]
            return Node(Ref(f"{logical}.{attribute}", "resource attribute", logical, attribute), node.span, node.key_span)
        if name == "Fn::Sub":
            return self._sub(arg, node, depth)
        if name == "Fn::Join":
            return self._join(arg, node, depth)
        if name == "Fn::If":
            return self._if(arg, node, depth)
        if name == "Fn::Select":
            return self._select(arg, node, depth)
        if name == "Fn::Split":
            return self._split(arg, node, depth)
        if name == "Fn::FindInMap":
            return self._find_in_map(arg, node, depth)
        if name == "Fn::Length":
            return self._length(arg, node, depth)
        if name == "Fn::ToJsonString":
            return self._to_json(arg, node, depth)
        return self._unknown(name, node, f"{name} is not evaluated statically")

    def _ref(self, name: str, node: Node) -> Node:
        if name == "AWS::NoValue":
            return Node(NO_VALUE, node.span)
        if name.startswith("AWS::"):
            return self._unknown(name, node, "pseudo parameter known at deploy time")
        parameter = self.parameters.get(name) if self.parameters is not None else None
        if parameter is not None:
            default = parameter.get("Default")
            if default is None:
                return self._unknown(name, node, "parameter without a default")
            # Located at the !Ref, not at the Default: the finding belongs to the resource.
            kind = text_of(parameter.get("Type")) or "String"
            value = default.value
            origin = [f"default of parameter {name}"]
            if isinstance(value, str) and ("List" in kind or "CommaDelimited" in kind):
                items = [Node(part.strip(), node.span) for part in value.split(",")]
                return Node(items, node.span, node.key_span, origin=origin)
            if isinstance(value, list):
                return Node([Node(i.value, node.span) for i in value], node.span, node.key_span, origin=origin)
            if not isinstance(value, (str, int)) or isinstance(value, bool):
                value = text_of(default)
            return Node(value, node.span, node.key_span, origin=origin)
        if name in self.resource_ids:
            return Node(Ref(name, "resource reference", name, "Ref"), node.span, node.key_span)
        return self._unknown(name, node, "unknown reference")

    def _sub(self, arg: Node, node: Node, depth: int) -> Node:
        variables: dict[str, Node] = {}
        text_node = arg
        if isinstance(arg.value, list) and arg.value:
            text_node = arg.value[0]
            if len(arg.value) > 1 and isinstance(arg.value[1].value, dict):
                variables = {k: self.resolve(v, depth + 1) for k, v in arg.value[1].items()}
        text = text_node.value
        if not isinstance(text, str):
            return self._unknown("Fn::Sub", node, "Fn::Sub of a non-string")
        parts: list = []
        position = 0
        for match in _SUB_VARIABLE.finditer(text):
            parts.append(text[position : match.start()])
            position = match.end()
            name = match.group(1).strip()
            if name.startswith("!"):
                parts.append("${" + name[1:] + "}")
                continue
            if name in variables:
                value = variables[name]
            elif "." in name:
                logical, attribute = name.split(".", 1)
                value = Node(Ref(name, "resource attribute", logical, attribute), node.span)
            else:
                value = self._ref(name, node)
            parts.extend(_parts_of(value, name))
        parts.append(text[position:])
        return _template(parts, node)

    def _join(self, arg: Node, node: Node, depth: int) -> Node:
        if not isinstance(arg.value, list) or len(arg.value) != 2:
            return self._unknown("Fn::Join", node, "malformed Fn::Join")
        delimiter = text_of(arg.value[0]) or ""
        items = self.resolve(arg.value[1], depth + 1)
        if not isinstance(items.value, list):
            return self._unknown("Fn::Join", node, "Fn::Join of an unknown list")
        parts: list = []
        for index, item in enumerate(items.value):
            if index:
                parts.append(delimiter)
            parts.extend(_parts_of(item, "Fn::Join"))
        return _template(parts, node)

    def _if(self, arg: Node, node: Node, depth: int) -> Node:
        if not isinstance(arg.value, list) or len(arg.value) != 3:
            return self._unknown("Fn::If", node, "malformed Fn::If")
        name = text_of(arg.value[0]) or ""
        verdict = self.assumptions.get(name)
        if verdict is None:
            verdict = self.condition(name, depth)
            if self.conditions is not None and depends_on_parameters(self.conditions.get(name), self.conditions):
                self.branch_points.setdefault(name, f"Condition {name}")
        if verdict is None:
            return self._unknown(f"Fn::If {text_of(arg.value[0])}", node, "condition not known statically")
        chosen = self.resolve(arg.value[1 if verdict else 2], depth + 1)
        if chosen.value is not NO_VALUE:
            chosen.key_span = node.key_span
        return chosen

    def _select(self, arg: Node, node: Node, depth: int) -> Node:
        if isinstance(arg.value, list) and len(arg.value) == 2:
            index = self.resolve(arg.value[0], depth + 1)
            items = self.resolve(arg.value[1], depth + 1)
            try:
                position = int(text_of(index) or "")
            except ValueError:
                position = -1
            if isinstance(items.value, list) and 0 <= position < len(items.value):
                return items.value[position]
        return self._unknown("Fn::Select", node, "Fn::Select of unknown values")

    def _split(self, arg: Node, node: Node, depth: int) -> Node:
        if isinstance(arg.value, list) and len(arg.value) == 2:
            delimiter = text_of(arg.value[0])
            value = self.resolve(arg.value[1], depth + 1)
            if delimiter and isinstance(value.value, str):
                return Node([Node(p, value.span) for p in value.value.split(delimiter)], node.span, node.key_span)
        return self._unknown("Fn::Split", node, "Fn::Split of an unknown value")

    def _find_in_map(self, arg: Node, node: Node, depth: int) -> Node:
        items = arg.value if isinstance(arg.value, list) else []
        default = _default_value(items[3]) if len(items) == 4 else None
        if len(items) not in (3, 4) or len(items) == 4 and default is None:
            return self._unknown("Fn::FindInMap", node, "malformed Fn::FindInMap")
        keys = [text_of(self.resolve(k, depth + 1)) for k in items[:3]]
        if any(key is None or "\u27e8" in key for key in keys):
            return self._unknown("Fn::FindInMap", node, "mapping keys not known statically")
        current = self.mappings
        for key in keys:
            current = current.get(key) if current is not None else None
        if current is not None:
            # Located at the call, like a parameter's default at its !Ref: the finding belongs
            # to the resource that reads the mapping.
            found = at_use_site(current, node.span, f"mapping {'/'.join(keys)}")
            found.key_span = node.key_span
            return found
        if default is not None:
            # AWS::LanguageExtensions: the DefaultValue when the keys name no entry.
            chosen = self.resolve(default, depth + 1)
            if chosen.value is not NO_VALUE:
                chosen.key_span = node.key_span
            return chosen
        return self._unknown("Fn::FindInMap", node, "no such mapping entry")

    def _length(self, arg: Node, node: Node, depth: int) -> Node:
        items = self.resolve(arg, depth + 1)
        if isinstance(items.value, list):
            return Node(len(items.value), node.span, node.key_span)
        return self._unknown("Fn::Length", node, "Fn::Length of an unknown list")

    def _to_json(self, arg: Node, node: Node, depth: int) -> Node:
        value = _plain(self.resolve(arg, depth + 1))
        if value is _UNKNOWN:
            return self._unknown("Fn::ToJsonString", node, "Fn::ToJsonString of values not known statically")
        return Node(json.dumps(value, separators=(",", ":")), node.span, node.key_span)

    def condition(self, name: str, depth: int = 0) -> bool | None:
        """Evaluate a named condition from parameter defaults; None when not decidable."""
        if self.conditions is None or name in self._condition_stack:
            return None
        definition = self.conditions.get(name)
        if definition is None:
            return None
        self._condition_stack.add(name)
        try:
            return self._truth(definition, depth)
        finally:
            self._condition_stack.discard(name)

    def _truth(self, node: Node, depth: int) -> bool | None:
        intrinsic = intrinsic_call(node)
        if intrinsic is None or depth > _MAX_DEPTH:
            return None
        name, arg = intrinsic
        items = arg.value if isinstance(arg.value, list) else []
        if name == "Condition":
            return self.condition(text_of(arg) or "", depth + 1)
        if name == "Fn::Equals" and len(items) == 2:
            left, right = (self.resolve(i, depth + 1) for i in items)
            if not (left.is_known and right.is_known) or isinstance(left.value, (dict, list)):
                return None
            return text_of(left) == text_of(right)
        if name == "Fn::Not" and len(items) == 1:
            inner = self._truth(items[0], depth + 1)
            return None if inner is None else not inner
        if name in ("Fn::And", "Fn::Or"):
            values = [self._truth(i, depth + 1) for i in items]
            if name == "Fn::And":
                return False if False in values else (None if None in values else True)
            return True if True in values else (None if None in values else False)
        return None


def _default_value(options: Node) -> Node | None:
    """The DefaultValue of Fn::FindInMap's fourth argument ({DefaultValue: x}), else None."""
    return options.get("DefaultValue") if isinstance(options.value, dict) and len(options.value) == 1 else None


def _plain(node: Node):
    """A resolved value as plain JSON data; _UNKNOWN when any part is not known statically."""
    value = node.value
    if isinstance(value, dict):
        items = {k: _plain(v) for k, v in value.items()}
        return _UNKNOWN if any(v is _UNKNOWN for v in items.values()) else items
    if isinstance(value, list):
        items = [_plain(v) for v in value]
        return _UNKNOWN if any(i is _UNKNOWN for i in items) else items
    return value if isinstance(value, (str, int, float, bool)) or value is None else _UNKNOWN


def _parts_of(value: Node, name: str) -> list:
    if isinstance(value.value, Template):
        return list(value.value.parts)
    if isinstance(value.value, Unknown):
        return [value.value]
    text = text_of(value)
    return [text] if text is not None else [Unknown(name, "not a string")]


def _template(parts: list, node: Node) -> Node:
    merged: list = []
    for part in parts:
        if isinstance(part, str):
            if not part:
                continue
            if merged and isinstance(merged[-1], str):
                merged[-1] += part
                continue
        merged.append(part)
    if all(isinstance(p, str) for p in merged):
        return Node("".join(merged), node.span, node.key_span)
    return Node(Template(tuple(merged)), node.span, node.key_span)
