"""`terraform show -json` output (a plan or a state): trust policies as Terraform resolved them.

Resources are read from `planned_values` (plans) or `values` (state), child modules
included, with their full addresses (`module.x.aws_iam_role.y["k"]`). Values are exact, so
nothing stays unknown that Terraform knew; findings point into the JSON document (Terraform's
JSON carries no configuration line numbers).
"""

from __future__ import annotations

from ..model import Location, ScanModel, StaticCredential
from ..resources import (
    GRANTING_ROLES,
    AwsRole,
    AzureCredentials,
    FicInput,
    GcpGrant,
    GcpProvider,
    ProviderInput,
    RoleInput,
    pool_keys_of_member,
)
from ..source import SourceFile, Span
from ..values import Node, text_of
from .azure import FIC_TYPES as _FIC_PARENTS
from .azure import SECRET_TYPES


def is_plan(document: Node) -> bool:
    return (isinstance(document.value, dict) and document.get("format_version") is not None
            and document.get("terraform_version") is not None
            and (document.get("planned_values") is not None or document.get("values") is not None))


def _resources(module: Node | None):
    if module is None or not isinstance(module.value, dict):
        return
    for resource in (module.get("resources") or Node([], module.span)).as_list():
        if isinstance(resource.value, dict) and text_of(resource.get("mode")) != "data":
            yield resource
    for child in (module.get("child_modules") or Node([], module.span)).as_list():
        yield from _resources(child)


def _header(resource: Node) -> Span:
    address = resource.get("address") or resource
    return address.span


def scan_plan(document: Node, source: SourceFile) -> ScanModel:
    model = ScanModel()
    values = document.get("planned_values") or document.get("values")
    resources = list(_resources(values.get("root_module") if values is not None else None))
    path = source.path
    providers: dict[str, ProviderInput] = {}
    for resource in resources:
        if text_of(resource.get("type")) == "aws_iam_openid_connect_provider":
            v = resource.get("values") or Node({}, resource.span)
            ids = v.get("client_id_list")
            providers[text_of(resource.get("address")) or ""] = ProviderInput(
                text_of(resource.get("address")) or "", text_of(v.get("url")), [text_of(i) or "" for i in ids.as_list()] if ids is not None else None,
                Location(path, _header(resource)), Location(path, ids.span) if ids is not None else None)
    fics = []
    for resource in resources:
        kind = text_of(resource.get("type")) or ""
        address = text_of(resource.get("address")) or kind
        v = resource.get("values")
        if v is None or not isinstance(v.value, dict):
            continue
        location = Location(path, _header(resource))
        if kind == "aws_iam_role":
            policy = v.get("assume_role_policy")
            if policy is not None and isinstance(policy.value, str) and policy.value:
                name = v.get("name")
                model.resources.append(AwsRole(RoleInput(address, kind, path, _header(resource), text_of(name), policy,
                                                         v.get("max_session_duration"), [address, text_of(name) or ""]),
                                               providers))
        elif kind == "aws_iam_access_key":
            model.credentials.append(StaticCredential("aws", address, kind, "aws-access-key", text_of(v.get("user")), location))
        elif kind == "google_service_account_key":
            model.credentials.append(StaticCredential("gcp", address, kind, "gcp-service-account-key",
                                                      text_of(v.get("service_account_id")), location))
        elif kind == "google_iam_workload_identity_pool_provider":
            model.gcp_providers.append(_gcp_provider(address, v, location))
        elif kind.startswith("google_") and kind.endswith(("_iam_member", "_iam_binding")):
            model.gcp_grants.extend(_gcp_grants(address, kind, v, location))
        elif kind.startswith("google_") and kind.endswith("_iam_policy"):
            model.gcp_grants.extend(_gcp_policy_grants(address, kind, v, location))
        elif kind in SECRET_TYPES:
            owner = next((text_of(v.get(k)) for k in ("application_id", "application_object_id", "service_principal_id")
                          if v.get(k) is not None), None)
            model.credentials.append(StaticCredential("azure", address, kind, SECRET_TYPES[kind], owner, location))
        elif kind in _FIC_PARENTS:
            fics.append(_fic(address, kind, v, location))
    if fics:
        model.resources.append(AzureCredentials(fics))
    return model


