"""Terraform GCP resources: workload identity pools and providers, the IAM grants to their
identities, and service account keys. Collected into the model's GCP halves for gcp.join."""

from __future__ import annotations

import posixpath

from ..model import Location, ScanModel, StaticCredential
from ..resources import GRANTING_ROLES, GcpGrant, GcpProvider, pool_keys_of_member
from ..values import Node, Ref, Template, text_of
from .evaluator import Evaluator, Module
from .hcl import Block

_SA_GRANTS = ("google_service_account_iam_member", "google_service_account_iam_binding", "google_service_account_iam_policy")


def is_gcp_resource(block: Block) -> bool:
    kind = block.labels[0] if block.labels else ""
    return kind.startswith("google_") and (
        kind in ("google_iam_workload_identity_pool_provider", "google_service_account_key")
        or kind.endswith(("_iam_member", "_iam_binding", "_iam_policy"))
    )


def read_gcp(address: str, block: Block, ev: Evaluator, module: Module, model: ScanModel) -> None:
    kind = block.labels[0]
    scope = posixpath.dirname(block.source.path)
    if kind == "google_iam_workload_identity_pool_provider":
        why: list[str] = []
        provider = _provider(address, block, ev, module, scope, why)
        if provider is not None:
            model.gcp_providers.append(provider)
            if provider.kind != "oidc":
                why.append(f"a {provider.kind.upper()} pool provider: who it admits is not judged yet")
        for reason in why:  # never dropped or narrowed silently: --explain-unknowns lists it
            model.unknowns.append((Location(block.source.path, block.header), address, reason))
    elif kind == "google_service_account_key":
        account = ev.attribute(block, "service_account_id")
        model.credentials.append(StaticCredential("gcp", address, kind, "gcp-service-account-key",
                                                  _account_name(account, ev, module), Location(block.source.path, block.header)))
    else:
        model.gcp_grants.extend(_grants(address, block, ev, module, scope))


def _provider(address: str, block: Block, ev: Evaluator, module: Module, scope: str, why: list) -> GcpProvider | None:
    pool = ev.attribute(block, "workload_identity_pool_id")
    keys = set()
    if pool is not None and isinstance(pool.value, Ref):
        keys.add(f"tf:{scope}:{pool.value.address}")
        pool_block = module.resources.get(pool.value.address)
        pool_id = ev.with_source(pool_block.source).attribute(pool_block, "workload_identity_pool_id") if pool_block else None
        if pool_id is not None and isinstance(pool_id.value, str):
            keys.add(f"id:{pool_id.value}")
    elif pool is not None and isinstance(pool.value, str):
        keys.add(f"id:{pool.value}")
        for other, other_block in module.resources.items():
            if other.startswith("google_iam_workload_identity_pool.") and text_of(ev.attribute(other_block, "workload_identity_pool_id")) == pool.value:
                keys.add(f"tf:{scope}:{other}")
    if not keys:
        why.append("its pool is not known statically: no grant can be joined to it; not judged")
        return None
    mapping_node = ev.attribute(block, "attribute_mapping")
    condition = ev.attribute(block, "attribute_condition")
    from_variable = condition is not None and any(str(o).startswith("default of var.") for o in condition.origin)
    if condition is not None and condition.value is None:
        condition = None  # `attribute_condition = null`: no condition at all
    if condition is not None and isinstance(condition.value, Template):
        # The known parts of the condition stay known; what a variable gives only ever
        # equals itself (never a wildcard).
        why.append(f"attribute_condition is partly not known statically ({condition.value.render()}); "
                   "judged with the unknown parts equal only to themselves")
        condition = Node(condition.value.render(), condition.span)
    if (mapping_node is not None and not isinstance(mapping_node.value, dict)) or (
        condition is not None and not isinstance(condition.value, str)
    ):
        why.append("attribute_mapping or attribute_condition is not known statically; not judged")
        return None
    mapping = {}
    for target, node in (mapping_node.items() if mapping_node is not None else []):
        if not isinstance(node.value, str):
            why.append(f"attribute_mapping[{target!r}] is not known statically; not judged")
            return None
        mapping[target] = (node.value, node.span)
    oidc = next(iter(block.children("oidc")), None)
    kind = "oidc" if oidc is not None else next((k for k in ("aws", "saml", "x509") if block.children(k)), "oidc")
    issuer = audiences = None
    issuer_location = None
    if oidc is not None:
        issuer_node = ev.attribute(oidc, "issuer_uri")
        issuer = text_of(issuer_node) if issuer_node is not None and issuer_node.is_known else None
        issuer_location = Location(block.source.path, issuer_node.span) if issuer_node is not None else None
        audience_node = ev.attribute(oidc, "allowed_audiences")
        if audience_node is not None and isinstance(audience_node.value, list):
            audiences = [(text_of(a) or "", a.span) for a in audience_node.value]
    disabled = ev.attribute(block, "disabled")
    return GcpProvider(
        pool_keys=keys,
        address=address,
        resource_type=block.labels[0],
        location=Location(block.source.path, block.header),
        issuer_url=issuer,
        issuer_location=issuer_location,
        mapping=mapping,
        condition=(condition.value, condition.span) if condition is not None else None,
        audiences=audiences,
        kind=kind,
        disabled=disabled is not None and disabled.value is True,
        condition_from_variable=from_variable,
    )


