"""Terraform (HCL) AWS resources: roles, trust policies, OIDC providers and access keys.

Files are read per module directory, because variables and locals used by a trust are
often declared in another file of the same directory.
"""

from __future__ import annotations

import posixpath

from ..aws import ProviderInput, RoleInput, build_role
from ..azure import build_trusts
from ..errors import AnalysisError
from ..model import Location, Problem, ScanModel, StaticCredential
from ..source import SourceFile
from ..values import Node, Ref, Template, Unknown, text_of
from .hcl import Block, parse_hcl, tree_span
from .terraform_eval import Evaluator, Module
from .terraform_azure import is_azure_resource, read_azure
from .terraform_gcp import is_gcp_resource, read_gcp

_ENV_TAG_KEYS = ("env", "environment", "stage", "tier", "account", "workspace")


def scan_module(sources: list[SourceFile], root: str) -> ScanModel:
    """Analyse the .tf files of one directory together."""
    model = ScanModel()
    blocks: list[Block] = []
    for source in sources:
        try:
            blocks.extend(parse_hcl(source))
        except AnalysisError as exc:
            model.problems.append(Problem(Location(source.path, exc.span), exc.message))
    if not blocks:
        return model
    module = Module(blocks)
    evaluator = Evaluator(module, blocks[0].source, root=root)
    providers = _providers(module, evaluator)
    fics: list = []
    for address, block in module.resources.items():
        ev = evaluator.with_source(block.source)
        if not_created(block, ev):
            continue
        try:
            if block.type == "resource" and block.labels[0] == "aws_iam_role":
                build_role(_role(address, block, ev, module), providers, model)
            elif block.type == "resource" and block.labels[0] == "aws_iam_access_key":
                model.credentials.append(_access_key(address, block, ev, module))
            elif block.type == "resource" and is_gcp_resource(block):
                read_gcp(address, block, ev, module, model)
            elif block.type == "resource" and is_azure_resource(block):
                read_azure(address, block, ev, module, fics, model.credentials)
        except AnalysisError as exc:
            model.problems.append(Problem(Location(block.source.path, exc.span), f"{address}: {exc.message}", address))
        except RecursionError:
            model.problems.append(Problem(Location(block.source.path, block.header), f"{address}: expression too deeply nested", address))
    if fics:
        build_trusts(fics, model)
    return model


def not_created(block: Block, ev: Evaluator) -> bool:
    """True when `count` is known to be 0 (e.g. `var.create ? 1 : 0` with create = false)."""
    count = ev.attribute(block, "count")
    return count is not None and count.value in (0, False) and not isinstance(count.value, float)


def _providers(module: Module, evaluator: Evaluator) -> dict[str, ProviderInput]:
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


def _role(address: str, block: Block, ev: Evaluator, module: Module) -> RoleInput:
    name = ev.attribute(block, "name") or ev.attribute(block, "name_prefix")
    policy = ev.attribute(block, "assume_role_policy")
    if policy is not None and isinstance(policy.value, Ref) and policy.value.address.startswith("data.aws_iam_policy_document."):
        document = module.resources.get(policy.value.address)
        if document is not None and policy.value.attribute in ("json", "minified_json"):
            policy = policy_document(document, ev.with_source(document.source), module)
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


def _tag_names(tags: Node | None) -> list[str]:
    if tags is None or not isinstance(tags.value, dict):
        return []
    return [text_of(v) or "" for k, v in tags.items() if k.lower() in _ENV_TAG_KEYS]


def _access_key(address: str, block: Block, ev: Evaluator, module: Module) -> StaticCredential:
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
    return Node({"Version": Node("2012-10-17", block.header), "Statement": Node(statements, block.span)}, block.span)


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
    for attr, key in (("sid", "Sid"), ("actions", "Action"), ("not_actions", "NotAction")):
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
        if key in operator.value and isinstance(operator.value[key].value, list) and isinstance(values.value, list):
            values = Node(operator.value[key].value + values.value, values.span, key_span=variable.span)
        operator.value[key] = values
    return Node(operators, block.span)
