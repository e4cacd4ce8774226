"""CloudFormation and SAM templates (YAML short/long intrinsic forms, and JSON).

Intrinsics are resolved where the template itself decides the value: parameter defaults,
conditions built from them, mappings, Fn::Sub/Join/Select/Split/If. Pseudo parameters,
imports and resource attributes stay Unknown or become Refs to the resource they name.
"""

from __future__ import annotations

import itertools

import posixpath
import re

from ..errors import AnalysisError
from ..model import Location, PrivilegeGrant, Problem, ScanModel, StaticCredential
from ..resources import AwsRole, ProviderInput, RoleInput
from ..source import SourceFile, Span
from ..values import Node, Ref, Template, Unknown, text_of

_NO_VALUE = object()
_INTRINSICS = {
    "Ref", "Fn::Sub", "Fn::GetAtt", "Fn::Join", "Fn::If", "Fn::Select", "Fn::Split",
    "Fn::ImportValue", "Fn::FindInMap", "Fn::Base64", "Fn::GetAZs", "Fn::Cidr", "Condition",
    "Fn::ToJsonString", "Fn::Length", "Fn::Equals", "Fn::Not", "Fn::And", "Fn::Or", "Fn::Transform",
}
_SUB_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_ENV_TAG_KEYS = ("env", "environment", "stage", "tier", "account")
_MAX_DEPTH = 50


def is_template(document: Node) -> bool:
    resources = document.get("Resources")
    return resources is not None and isinstance(resources.value, dict) and any(
        isinstance(r.value, dict) and "Type" in r.value or key.startswith("Fn::ForEach::")
        for key, r in resources.value.items()
    )


def _intrinsic(node: Node) -> tuple[str, Node] | None:
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
        intrinsic = _intrinsic(node)
        if intrinsic is not None:
            return self._call(intrinsic[0], intrinsic[1], node, depth)
        if isinstance(node.value, dict):
            items = {}
            for key, value in node.value.items():
                resolved = self.resolve(value, depth + 1)
                if resolved.value is not _NO_VALUE:
                    resolved.key_span = value.key_span
                    items[key] = resolved
            return Node(items, node.span, node.key_span)
        if isinstance(node.value, list):
            items = [self.resolve(v, depth + 1) for v in node.value]
            return Node([i for i in items if i.value is not _NO_VALUE], node.span, node.key_span)
        return node

    def _unknown(self, expr: str, node: Node, reason: str) -> Node:
        return Node(Unknown(expr, reason), node.span, node.key_span)

    def _call(self, name: str, arg: Node, node: Node, depth: int) -> Node:
        if name == "Ref":
            return self._ref(text_of(arg) or "", node)
        if name == "Fn::GetAtt":
            parts = [text_of(p) or "" for p in arg.as_list()] if isinstance(arg.value, list) else (text_of(arg) or "").split(".", 1)
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
        return self._unknown(name, node, f"{name} is not evaluated statically")

    def _ref(self, name: str, node: Node) -> Node:
        if name == "AWS::NoValue":
            return Node(_NO_VALUE, node.span)
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
            if self.conditions is not None and _depends_on_parameters(self.conditions.get(name), self.conditions):
                self.branch_points.setdefault(name, f"Condition {name}")
        if verdict is None:
            return self._unknown(f"Fn::If {text_of(arg.value[0])}", node, "condition not known statically")
        chosen = self.resolve(arg.value[1 if verdict else 2], depth + 1)
        if chosen.value is not _NO_VALUE:
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
        if self.mappings is not None and isinstance(arg.value, list) and len(arg.value) == 3:
            keys = [text_of(self.resolve(k, depth + 1)) for k in arg.value]
            current = self.mappings
            for key in keys:
                current = current.get(key) if current is not None and key is not None and "\u27e8" not in key else None
            if current is not None:
                return current
        return self._unknown("Fn::FindInMap", node, "mapping keys not known statically")

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
        intrinsic = _intrinsic(node)
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


