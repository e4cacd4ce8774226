"""What Terraform grants an identity (blast radius): AWS policy attachments, managed policy
ARNs and inline policies of a role; GCP roles granted to a service account on a project,
folder or organisation; Azure role assignments to a managed identity or an application's
service principal. Read as `model.PrivilegeGrant`s; trust/privileges.py classifies them."""

from __future__ import annotations


from ..model import Location, PrivilegeGrant
import posixpath

from ..values import UNKNOWN_KEY, Node, Ref, Template, text_of
from .evaluator import Evaluator, Module
from .hcl import Block
from ..lazy_re import lazy

PRIVILEGE_TYPES = ("aws_iam_role_policy_attachment", "aws_iam_role_policy_attachments_exclusive", "aws_iam_role_policy",
                   "aws_iam_policy_attachment",
                   "aws_iam_policy", "azurerm_role_assignment")
_GCP_SCOPES = {"google_project_iam_member": "project", "google_project_iam_binding": "project",
               "google_folder_iam_member": "folder", "google_folder_iam_binding": "folder",
               "google_organization_iam_member": "organization", "google_organization_iam_binding": "organization"}
_SA_EMAIL = lazy(r"serviceAccount:([a-z0-9-]+)@")


def grants_privileges(kind: str) -> bool:
    return kind in PRIVILEGE_TYPES or kind in _GCP_SCOPES or kind == "aws_iam_role"


def read_privileges(address: str, prefix: str, block: Block, ev: Evaluator, module: Module) -> list[PrivilegeGrant]:
    """The grants one resource makes; `prefix` is the module instance's (addresses it names
    are relative to it)."""
    grants = _read(address, prefix, block, ev, module)
    for grant in grants:
        grant.scope = posixpath.dirname(block.source.path)  # names in a module mean its own resources
    return grants


def _read(address: str, prefix: str, block: Block, ev: Evaluator, module: Module) -> list[PrivilegeGrant]:
    kind = block.labels[0]
    location = Location(block.source.path, block.header)
    if kind == "aws_iam_role":
        return _role_policies(address, block, ev, location, module)
    if kind == "aws_iam_role_policy_attachment":
        return _aws(ev.attribute(block, "role"), prefix, ev.attribute(block, "policy_arn"), address, location, module, ev)
    if kind == "aws_iam_role_policy_attachments_exclusive":
        role = ev.attribute(block, "role_name")
        arns = ev.attribute(block, "policy_arns")
        out = []
        for arn in arns.as_list() if arns is not None and isinstance(arns.value, list) else []:
            out += _aws(role, prefix, arn, address, location, module, ev)
        return out
    if kind == "aws_iam_policy_attachment":
        roles = ev.attribute(block, "roles")
        policy = ev.attribute(block, "policy_arn")
        out = []
        for role in roles.as_list() if roles is not None and isinstance(roles.value, list) else []:
            out += _aws(role, prefix, policy, address, location, module, ev)
        return out
    if kind == "aws_iam_role_policy":
        keys = _keys(ev.attribute(block, "role"), prefix, "aws_iam_role.")
        policy = _document(ev.attribute(block, "policy"), ev, module)
        return [PrivilegeGrant("aws", keys, f"inline policy {address}", location, address, policy)] if keys else []
    if kind in _GCP_SCOPES:
        return _gcp(kind, address, block, ev, prefix, location, module)
    if kind == "azurerm_role_assignment":
        return _azure(address, block, ev, prefix, location, module)
    return []


def _keys(node: Node | None, prefix: str, resource_prefix: str) -> list[str]:
    """Join keys for the identity a value names: the address it references, or its literal name."""
    if node is None:
        return []
    ref = _reference(node)
    if ref is not None:
        if not ref.address.startswith(resource_prefix):
            return []
        if ref.key is None:
            return [f"address:{prefix}{ref.address}"]
        if ref.key == UNKNOWN_KEY:
            return [f"any-instance:{prefix}{ref.address}"]  # one of its instances, which one is not known
        suffix = f'["{ref.key}"]' if isinstance(ref.key, str) else f"[{ref.key}]"
        return [f"address:{prefix}{ref.address}{suffix}"]
    text = text_of(node) if node.is_known else None
    return [f"name:{text.rsplit('/', 1)[-1]}"] if text else []


def _reference(node: Node) -> Ref | None:
    if isinstance(node.value, Ref):
        return node.value
    if isinstance(node.value, Template):
        return next((p for p in node.value.parts if isinstance(p, Ref)), None)
    return None