def _gcp_provider(address: str, v: Node, location: Location) -> GcpProvider:
    mapping = {k: (text_of(n) or "", n.span) for k, n in (v.get("attribute_mapping") or Node({}, location.span)).items()}
    condition = v.get("attribute_condition")
    oidc = next(iter((v.get("oidc") or Node([], location.span)).as_list()), None)
    issuer = oidc.get("issuer_uri") if oidc is not None and isinstance(oidc.value, dict) else None
    audiences = oidc.get("allowed_audiences") if oidc is not None and isinstance(oidc.value, dict) else None
    pool = text_of(v.get("workload_identity_pool_id")) or ""
    return GcpProvider(
        pool_keys={f"id:{pool}"}, address=address, resource_type="google_iam_workload_identity_pool_provider",
        location=location, issuer_url=text_of(issuer) if issuer is not None else None,
        issuer_location=Location(location.path, issuer.span) if issuer is not None else None, mapping=mapping,
        condition=(condition.value, condition.span) if condition is not None and isinstance(condition.value, str) and condition.value else None,
        audiences=[(text_of(a) or "", a.span) for a in audiences.as_list()] if audiences is not None and audiences.value else None,
        kind="oidc" if oidc is not None else "other",
        disabled=bool((v.get("disabled") or Node(False, location.span)).value),
    )


def _gcp_grants(address: str, kind: str, v: Node, location: Location, members_key: str = "") -> list[GcpGrant]:
    role = text_of(v.get("role")) or ""
    members = v.get(members_key or ("members" if kind.endswith("_binding") else "member"))
    sa_level = kind.startswith("google_service_account_iam")
    grants = []
    for member in members.as_list() if members is not None else []:
        text = text_of(member) or ""
        if "workloadIdentityPools/" not in text or (sa_level and role.lower() not in GRANTING_ROLES):
            continue
        account = (text_of(v.get("service_account_id")) or "").rsplit("/", 1)[-1].split("@")[0] or None
        grants.append(GcpGrant(text, member.span, pool_keys_of_member(text), role, address, kind, location,
                               account if sa_level else f"{role} on {address}", [address, account or ""]))
    return grants


def _gcp_policy_grants(address: str, kind: str, v: Node, location: Location) -> list[GcpGrant]:
    """An *_iam_policy's policy_data is a JSON string of bindings; each binding is a grant."""
    import json

    policy = v.get("policy_data")
    try:
        document = json.loads(policy.value) if policy is not None and isinstance(policy.value, str) else {}
    except ValueError:
        return []
    grants = []
    for binding in document.get("bindings", []) if isinstance(document, dict) else []:
        if not isinstance(binding, dict) or binding.get("condition"):
            continue  # conditional bindings are not modelled: unknown, no finding
        members = Node([Node(m, policy.span) for m in binding.get("members", []) if isinstance(m, str)], policy.span)
        grants.extend(_gcp_grants(address, kind, Node({"role": Node(binding.get("role", ""), policy.span), "members": members,
                                                         "service_account_id": v.get("service_account_id") or Node(None, policy.span)},
                                                        policy.span), location, members_key="members"))
    return grants


def _fic(address: str, kind: str, v: Node, location: Location) -> FicInput:
    parent_kind, parent_keys = _FIC_PARENTS[kind]
    parent = next((text_of(v.get(k)) for k in parent_keys if v.get(k) is not None), None) or address
    issuer, subject = v.get("issuer"), v.get("subject")
    audiences = v.get("audience") or v.get("audiences")
    expression = v.get("claims_matching_expression")
    if expression is not None and isinstance(expression.value, list):  # provider versions differ: string or [{value}]
        expression = next(iter(expression.value), None)
    if expression is not None and isinstance(expression.value, dict):
        expression = expression.value.get("value")
    return FicInput(
        address=address, resource_type=kind, location=location, parent=parent, parent_kind=parent_kind,
        issuer=text_of(issuer), issuer_span=issuer.span if issuer is not None else None,
        subject=text_of(subject), subject_span=subject.span if subject is not None else None,
        audiences=[(text_of(a) or "", a.span) for a in audiences.as_list()] if audiences is not None else [],
        expression=text_of(expression) if expression is not None else None,
        expression_span=expression.span if expression is not None else None,
        names=[address, parent.rsplit("/", 1)[-1]],
    )