def scan_template(document: Node, source: SourceFile) -> ScanModel:
    """Roles, OIDC providers and access keys of one CloudFormation template."""
    model = ScanModel()
    resolver = Resolver(document)
    resources = document.get("Resources")
    providers: dict[str, ProviderInput] = {}
    roles = []
    for logical_id, resource in resources.items():
        if logical_id.startswith("Fn::ForEach::"):
            # AWS::LanguageExtensions: the resources a loop stamps out are not expanded yet. A
            # loop over roles, keys or providers is TL000, never skipped silently.
            if any(word in source.line_text(n) for n in range(resource.span.line, resource.span.end_line + 1)
                   for word in ("AWS::IAM::", "OIDCProvider")):
                model.problems.append(Problem(Location(source.path, _header(resource, source)),
                                              f"{logical_id}: Fn::ForEach (AWS::LanguageExtensions) is not expanded yet; "
                                              "the IAM resources it creates are not judged", logical_id))
            continue
        kind = text_of(resource.get("Type")) or ""
        header = _header(resource, source)
        try:
            condition = text_of(resource.get("Condition"))
            if condition and resolver.condition(condition) is False:
                # Not created with the template's defaults, but one parameter away: judged as
                # if created, and the finding names the condition that creates it.
                model.flags[logical_id] = f"Condition {condition} (false with the template's defaults)"
            properties = resolver.resolve(resource.get("Properties") or Node({}, resource.span))
            if kind == "AWS::IAM::OIDCProvider" or kind == "Custom::AWSCDKOpenIdConnectProvider":
                providers[logical_id] = _provider(logical_id, properties, header, source)
            elif kind == "AWS::IAM::Role":
                roles.extend(_role_readings(logical_id, resource, resolver, header, source, model))
                model.grants.extend(_scoped(_role_grants(logical_id, properties, resources, resolver,
                                                         Location(source.path, header)), source.path))
            elif kind in ("AWS::IAM::ManagedPolicy", "AWS::IAM::Policy", "AWS::IAM::RolePolicy"):
                model.grants.extend(_scoped(_policy_grants(logical_id, kind, properties, Location(source.path, header)),
                                            source.path))
            elif kind == "AWS::IAM::AccessKey":
                user = properties.get("UserName")
                if user is not None and isinstance(user.value, Ref) and user.value.attribute == "Ref":
                    target = resources.get(user.value.address)
                    named = target.get("Properties").get("UserName") if target is not None and target.get("Properties") is not None else None
                    user = resolver.resolve(named) if named is not None else Node(user.value.address, user.span)
                model.credentials.append(StaticCredential("aws", logical_id, kind, "aws-access-key",
                                                          text_of(user) if user is not None else None,
                                                          Location(source.path, header)))
        except AnalysisError as exc:
            model.problems.append(Problem(Location(source.path, exc.span), f"{logical_id}: {exc.message}", logical_id))
    for role in roles:
        model.resources.append(AwsRole(role, providers))
    return model


def _depends_on_parameters(definition: Node | None, conditions: Node, depth: int = 0) -> bool:
    """Whether a condition's value can change with the parameters given at deploy time (a Ref, or
    a condition that has one); a condition of literals only is what it is."""
    if definition is None or depth > _MAX_DEPTH:
        return definition is not None
    intrinsic = _intrinsic(definition)
    if intrinsic is not None:
        name, argument = intrinsic
        if name in ("Ref", "Fn::FindInMap", "Fn::ImportValue"):
            return True
        if name == "Condition":
            return _depends_on_parameters(conditions.get(text_of(argument) or ""), conditions, depth + 1)
        return _depends_on_parameters(argument, conditions, depth + 1)
    if isinstance(definition.value, dict):
        return any(_depends_on_parameters(v, conditions, depth + 1) for v in definition.value.values())
    if isinstance(definition.value, list):
        return any(_depends_on_parameters(v, conditions, depth + 1) for v in definition.value)
    return False


# Fn::If conditions a role's properties depend on, read both ways: 2**3 readings at most; further
# ones take the template's defaults, and the finding says which were judged.
MAX_BRANCH_POINTS = 3


def _role_readings(logical_id: str, resource: Node, resolver: "Resolver", header: Span, source: SourceFile,
                   model: ScanModel) -> list:
    """The role as each branch of the Fn::If conditions in its properties makes it (one
    parameter away from the defaults, like a resource Condition): the risky branch is judged
    whatever the defaults choose. Without Fn::If, the one role the defaults make."""
    resolver.branch_points.clear()
    written = resource.get("Properties") or Node({}, resource.span)
    default = _role(logical_id, resolver.resolve(written), header, source)
    points = list(resolver.branch_points)[:MAX_BRANCH_POINTS]
    if not points:
        return [default]
    readings = []
    for choice in itertools.product((True, False), repeat=len(points)):
        resolver.assumptions = dict(zip(points, choice))
        try:
            readings.append(_role(logical_id, resolver.resolve(written), header, source))
        finally:
            resolver.assumptions = {}
    model.flags[f"branch:{logical_id}"] = (f"judged for each branch of {' and '.join(points)}, "
                                           "which parameters choose at deploy time")
    return readings


def _scoped(grants: list[PrivilegeGrant], path: str) -> list[PrivilegeGrant]:
    for grant in grants:
        grant.scope = path  # logical ids and names mean this template's resources
    return grants


def _role_keys(node: Node | None) -> list[str]:
    """Join keys for the role a value names: a Ref to its logical id, or its RoleName."""
    if node is None:
        return []
    if isinstance(node.value, Ref):
        return [f"address:{node.value.address}"] if node.value.attribute in ("Ref", "Arn") else []
    text = text_of(node) if node.is_known else None
    return [f"name:{text.rsplit('/', 1)[-1]}"] if text else []


