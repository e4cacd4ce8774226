"""What an identity may do, classified: admin (can change access itself, or everything),
write, read, or unknown. From the grants the readers found (model.PrivilegeGrant), joined to
trusts by the identity they name.

AWS: managed policies by name (AdministratorAccess, IAMFullAccess: admin; PowerUserAccess,
*FullAccess: write; ReadOnlyAccess, ViewOnlyAccess, SecurityAudit, *ReadOnly*: read), inline
and customer-managed documents by their Allow statements (`*`, `iam:*`, NotAction on `*`, or
an action that grants access itself such as iam:PassRole or iam:AttachRolePolicy: admin; only
Get/List/Describe-style actions: read; else write). GCP roles: owner, IAM and resource-manager
administration, token creation: admin; editor, *admin, *writer, *developer: write; viewer,
*viewer, *reader, browser: read. Azure: Owner, User Access Administrator, Role Based Access
Control Administrator: admin; Contributor, *Contributor: write; Reader, *Reader: read.
"""

from __future__ import annotations

import fnmatch
import json
import posixpath
import re

from ..model import PrivilegeGrant, TrustRelationship
from ..values import Node
from ..lazy_re import lazy

LEVELS = ("none", "unknown", "read", "write", "admin")

_AWS_ADMIN = {"AdministratorAccess", "IAMFullAccess"}
_AWS_READ = lazy(r"ReadOnly|ViewOnly|SecurityAudit", re.IGNORECASE)
_AWS_WRITE = lazy(r"FullAccess|PowerUser|Admin", re.IGNORECASE)
# Actions that change who may do what: holding one is holding everything it can grant.
_ESCALATION = {"iam:passrole", "iam:attachrolepolicy", "iam:putrolepolicy", "iam:createpolicyversion",
               "iam:setdefaultpolicyversion", "iam:attachuserpolicy", "iam:putuserpolicy", "iam:createaccesskey",
               "iam:updateassumerolepolicy", "iam:createrole", "iam:createuser", "iam:addusertogroup",
               "iam:attachgrouppolicy", "iam:putgrouppolicy", "iam:createloginprofile", "iam:updateloginprofile",
               "sts:assumerole"}
_READ_VERB = lazy(r"^[a-z0-9-]+:(get|list|describe|batchget|query|scan|view|lookup|search|select|head|check)",
                        re.IGNORECASE)

_GCP_ADMIN = lazy(r"^roles/(owner|iam\.\w*admin|iam\.serviceaccounttokencreator|iam\.serviceaccountuser|"
                        r"iam\.workloadidentityuser|resourcemanager\.\w*(admin|iammanager)|"
                        r"iam\.organizationrole\w*)$", re.IGNORECASE)
_GCP_WRITE = lazy(r"^roles/(editor|.*(admin|writer|developer|creator|editor|user|deployer|invoker)\w*)$", re.IGNORECASE)
_GCP_READ = lazy(r"^roles/(viewer|browser|.*(viewer|reader|browser)\w*)$", re.IGNORECASE)

_AZURE_ROLE_IDS = {"8e3af657-a8ff-443c-a75c-2fe8c4bcb635": "Owner", "b24988ac-6180-42a0-ab88-20f7382dd24c": "Contributor",
                   "acdd72a7-3385-48ef-bd42-f606fba81ae7": "Reader",
                   "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9": "User Access Administrator",
                   "f58310d9-a9f6-439a-9e8d-f62e7b41a168": "Role Based Access Control Administrator"}
_AZURE_ADMIN = {"owner", "user access administrator", "role based access control administrator"}


def classify(grant: PrivilegeGrant) -> tuple[str, str]:
    """(level, why) of one grant."""
    if grant.provider == "aws":
        return _aws(grant)
    if grant.provider == "gcp":
        role = grant.what.split(" on ", 1)[0]
        if len(role) > 256:
            return "unknown", grant.what[:256]  # no role name is this long; the patterns below stay cheap
        for level, pattern in (("admin", _GCP_ADMIN), ("read", _GCP_READ), ("write", _GCP_WRITE)):
            if pattern.match(role):
                return level, grant.what
        return "unknown", grant.what
    if grant.provider == "azure":
        role, _, scope = grant.what.partition(" on ")
        role = _AZURE_ROLE_IDS.get(role.rsplit("/", 1)[-1].lower(), role)
        lowered = role.lower()
        if lowered in _AZURE_ADMIN:
            return "admin", f"{role} on {scope}"
        if lowered.endswith("reader"):
            return "read", f"{role} on {scope}"
        if lowered.endswith("contributor") or lowered.endswith("administrator"):
            return "write", f"{role} on {scope}"
        return "unknown", f"{role} on {scope}"
    return "unknown", grant.what


_MANAGED = lazy(r":iam::aws:policy/(?:[\w+=,.@-]+/)*(?P<name>[\w+=,.@-]+)$")  # any partition