def _members(block: Block, ev: Evaluator, module: Module) -> list[tuple[str, Node, Block]]:
    """(role, member node, block) pairs of an *_iam_member / *_iam_binding / *_iam_policy."""
    kind = block.labels[0]
    if kind.endswith("_iam_policy"):
        policy = ev.attribute(block, "policy_data")
        if policy is not None and isinstance(policy.value, (str, dict)):
            return _literal_policy(policy, block)  # a literal or jsonencode() policy document
        if policy is None or not isinstance(policy.value, Ref) or not policy.value.address.startswith("data.google_iam_policy."):
            return []
        data = module.resources.get(policy.value.address)
        if data is None:
            return []
        pairs = []
        for binding in data.children("binding"):
            data_ev = ev.with_source(data.source)
            role = data_ev.attribute(binding, "role")
            members = data_ev.attribute(binding, "members")
            for member in members.as_list() if members is not None and isinstance(members.value, list) else []:
                pairs.append((text_of(role) or "", member, data))
        return pairs
    role = text_of(ev.attribute(block, "role")) or ""
    if kind.endswith("_iam_member"):
        member = ev.attribute(block, "member")
        return [(role, member, block)] if member is not None else []
    members = ev.attribute(block, "members")
    return [(role, m, block) for m in (members.as_list() if members is not None and isinstance(members.value, list) else [])]


def _literal_policy(policy: Node, block: Block) -> list[tuple[str, Node, Block]]:
    """(role, member, block) of a policy_data written as JSON text or as jsonencode() of an
    object (kept as located values when part of it is not known statically)."""
    import json

    if isinstance(policy.value, str):
        try:
            document = json.loads(policy.value)
        except (ValueError, RecursionError):
            return []
        bindings = document.get("bindings") if isinstance(document, dict) else None
        return [(str(b.get("role", "")), Node(m, policy.span), block)
                for b in bindings if isinstance(bindings, list) and isinstance(b, dict)
                for m in b.get("members") or [] if isinstance(m, str)] if isinstance(bindings, list) else []
    bindings = policy.get("bindings")
    pairs = []
    for binding in bindings.as_list() if bindings is not None and isinstance(bindings.value, list) else []:
        if not isinstance(binding.value, dict):
            continue
        members = binding.get("members")
        for member in members.as_list() if members is not None and isinstance(members.value, list) else []:
            pairs.append((text_of(binding.get("role")) or "", member, block))
    return pairs


def _grants(address: str, block: Block, ev: Evaluator, module: Module, scope: str) -> list[GcpGrant]:
    kind = block.labels[0]
    grants = []
    account = _account_name(ev.attribute(block, "service_account_id"), ev, module) if kind in _SA_GRANTS else None
    for role, member, origin in _members(block, ev, module):
        text = text_of(member) or ""
        if "iam.googleapis.com/" not in text:
            continue
        if kind in _SA_GRANTS and role.lower() not in GRANTING_ROLES:
            continue
        names = [block.labels[1], account or "", posixpath.dirname(block.source.path)]
        grants.append(GcpGrant(
            member=text,
            member_span=member.span,
            pool_keys=pool_keys_of_member(text, scope),
            role=role,
            address=address,
            resource_type=kind,
            location=Location(block.source.path, block.header),
            principal_name=account if kind in _SA_GRANTS else f"{role} on {address}",
            names=[n for n in names if n],
            member_path=origin.source.path,
        ))
    return grants


def _account_name(node: Node | None, ev: Evaluator, module: Module) -> str | None:
    """The service account a grant or key is for: its account_id when it is in the scan."""
    if node is None:
        return None
    if isinstance(node.value, Ref):
        block = module.resources.get(node.value.address)
        if block is not None:
            account = ev.with_source(block.source).attribute(block, "account_id")
            if account is not None and account.is_known:
                return text_of(account)
        return node.value.address
    text = text_of(node) or ""
    return text.rsplit("/", 1)[-1].split("@")[0] or None
