"""Terraform's AWS resources: OIDC providers, IAM roles with their trust policies (inline,
jsonencode or data.aws_iam_policy_document with source/override documents, dynamic blocks),
and access keys, as typed resources (resources.RoleInput, ProviderInput) for trust/aws.py."""

from __future__ import annotations

import posixpath

from ..errors import AnalysisError
from ..model import Location, StaticCredential
from ..resources import ProviderInput, RoleInput
from ..values import UNKNOWN_KEY, Node, Ref, Unknown, text_of
from .evaluator import Evaluator, Module
from .hcl import Block
from .instances import evaluated_instances

_ENV_TAG_KEYS = ("env", "environment", "stage", "tier", "account", "workspace")


def oidc_providers(module: Module, evaluator: Evaluator) -> dict[str, ProviderInput]:
    """The aws_iam_openid_connect_provider resources and data sources of a module, by address."""
    providers = {}
    for address, block in module.resources.items():
        kind = block.labels[0]
        if kind != "aws_iam_openid_connect_provider":
            continue
        ev = evaluator.with_source(block.source)
        url = ev.attribute(block, "url")
        location = Location(block.source.path, block.header)
        client_ids = None
        client_location = None
        if block.type == "resource":
            ids = ev.attribute(block, "client_id_list")
            if ids is not None and isinstance(ids.value, list):
                client_ids = [text_of(i) or "" for i in ids.value]
                client_location = Location(block.source.path, ids.span)
        url_text = text_of(url) if url is not None and url.is_known else None
        providers[address] = ProviderInput(address, url_text, client_ids, location, client_location)
    return providers


def read_role(address: str, block: Block, ev: Evaluator, module: Module) -> RoleInput:
    """An aws_iam_role with its trust policy, a data.aws_iam_policy_document assembled."""
    name = ev.attribute(block, "name") or ev.attribute(block, "name_prefix")
    policy = ev.attribute(block, "assume_role_policy")
    if policy is not None and isinstance(policy.value, Ref) and policy.value.address.startswith("data.aws_iam_policy_document."):
        document = module.resources.get(policy.value.address)
        if document is not None and policy.value.attribute in ("json", "minified_json"):
            document_ev = _picked_instance(document, policy.value.key, ev.with_source(document.source))
            if document_ev is None:
                policy = Node(Unknown(policy.value.expr, "the policy document instance it picks is not known statically"), policy.span)
            else:
                policy = policy_document(document, document_ev, module)
    names = [block.labels[1]]
    if name is not None:
        names.append(text_of(name) or "")
    names.extend(_tag_names(ev.attribute(block, "tags")))
    names.append(posixpath.dirname(block.source.path))
    return RoleInput(
        address=address,
        resource_type="aws_iam_role",
        path=block.source.path,
        header=block.header,
        name=text_of(name) if name is not None else None,
        policy=policy,
        max_session=ev.attribute(block, "max_session_duration"),
        names=[n for n in names if n],
    )


def _picked_instance(block: Block, key, ev: Evaluator) -> Evaluator | None:
    """The evaluator of the instance of a count/for_each data source that a reference picks
    (its own each/count, not the referring resource's); None when that is not known."""
    if "for_each" not in block.attributes and "count" not in block.attributes:
        return ev
    if key is None or key == UNKNOWN_KEY:
        return None
    wanted = f'["{key}"]' if isinstance(key, str) else f"[{key}]"
    try:
        instances = evaluated_instances(block, ev)
    except (AnalysisError, RecursionError):
        return None
    unexpanded = [suffix for suffix, _ in instances] == [""]  # count/for_each not known statically
    if unexpanded and isinstance(key, int) and "count" in block.attributes:
        # `count = var.x != null ? 1 : 0`: the instance asked for, if it exists
        return ev.with_instance({"count": Node({"index": Node(key, block.header)}, block.header)})
    if unexpanded and isinstance(key, str) and "for_each" in block.attributes:
        value = Node(Unknown("each.value", "for_each not known statically"), block.header)
        return ev.with_instance({"each": Node({"key": Node(key, block.header), "value": value}, block.header)})
    return next((instance for suffix, instance in instances if suffix == wanted), None)


