"""Terraform Azure resources: federated identity credentials of managed identities and app
registrations, the role assignments that tell their environment, and client secrets."""

from __future__ import annotations

import posixpath

from ..model import Location, StaticCredential
from ..resources import FicInput
from ..values import Ref, text_of
from .evaluator import Evaluator, Module
from .hcl import Block

FIC_TYPES = {
    "azurerm_federated_identity_credential": ("managed-identity", ("parent_id", "user_assigned_identity_id")),
    "azuread_application_federated_identity_credential": ("application", ("application_id", "application_object_id")),
    "azuread_application_flexible_federated_identity_credential": ("application", ("application_id", "application_object_id")),
}
SECRET_TYPES = {
    "azuread_application_password": "azure-client-secret",
    "azuread_service_principal_password": "azure-client-secret",
    "azuread_application_certificate": "azure-client-certificate",
    "azuread_service_principal_certificate": "azure-client-certificate",
}
_ENV_TAG_KEYS = ("env", "environment", "stage", "tier")


_AZAPI_FIC = "microsoft.managedidentity/userassignedidentities/federatedidentitycredentials@"


def is_azure_resource(block: Block) -> bool:
    kind = block.labels[0] if block.labels else ""
    return kind in FIC_TYPES or kind in SECRET_TYPES or kind == "azapi_resource"


def read_azure(address: str, block: Block, ev: Evaluator, module: Module, fics: list, credentials: list) -> None:
    kind = block.labels[0]
    if kind == "azapi_resource":
        _read_azapi(address, block, ev, module, fics)
        return
    if kind in SECRET_TYPES:
        owner = _parent(block, ev, ("application_id", "application_object_id", "service_principal_id"))
        credentials.append(StaticCredential("azure", address, kind, SECRET_TYPES[kind], owner[1],
                                            Location(block.source.path, block.header)))
        return
    parent_kind, parent_attributes = FIC_TYPES[kind]
    parent_address, parent_name = _parent(block, ev, parent_attributes)
    issuer = ev.attribute(block, "issuer")
    subject = ev.attribute(block, "subject")
    expression = ev.attribute(block, "claims_matching_expression")
    if expression is not None and isinstance(expression.value, dict):
        expression = expression.value.get("value")
    audiences = ev.attribute(block, "audience") or ev.attribute(block, "audiences")
    if (subject is None and expression is None) or issuer is None:
        return
    fics.append(_fic(address, kind, block, parent_address, parent_kind, issuer, subject, audiences, expression, module, ev))


def _fic(address, kind, block, parent_address, parent_kind, issuer, subject, audiences, expression, module, ev) -> FicInput:
    """One credential as read, whichever resource type wrote it."""
    return FicInput(
        address=address,
        resource_type=kind,
        location=Location(block.source.path, block.header),
        parent=parent_address,
        parent_kind=parent_kind,
        issuer=text_of(issuer) if issuer.is_known else None,
        issuer_span=issuer.span,
        subject=text_of(subject) if subject is not None else None,
        subject_span=subject.span if subject is not None else None,
        audiences=[(text_of(a) or "", a.span) for a in audiences.as_list()] if audiences is not None else [],
        expression=text_of(expression) if expression is not None and expression.is_known else None,
        expression_span=expression.span if expression is not None else None,
        names=_parent_names(parent_address, module, ev) + [posixpath.dirname(block.source.path)],
    )


def _read_azapi(address: str, block: Block, ev: Evaluator, module: Module, fics: list) -> None:
    """An azapi_resource of type ...userAssignedIdentities/federatedIdentityCredentials@VERSION:
    the credential's properties in `body` (an object, or jsonencode()'s string in azapi 1.x),
    including a flexible `claimsMatchingExpression` (the 2025-01-31-preview API)."""
    kind = ev.attribute(block, "type")
    if kind is None or not (text_of(kind) or "").lower().startswith(_AZAPI_FIC):
        return
    body = ev.attribute(block, "body")
    if body is not None and isinstance(body.value, str):
        from ..input.jsonpos import load_json
        from ..source import EmbeddedSource

        embedded = getattr(body, "embedded", None)
        try:
            body = load_json(embedded or EmbeddedSource(block.source.path, body.value, base=block.source,
                                                         segments=((0, 0),)))
        except Exception:  # noqa: BLE001 - a body that is not JSON is judged unknown below
            body = None
    properties = body.get("properties") if body is not None and isinstance(body.value, dict) else None
    if properties is None or not isinstance(properties.value, dict):
        return
    issuer, subject = properties.get("issuer"), properties.get("subject")
    expression = properties.get("claimsMatchingExpression")
    if expression is not None and isinstance(expression.value, dict):
        expression = expression.get("value")
    if issuer is None or (subject is None and expression is None):
        return
    audiences = properties.get("audiences")
    parent_address, _ = _parent(block, ev, ("parent_id",))
    fics.append(_fic(address, "azapi_resource", block, parent_address, "managed-identity", issuer, subject, audiences,
                     expression, module, ev))


def _parent(block: Block, ev: Evaluator, attributes: tuple[str, ...]) -> tuple[str, str | None]:
    """(join key, display name) of the identity or application a resource belongs to."""
    for name in attributes:
        node = ev.attribute(block, name)
        if node is None:
            continue
        if isinstance(node.value, Ref):
            return node.value.address, node.value.address
        text = text_of(node) or ""
        return text, text.rsplit("/", 1)[-1] or None
    return block.labels[1], None


def _parent_names(parent: str, module: Module, ev: Evaluator) -> list[str]:
    """Name, tags and role-assignment scopes of an identity or application: its tier signals."""
    names: list[str] = []
    block = module.resources.get(parent)
    if block is not None:
        block_ev = ev.with_source(block.source)
        names.append(block.labels[1])
        for attribute in ("name", "display_name"):
            value = block_ev.attribute(block, attribute)
            if value is not None:
                names.append(text_of(value) or "")
        tags = block_ev.attribute(block, "tags")
        if tags is not None and isinstance(tags.value, dict):
            names.extend(text_of(v) or "" for k, v in tags.items() if k.lower() in _ENV_TAG_KEYS)
        elif tags is not None and isinstance(tags.value, list):  # azuread_application: a list of strings
            names.extend(text_of(t) or "" for t in tags.value)
    elif "/" in parent:
        names.append(parent.rsplit("/", 1)[-1])  # a literal resource id: its last segment is the name
    for other in module.resources.values():
        if other.labels[0] != "azurerm_role_assignment":
            continue
        other_ev = ev.with_source(other.source)
        principal = other_ev.attribute(other, "principal_id")
        if principal is not None and isinstance(principal.value, Ref) and _same_principal(principal.value.address, parent, module, other_ev):
            scope = other_ev.attribute(other, "scope")
            if scope is not None:
                names.append(text_of(scope) or "")
                target = module.resources.get(scope.value.address) if isinstance(scope.value, Ref) else None
                name = other_ev.with_source(target.source).attribute(target, "name") if target is not None else None
                if name is not None:
                    names.append(text_of(name) or "")
    return [n for n in names if n]


def _same_principal(address: str, parent: str, module: Module, ev: Evaluator) -> bool:
    if address == parent:
        return True
    principal = module.resources.get(address)  # a service principal of the application
    if principal is not None and principal.labels[0] == "azuread_service_principal":
        client = ev.with_source(principal.source).attribute(principal, "client_id") or ev.with_source(principal.source).attribute(principal, "application_id")
        return client is not None and isinstance(client.value, Ref) and client.value.address == parent
    return False
