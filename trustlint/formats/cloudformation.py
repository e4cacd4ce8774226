"""CloudFormation and SAM templates (YAML short/long intrinsic forms, and JSON): roles, OIDC
providers, access keys and the policies attached to roles. Intrinsic functions are resolved
by cfn_intrinsics.py; Fn::ForEach loops are expanded first (cfn_foreach.py), so each resource
a loop stamps out is read like a written one."""

from __future__ import annotations

import itertools

import posixpath

from ..errors import AnalysisError
from ..model import Location, PrivilegeGrant, Problem, ScanModel, StaticCredential
from ..resources import AwsRole, ProviderInput, RoleInput
from ..source import SourceFile, Span
from ..values import Node, Ref, Template, text_of, without_places
from .cfn_foreach import PREFIX as _LOOP, Expander
from .cfn_intrinsics import Resolver, intrinsic_call

_ENV_TAG_KEYS = ("env", "environment", "stage", "tier", "account")


def is_template(document: Node) -> bool:
    resources = document.get("Resources")
    return resources is not None and isinstance(resources.value, dict) and any(
        isinstance(r.value, dict) and "Type" in r.value or key.startswith(_LOOP)
        for key, r in resources.value.items()
    )


def scan_template(document: Node, source: SourceFile) -> ScanModel:
    """Roles, OIDC providers and access keys of one CloudFormation template."""
    model = ScanModel()
    resolver = Resolver(document)
    resources = _expanded(document.get("Resources"), resolver, model, source)
    providers: dict[str, ProviderInput] = {}
    roles = []
    for logical_id, resource in resources.items():
        kind = text_of(resource.get("Type")) or ""
        header = _header(resource, source)
        try:
            condition = _condition_name(resource.get("Condition"), resolver)
            if condition and resolver.condition(condition) is False:
                # Not created with the template's defaults, but one parameter away: judged as
                # if created, and the finding names the condition that creates it.
                model.flags[logical_id] = f"Condition {condition} (false with the template's defaults)"
            properties = resolver.resolve(_json_documents(resource.get("Properties") or Node({}, resource.span)))
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


def _expanded(resources: Node, resolver: Resolver, model: ScanModel, source: SourceFile) -> Node:
    """Resources with their Fn::ForEach loops expanded; what a loop cannot say is TL000 at the
    loop, or explained when its collection is not known statically."""
    expander = Expander(resolver.resolve)
    expanded = expander.section(resources)
    for span, message, address in expander.problems:
        model.problems.append(Problem(Location(source.path, span), message, address))
    for span, expression, reason in expander.unknowns:
        model.unknowns.append((Location(source.path, span), expression, reason))
    resolver.resource_ids |= set(expanded.value)  # a Ref to a stamped-out resource names it
    return expanded


def _condition_name(node: Node | None, resolver: Resolver) -> str | None:
    """A resource's Condition: a name, or (AWS::LanguageExtensions) an intrinsic computing one."""
    if node is None or not isinstance(node.value, dict):
        return text_of(node)
    return text_of(resolver.resolve(node))


def _json_documents(properties: Node) -> Node:
    """IAM reads a policy document written as an object or as its JSON text alike: a document
    in Fn::ToJsonString is read as the object, so its findings keep their lines."""
    if not isinstance(properties.value, dict):
        return properties
    items = dict(properties.value)
    for name in ("AssumeRolePolicyDocument", "PolicyDocument"):
        document = items.get(name)
        call = intrinsic_call(document) if document is not None else None
        if call is not None and call[0] == "Fn::ToJsonString" and isinstance(call[1].value, dict):
            items[name] = Node(call[1].value, call[1].span, document.key_span)
    return Node(items, properties.span, properties.key_span)


# Fn::If conditions a role's properties depend on, read both ways: 2**3 readings at most; further
# ones take the template's defaults, and the finding says which were judged.
MAX_BRANCH_POINTS = 3


def _role_readings(logical_id: str, resource: Node, resolver: "Resolver", header: Span, source: SourceFile,
                   model: ScanModel) -> list:
    """The role as each branch of the Fn::If conditions in its properties makes it (one
    parameter away from the defaults, like a resource Condition): the risky branch is judged
    whatever the defaults choose. Without Fn::If, the one role the defaults make. The trust
    policy's and session's conditions are read both ways first (a RoleName's last); conditions
    met only inside a branch are found by reading it; past MAX_BRANCH_POINTS the rest take the
    template's defaults and are listed by --explain-unknowns."""
    written = _json_documents(resource.get("Properties") or Node({}, resource.span))
    relevant = _branch_points(resolver, Node({k: v for k, v in written.value.items() if k in _TRUST_PROPERTIES}, written.span)
                              if isinstance(written.value, dict) else written)
    everything = _branch_points(resolver, written)
    if not everything:
        return [_role(logical_id, resolver.resolve(written), header, source)]
    order = list(relevant) + [name for name in everything if name not in relevant]
    for _ in range(MAX_BRANCH_POINTS):  # nested Fn::If: met only when the outer one is decided
        found = set(order)
        for choice in itertools.product((True, False), repeat=min(len(order), MAX_BRANCH_POINTS)):
            found |= set(_branch_points(resolver, written, dict(zip(order, choice))))
        if found <= set(order):
            break
        order += sorted(found - set(order))
    points, rest = order[:MAX_BRANCH_POINTS], order[MAX_BRANCH_POINTS:]
    for name in rest:
        model.unknowns.append((Location(source.path, header), f"Condition {name}",
                               f"{logical_id}: Fn::If on a condition a parameter can flip, past the {MAX_BRANCH_POINTS} "
                               "read both ways: judged with the template's defaults"))
    readings = []
    for choice in itertools.product((True, False), repeat=len(points)):
        resolver.assumptions = dict(zip(points, choice))
        try:
            readings.append(_role(logical_id, resolver.resolve(written), header, source))
        finally:
            resolver.assumptions = {}
    if len({repr(without_places(reading)) for reading in readings}) == 1:
        return readings[:1]  # every branch makes the same role: nothing to say
    model.flags[f"branch:{logical_id}"] = (f"judged for each branch of {' and '.join(points)}, "
                                           "which parameters choose at deploy time")
    return readings


_TRUST_PROPERTIES = ("AssumeRolePolicyDocument", "MaxSessionDuration")


def _branch_points(resolver: "Resolver", node: Node, assumptions: dict | None = None) -> list[str]:
    """The Fn::If conditions a parameter can flip that resolving `node` meets."""
    resolver.branch_points.clear()
    resolver.assumptions = dict(assumptions or {})
    try:
        resolver.resolve(node)
    except AnalysisError:
        pass  # reported where the role itself is read
    finally:
        resolver.assumptions = {}
    return list(resolver.branch_points)


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