def _tag_names(tags: Node | None) -> list[str]:
    if tags is None or not isinstance(tags.value, dict):
        return []
    return [text_of(v) or "" for k, v in tags.items() if k.lower() in _ENV_TAG_KEYS]


def read_access_key(address: str, block: Block, ev: Evaluator, module: Module) -> StaticCredential:
    """An aws_iam_access_key: a static credential."""
    user = ev.attribute(block, "user")
    if user is not None and isinstance(user.value, Ref) and user.value.attribute == "name":
        user_block = module.resources.get(user.value.address)
        if user_block is not None:
            user = ev.with_source(user_block.source).attribute(user_block, "name") or user
    return StaticCredential("aws", address, "aws_iam_access_key", "aws-access-key",
                            text_of(user) if user is not None else None,
                            Location(block.source.path, block.header))


# -- data "aws_iam_policy_document" -----------------------------------------------------------

def policy_document(block: Block, ev: Evaluator, module: Module, depth: int = 0) -> Node:
    """The JSON document a policy-document data source renders, as located Nodes."""
    statements: list[Node] = []
    if depth < 5:
        for attr in ("source_policy_documents", "source_json"):
            sources = ev.attribute(block, attr)
            for item in sources.as_list() if sources is not None else []:
                statements.extend(_statements_of(item, ev, module, depth))
    for child in block.blocks:
        if child.type == "statement":
            statements.append(_statement(child, ev))
        elif child.type == "dynamic" and child.labels[:1] == ["statement"]:
            statements.extend(_dynamic(child, ev, _statement))
    if depth < 5:
        overrides = ev.attribute(block, "override_policy_documents") or ev.attribute(block, "override_json")
        for item in overrides.as_list() if overrides is not None else []:
            for statement in _statements_of(item, ev, module, depth):
                _override(statements, statement)
    return Node({"Version": Node("2012-10-17", block.header), "Statement": Node(statements, block.span)}, block.span)


def _override(statements: list[Node], statement: Node) -> None:
    """override_policy_documents: a statement replaces the one with the same Sid, else it is added."""
    sid = text_of(statement.get("Sid")) if isinstance(statement.value, dict) else None
    for index, existing in enumerate(statements):
        if sid and isinstance(existing.value, dict) and text_of(existing.get("Sid")) == sid:
            statements[index] = statement
            return
    statements.append(statement)


def _statements_of(item: Node, ev: Evaluator, module: Module, depth: int) -> list[Node]:
    value = item.value
    if isinstance(value, Ref) and value.address in module.resources and value.attribute == "json":
        other = module.resources[value.address]
        document = policy_document(other, ev.with_source(other.source), module, depth + 1)
        return document.value["Statement"].value
    return [Node(Unknown(text_of(item) or "?", "statement from a document not in the scan"), item.span)]


def _dynamic(block: Block, ev: Evaluator, build, bindings: dict | None = None) -> list[Node]:
    """Expand a `dynamic` block whose for_each is known; otherwise one Unknown element."""
    iterator_attr = block.attributes.get("iterator")
    name = block.labels[0]
    if iterator_attr is not None:
        name = text_of(ev.eval(iterator_attr.expr)) or name
    for_each = block.attributes.get("for_each")
    collection = ev.eval(for_each.expr, bindings) if for_each is not None else None
    content = next((b for b in block.blocks if b.type == "content"), None)
    if content is None or collection is None or not isinstance(collection.value, (list, dict)):
        return [Node(Unknown(f"dynamic \"{name}\"", "for_each not known statically"), block.span)]
    pairs = collection.items() if isinstance(collection.value, dict) else [(str(i), v) for i, v in enumerate(collection.value)]
    out = []
    for key, value in pairs:
        iteration = Node({"key": Node(key, value.span), "value": value}, value.span)
        local = dict(bindings or {})
        local[name] = iteration
        out.append(build(content, ev, local))
    return out


