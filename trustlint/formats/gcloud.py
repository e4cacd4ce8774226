"""gcloud exports: `gcloud iam workload-identity-pools providers describe`, `gcloud …
get-iam-policy` (YAML or JSON), and external-account credential configuration files."""

from __future__ import annotations

import posixpath
import re

from ..model import Lifetime, Location, ScanModel
from ..resources import GRANTING_ROLES, GcpGrant, GcpProvider, pool_keys_of_member
from ..source import SourceFile, Span
from ..values import Node, text_of
from ..lazy_re import lazy

_PROVIDER_NAME = lazy(r"workloadIdentityPools/(?P<pool>[^/]+)/providers/(?P<provider>[^/]+)$")


def is_gcloud_document(document: Node) -> bool:
    if not isinstance(document.value, dict):
        return False
    name = text_of(document.get("name")) or ""
    bindings = document.get("bindings")
    return (
        bool(_PROVIDER_NAME.search(name))
        or (bindings is not None and isinstance(bindings.value, list))
        or text_of(document.get("type")) == "external_account"
    )


def _header(document: Node, source: SourceFile) -> Span:
    line = document.span.line
    return Span(line, document.span.column, line, len(source.line_text(line)) + 1)


def scan_gcloud(document: Node, source: SourceFile) -> ScanModel:
    model = ScanModel()
    name = text_of(document.get("name")) or ""
    match = _PROVIDER_NAME.search(name)
    if match:
        provider = _provider(document, source, match)
        if provider is not None:
            model.gcp_providers.append(provider)
    if document.get("bindings") is not None:
        model.gcp_grants.extend(_grants(document, source))
    if text_of(document.get("type")) == "external_account":
        impersonation = document.get("service_account_impersonation")
        lifetime = impersonation.get("token_lifetime_seconds") if impersonation is not None else None
        if lifetime is not None and isinstance(lifetime.value, int) and not isinstance(lifetime.value, bool):
            model.lifetimes.append(Lifetime("gcp", posixpath.basename(source.path), "external_account", lifetime.value,
                                            Location(source.path, lifetime.span)))
    return model


def _provider(document: Node, source: SourceFile, match: re.Match) -> GcpProvider | None:
    mapping_node = document.get("attributeMapping")
    mapping = {}
    for target, node in mapping_node.items() if mapping_node is not None else []:
        if isinstance(node.value, str):
            mapping[target] = (node.value, node.span)
    condition = document.get("attributeCondition")
    oidc = document.get("oidc")
    issuer = oidc.get("issuerUri") if oidc is not None else None
    audiences = oidc.get("allowedAudiences") if oidc is not None else None
    state = text_of(document.get("state")) or "ACTIVE"
    disabled = document.get("disabled")
    kind = "oidc" if oidc is not None else next((k for k in ("aws", "saml", "x509") if document.get(k) is not None), "oidc")
    return GcpProvider(
        pool_keys={f"id:{match.group('pool')}"},
        address=f"workloadIdentityPools/{match.group('pool')}/providers/{match.group('provider')}",
        resource_type="gcloud-provider",
        location=Location(source.path, _header(document, source)),
        issuer_url=text_of(issuer) if issuer is not None else None,
        issuer_location=Location(source.path, issuer.span) if issuer is not None else None,
        mapping=mapping,
        condition=(condition.value, condition.span) if condition is not None and isinstance(condition.value, str) else None,
        audiences=[(text_of(a) or "", a.span) for a in audiences.as_list()] if audiences is not None and audiences.value else None,
        kind=kind,
        disabled=state != "ACTIVE" or (disabled is not None and disabled.value is True),
        project_number=(re.search(r"projects/(\d+)/", text_of(document.get("name")) or "") or [None, None])[1],
    )


def _grants(document: Node, source: SourceFile) -> list[GcpGrant]:
    """Members of a get-iam-policy export; the policy's owner is named by the file."""
    name = posixpath.basename(source.path)
    stem = name.rsplit(".", 1)[0]
    grants = []
    for binding in document.get("bindings").as_list():
        role = text_of(binding.get("role")) or ""
        members = binding.get("members")
        if binding.get("condition") is not None:
            continue  # conditional bindings (IAM conditions) are not modelled: unknown, no finding
        for member in members.as_list() if members is not None else []:
            text = text_of(member) or ""
            if "iam.googleapis.com/" not in text or "workloadIdentityPools/" not in text:
                continue
            names = [stem, posixpath.dirname(source.path)]
            grants.append(GcpGrant(
                member=text,
                member_span=member.span,
                pool_keys=pool_keys_of_member(text),
                role=role,
                address=name,
                resource_type="gcloud-iam-policy",
                location=Location(source.path, _header(document, source)),
                principal_name=stem if role.lower() in GRANTING_ROLES else f"{role} on {stem}",
                names=names,
            ))
    return grants