def _aws(grant: PrivilegeGrant) -> tuple[str, str]:
    if grant.document is not None:
        statements = _statements(grant.document)
        if statements is None:
            return "unknown", f"{grant.what} (not known statically)"
        return _aws_document(statements, grant.what)
    managed = _MANAGED.search(grant.what)
    if managed is None:
        return "unknown", f"{grant.what} (a customer managed policy not in the scan)"
    name = managed.group("name")
    if name in _AWS_ADMIN:
        return "admin", name
    if _AWS_READ.search(name):
        return "read", name
    if _AWS_WRITE.search(name):
        return "write", name
    return "unknown", name


def _aws_document(statements: list, what: str) -> tuple[str, str]:
    """The highest level any Allow statement grants. An action or resource that is not known
    statically makes the answer unknown unless another statement already proves admin."""
    level, why, unknown = "none", what, False
    for statement in statements:
        if not isinstance(statement, dict):
            unknown = True
            continue
        if statement.get("Effect", "Allow") != "Allow":
            continue
        found = _statement_level(statement, what)
        if found is None:
            unknown = True
        elif LEVELS.index(found[0]) > LEVELS.index(level):
            level, why = found
    if level != "admin" and unknown:
        return "unknown", f"{what} (parts not known statically)"
    return (level if level != "none" else "unknown"), why


def _statement_level(statement: dict, what: str) -> tuple[str, str] | None:
    """(level, why) of one Allow statement; None when its actions or resources are not known."""
    raw_actions = statement.get("NotAction") if "NotAction" in statement else statement.get("Action")
    actions = _list(raw_actions)
    resources = _list(statement.get("NotResource") if "NotResource" in statement else statement.get("Resource")) or ["*"]
    if actions is None or resources is None:
        return None
    # A wildcard in a resource reaches more than one thing: only then can an action change access broadly.
    broad = "NotResource" in statement or any("*" in r or "?" in r for r in resources)
    if "NotAction" in statement:
        return ("admin" if broad else "write"), f"{what}: Allow NotAction {', '.join(actions)}"
    lowered = [a.lower() for a in actions]
    for action, low in zip(actions, lowered):
        if low in ("*", "*:*") or fnmatch.fnmatchcase("iam:*", low) and ("*" in low or "?" in low):
            if broad:
                return "admin", f"{what}: Allow {action}"
        if any(fnmatch.fnmatchcase(e, low) for e in _ESCALATION) and broad:
            return "admin", f"{what}: Allow {action}"
    if not actions:
        return "unknown", what
    if all(_READ_VERB.match(a) and "*" not in a.split(":", 1)[-1][:1] for a in actions):
        return "read", what
    return "write", what


def _list(value) -> list[str] | None:
    """Strings of an IAM string-or-list; None when any element is not known statically."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return value
    return None


def _statements(node) -> list | None:
    """The Statement list of a policy document given as a Node (jsonencode, heredoc JSON, a
    policy document data source) or a plain value; None when it is not known statically."""
    value = _plain(node)
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except (ValueError, RecursionError):
            return None
    if not isinstance(value, dict):
        return None
    statements = value.get("Statement")
    return statements if isinstance(statements, list) else [statements] if isinstance(statements, dict) else None


def _plain(node):
    if isinstance(node, Node):
        value = node.value
        if isinstance(value, dict):
            return {k: _plain(v) for k, v in value.items()}
        if isinstance(value, list):
            return [_plain(v) for v in value]
        if isinstance(value, (str, int, float, bool)) or value is None:
            return value
        return None  # unknown
    return node


def _without_instance(address: str) -> str:
    """The address without the count/for_each key trustlint appended (`["k"]`, `[0]`)."""
    if address.endswith('"]'):
        index = address.rfind('["')
    elif address.endswith("]"):
        index = address.rfind("[")
    else:
        return address
    return address[:index] if index > 0 else address


def identity_keys(trust: TrustRelationship) -> set[str]:
    """The join keys a trust's identity answers to (the grants name it by address or name)."""
    keys = {f"address:{trust.address}", "any-instance:" + _without_instance(trust.address)}
    if trust.principal_name:
        keys.add(f"name:{trust.principal_name}")
        keys.add(f"address:{trust.principal_name}")  # Azure and GCP trusts carry the identity's own address or name
    return keys


def scope_of(trust: TrustRelationship) -> str:
    """Where the grants that can name this identity live: a template's own file; a Terraform
    module's directory (the same names in another directory are other resources)."""
    path = trust.location.path
    return path if trust.resource_type.startswith("AWS::") else posixpath.dirname(path)


def privileges_of(provider: str, keys: set[str], grants: list[PrivilegeGrant], scope: str | None = None) -> dict:
    """{level, why, grants: [{what, level, path, line, address}]} for an identity; level "none"
    when the scan shows no grant (it may have some elsewhere: reported as not known)."""
    listed = []
    level, why = "none", ""
    for grant in grants:
        if grant.provider != provider or not keys & set(grant.identities) or scope is not None and grant.scope != scope:
            continue
        try:
            found, reason = classify(grant)
        except RecursionError:
            found, reason = "unknown", f"{grant.what} (nested too deeply to read)"
        listed.append({"what": reason, "level": found, "address": grant.address, "path": grant.location.path,
                       "line": grant.location.span.line})
        if LEVELS.index(found) > LEVELS.index(level):
            level, why = found, reason
    return {"level": level, "why": why, "grants": sorted(listed, key=lambda g: (g["path"], g["line"], g["what"]))}