def _attr(block: Block, name: str, ev: Evaluator, bindings: dict | None) -> Node | None:
    attr = block.attributes.get(name)
    return ev.eval(attr.expr, bindings) if attr is not None else None


def _statement(block: Block, ev: Evaluator, bindings: dict | None = None) -> Node:
    items: dict[str, Node] = {}
    effect = _attr(block, "effect", ev, bindings)
    items["Effect"] = effect if effect is not None else Node("Allow", block.header)
    for attr, key in (("sid", "Sid"), ("actions", "Action"), ("not_actions", "NotAction"), ("resources", "Resource"),
                      ("not_resources", "NotResource")):
        value = _attr(block, attr, ev, bindings)
        if value is not None:
            items[key] = value
    for kind, key in (("principals", "Principal"), ("not_principals", "NotPrincipal")):
        principal = _principals(block, kind, ev, bindings)
        if principal is not None:
            items[key] = principal
    items["Condition"] = _conditions(block, ev, bindings)
    return Node(items, block.span)


def _principals(block: Block, kind: str, ev: Evaluator, bindings) -> Node | None:
    entries: dict[str, Node] = {}
    children = [(c, bindings) for c in block.children(kind)]
    for dynamic in block.children("dynamic"):
        if dynamic.labels[:1] == [kind]:
            for expanded in _dynamic(dynamic, ev, lambda content, e, local: Node((content, local), content.span), bindings):
                if isinstance(expanded.value, tuple):
                    children.append(expanded.value)
    if not children:
        return None
    for child, local in children:
        type_node = _attr(child, "type", ev, local)
        identifiers = _attr(child, "identifiers", ev, local)
        kind_text = text_of(type_node) or "?"
        if kind_text == "*" and identifiers is not None and [text_of(i) for i in identifiers.as_list()] == ["*"]:
            return Node("*", identifiers.span)
        existing = entries.get(kind_text)
        values = identifiers.as_list() if identifiers is not None else []
        if existing is not None:
            values = existing.value + values
        entries[kind_text] = Node(values, identifiers.span if identifiers is not None else child.span)
    return Node(entries, block.span)


def _conditions(block: Block, ev: Evaluator, bindings) -> Node:
    operators: dict[str, Node] = {}
    children = [(c, bindings) for c in block.children("condition")]
    for dynamic in block.children("dynamic"):
        if dynamic.labels[:1] == ["condition"]:
            expanded = _dynamic(dynamic, ev, lambda content, e, local: Node((content, local), content.span), bindings)
            for item in expanded:
                if isinstance(item.value, tuple):
                    children.append(item.value)
                else:
                    # Unknown extra conditions: the statement cannot be judged, but the
                    # conditions written out (an aud check) are still seen.
                    operators["\u27e8dynamic\u27e9"] = item
    for child, local in children:
        test = _attr(child, "test", ev, local)
        variable = _attr(child, "variable", ev, local)
        values = _attr(child, "values", ev, local)
        if test is None or variable is None or values is None:
            continue
        if not isinstance(test.value, str):
            operators["\u27e8operator\u27e9"] = Node(Unknown(text_of(test) or "?", "condition operator not known statically"), child.span)
            continue
        operator = operators.setdefault(test.value, Node({}, child.span, key_span=test.span))
        key = text_of(variable) or "?"
        values.key_span = variable.span
        if key in operator.value:
            # The provider merges the values of two blocks with the same test and variable; one
            # block not known statically must not hide the other's known values (a wildcard).
            values = Node(operator.value[key].as_list() + values.as_list(), values.span, key_span=variable.span)
        operator.value[key] = values
    return Node(operators, block.span)