def _aws(role: Node | None, prefix: str, policy: Node | None, address: str, location: Location, module: Module,
         ev: Evaluator, keys: list[str] | None = None) -> list[PrivilegeGrant]:
    keys = keys if keys is not None else _keys(role, prefix, "aws_iam_role.")
    if not keys or policy is None:
        return []
    ref = _reference(policy)
    if ref is not None and ref.address.startswith("aws_iam_policy."):
        block = module.resources.get(ref.address)
        if block is not None and ref.key is not None:
            block = None  # one instance of a for_each policy: which document is not read here
        document = ev.with_source(block.source).attribute(block, "policy") if block is not None else None
        document = _document(document, ev.with_source(block.source), module) if block is not None else None
        return [PrivilegeGrant("aws", keys, f"customer managed policy {prefix}{ref.address}", location, address, document)]
    return [PrivilegeGrant("aws", keys, text_of(policy) or "unknown policy", location, address)]


def _document(policy: Node | None, ev: Evaluator, module: Module) -> Node | None:
    """A policy as its statements: a data.aws_iam_policy_document it references is assembled."""
    if policy is None or not isinstance(policy.value, Ref) or not policy.value.address.startswith("data.aws_iam_policy_document."):
        return policy
    from .aws import policy_document

    data = module.resources.get(policy.value.address)
    if data is None or policy.value.attribute not in ("json", "minified_json"):
        return policy
    return policy_document(data, ev.with_source(data.source), module)


def _role_policies(address: str, block: Block, ev: Evaluator, location: Location, module: Module) -> list[PrivilegeGrant]:
    keys = [f"address:{address}"]
    out = []
    arns = ev.attribute(block, "managed_policy_arns")
    for arn in arns.as_list() if arns is not None and isinstance(arns.value, list) else []:
        out += _aws(Node(f"{address}", arn.span), "", arn, address, location, module, ev, keys)
    for inline in block.children("inline_policy"):
        policy = _document(ev.attribute(inline, "policy"), ev, module)
        if policy is not None:
            out.append(PrivilegeGrant("aws", keys, f"inline policy {text_of(ev.attribute(inline, 'name')) or ''}".strip(),
                                      location, address, policy))
    return out


def _gcp(kind: str, address: str, block: Block, ev: Evaluator, prefix: str, location: Location,
         module: Module) -> list[PrivilegeGrant]:
    role = text_of(ev.attribute(block, "role")) or "unknown role"
    level = _GCP_SCOPES[kind]
    scope = ev.attribute(block, "org_id" if level == "organization" else level)
    where = f"{level} {text_of(scope) if scope is not None and scope.is_known else '(unknown)'}"
    if kind.endswith("_member"):
        members = [ev.attribute(block, "member")]
    else:
        listed = ev.attribute(block, "members")
        members = listed.as_list() if listed is not None and isinstance(listed.value, list) else []
    out = []
    for member in members:
        keys = _service_account(member, prefix, ev, module)
        if keys:
            out.append(PrivilegeGrant("gcp", keys, f"{role} on {where}", location, address))
    return out


def _service_account(member: Node | None, prefix: str, ev: Evaluator, module: Module) -> list[str]:
    """Join keys for a service account member: its account_id (the name GCP trusts carry)."""
    if member is None:
        return []
    ref = _reference(member)
    if ref is not None and ref.address.startswith("google_service_account."):
        block = module.resources.get(ref.address)
        account = ev.with_source(block.source).attribute(block, "account_id") if block is not None else None
        name = text_of(account) if account is not None and account.is_known else None
        return [f"name:{name}"] if name else [f"address:{prefix}{ref.address}"]
    match = _SA_EMAIL.search(text_of(member) or "")
    return [f"name:{match.group(1)}"] if match else []


_AZURE_PRINCIPALS = ("azurerm_user_assigned_identity.", "azuread_service_principal.", "azuread_application.")


def _azure(address: str, block: Block, ev: Evaluator, prefix: str, location: Location, module: Module) -> list[PrivilegeGrant]:
    principal = ev.attribute(block, "principal_id")
    ref = _reference(principal) if principal is not None else None
    if ref is None or not ref.address.startswith(_AZURE_PRINCIPALS):
        return []
    target = ref.address
    if target.startswith("azuread_service_principal."):
        sp = module.resources.get(target)  # its application: client_id = azuread_application.x.client_id
        app = None
        for attr in ("client_id", "application_id"):
            node = ev.with_source(sp.source).attribute(sp, attr) if sp is not None else None
            app = _reference(node) if node is not None else None
            if app is not None:
                break
        if app is not None and app.address.startswith("azuread_application."):
            target = app.address
    role = ev.attribute(block, "role_definition_name") or ev.attribute(block, "role_definition_id")
    scope = ev.attribute(block, "scope")
    where = text_of(scope) if scope is not None and scope.is_known else \
        (getattr(scope.value, "expr", None) or _template_text(scope) if scope is not None else "(unknown)")
    return [PrivilegeGrant("azure", [f"address:{prefix}{target}"], f"{text_of(role) or 'unknown role'} on {where}",
                           location, address)]


def _template_text(node: Node) -> str:
    """How the source wrote a value built from references (a scope such as a resource group's id)."""
    if isinstance(node.value, Template):
        return "".join(p if isinstance(p, str) else p.expr for p in node.value.parts)
    return "(unknown)"