def _role_grants(logical_id: str, properties: Node, resources: Node, resolver: "Resolver",
                 location: Location) -> list[PrivilegeGrant]:
    """What a role may do: ManagedPolicyArns (AWS managed by ARN, the template's own by Ref) and Policies."""
    keys = [f"address:{logical_id}"]
    grants = []
    arns = properties.get("ManagedPolicyArns")
    for arn in arns.as_list() if arns is not None and isinstance(arns.value, list) else []:
        if isinstance(arn.value, Ref) and resources.get(arn.value.address) is not None:
            target = resources.get(arn.value.address)
            props = target.get("Properties")
            document = resolver.resolve(props.get("PolicyDocument")) if props is not None and props.get("PolicyDocument") is not None else None
            grants.append(PrivilegeGrant("aws", keys, f"customer managed policy {arn.value.address}", location, logical_id,
                                         document))
        else:
            grants.append(PrivilegeGrant("aws", keys, text_of(arn) or "unknown policy", location, logical_id))
    policies = properties.get("Policies")
    for policy in policies.as_list() if policies is not None and isinstance(policies.value, list) else []:
        name = text_of(policy.get("PolicyName")) or ""
        grants.append(PrivilegeGrant("aws", keys, f"inline policy {name}".strip(), location, logical_id,
                                     policy.get("PolicyDocument")))
    return grants


def _policy_grants(logical_id: str, kind: str, properties: Node, location: Location) -> list[PrivilegeGrant]:
    """A policy resource attached to roles (Roles: [!Ref Role], or RoleName)."""
    roles = properties.get("Roles")
    targets = roles.as_list() if roles is not None and isinstance(roles.value, list) else []
    if properties.get("RoleName") is not None:
        targets.append(properties.get("RoleName"))
    keys = [k for target in targets for k in _role_keys(target)]
    if not keys:
        return []
    what = f"customer managed policy {logical_id}" if kind == "AWS::IAM::ManagedPolicy" else f"inline policy {logical_id}"
    return [PrivilegeGrant("aws", keys, what, location, logical_id, properties.get("PolicyDocument"))]


def _header(resource: Node, source: SourceFile) -> Span:
    key = resource.key_span or resource.span
    return Span(key.line, key.column, key.line, len(source.line_text(key.line)) + 1)


def _provider(logical_id: str, properties: Node, header: Span, source: SourceFile) -> ProviderInput:
    url = properties.get("Url")
    ids = properties.get("ClientIdList") or properties.get("ClientIDList") or properties.get("ClientIDs")
    client_ids = None
    if ids is not None and isinstance(ids.value, list):
        client_ids = [text_of(i) or "" for i in ids.value]
    return ProviderInput(
        logical_id,
        text_of(url) if url is not None and url.is_known else None,
        client_ids,
        Location(source.path, header),
        Location(source.path, ids.span) if ids is not None else None,
    )


def _role(logical_id: str, properties: Node, header: Span, source: SourceFile) -> RoleInput:
    policy = properties.get("AssumeRolePolicyDocument")
    if policy is not None and isinstance(policy.value, Template):
        policy = Node(policy.value.render(), policy.span)  # a JSON document written in Fn::Sub
    name = properties.get("RoleName")
    names = [logical_id, text_of(name) or "" if name is not None else "", posixpath.dirname(source.path)]
    tags = properties.get("Tags")
    for tag in tags.as_list() if tags is not None and isinstance(tags.value, list) else []:
        key = text_of(tag.get("Key")) or ""
        if key.lower() in _ENV_TAG_KEYS:
            names.append(text_of(tag.get("Value")) or "")
    return RoleInput(
        address=logical_id,
        resource_type="AWS::IAM::Role",
        path=source.path,
        header=header,
        name=text_of(name) if name is not None else None,
        policy=policy,
        max_session=properties.get("MaxSessionDuration"),
        names=[n for n in names if n],
    )


def scan_policy_file(document: Node, source: SourceFile) -> ScanModel:
    """A bare IAM trust policy JSON document (as passed to `aws iam create-role`)."""
    model = ScanModel()
    name = posixpath.basename(source.path)
    role = RoleInput(
        address=name,
        resource_type="iam-trust-policy",
        path=source.path,
        header=Span(document.span.line, document.span.column, document.span.line, document.span.column + 1),
        name=None,
        policy=document,
        names=[name, posixpath.dirname(source.path)],
    )
    model.resources.append(AwsRole(role, {}))
    return model


def is_trust_policy(document: Node) -> bool:
    """A JSON document that looks like an IAM trust policy: statements with Principals."""
    if not isinstance(document.value, dict):
        return False
    keys = {k.lower(): v for k, v in document.value.items()}
    statements = keys.get("statement")
    if statements is None:
        return False
    return any(isinstance(s.value, dict) and {"principal", "notprincipal"} & {k.lower() for k in s.value}
               for s in statements.as_list())
