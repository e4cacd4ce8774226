"""Typed, located resources as the format readers find them, before any cloud semantics.

Formats and the Terraform evaluator append these to `ScanModel.resources` (AWS roles, Azure
federated credentials) or to its GCP halves; trust/ maps them into `TrustRelationship`s
(trust.build). Keeping them here lets the readers stay below the trust semantics.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .model import Location
from .source import Span
from .values import Node
from .lazy_re import lazy

# --- AWS -------------------------------------------------------------------------------


@dataclass
class ProviderInput:
    """An AWS OIDC identity provider as written: its issuer URL and client ids (audiences)."""

    address: str
    url: str | None
    client_ids: list[str] | None
    location: Location
    client_ids_location: Location | None = None


@dataclass
class RoleInput:
    """An AWS IAM role as written: its trust policy and maximum session, still to be judged."""

    address: str
    resource_type: str
    path: str
    header: Span
    name: str | None
    policy: Node | None
    max_session: Node | None = None
    names: list[str] = field(default_factory=list)
    related: list[Location] = field(default_factory=list)  # module call sites, added to what it builds


@dataclass
class AwsRole:
    """One IAM role to judge, with the OIDC providers of its configuration or template."""

    role: RoleInput
    providers: dict[str, ProviderInput]


# --- Azure -----------------------------------------------------------------------------


@dataclass
class FicInput:
    """One federated identity credential as a format module read it."""

    address: str
    resource_type: str
    location: Location
    parent: str  # the identity / application it belongs to (join key and display name)
    parent_kind: str  # managed-identity | application
    issuer: str | None
    issuer_span: Span | None
    subject: str | None
    subject_span: Span | None
    audiences: list[tuple[str, Span]] = field(default_factory=list)
    expression: str | None = None  # flexible FIC claimsMatchingExpression
    expression_span: Span | None = None
    names: list[str] = field(default_factory=list)


@dataclass
class AzureCredentials:
    """Federated identity credentials read together (one file, one module instance): grouped
    by identity and issuer into trusts."""

    credentials: list[FicInput]
    related: list[Location] = field(default_factory=list)  # module call sites


# --- GCP -------------------------------------------------------------------------------

GRANTING_ROLES = {"roles/iam.workloadidentityuser", "roles/iam.serviceaccounttokencreator", "roles/iam.serviceaccountopenidtokencreator"}
_MEMBER = lazy(
    r"^(?P<kind>principal|principalSet)://iam\.googleapis\.com/(?P<pool>.+?/workloadIdentityPools/[^/]+|\u27e8[^\u27e9]+\u27e9)"
    r"/(?P<rest>.*)$"
)


@dataclass
class GcpProvider:
    """A GCP workload identity pool provider as written: issuer, attribute mapping and condition."""

    pool_keys: set[str]
    address: str
    resource_type: str
    location: Location
    issuer_url: str | None
    issuer_location: Location | None
    mapping: dict[str, tuple[str, Span]]  # target -> (CEL text, span)
    condition: tuple[str, Span] | None
    audiences: list[tuple[str, Span]] | None
    kind: str = "oidc"  # oidc | aws | saml | x509
    disabled: bool = False
    condition_from_variable: bool = False  # attribute_condition is a variable's default: the callers decide
    project_number: str | None = None  # when the provider's own name gives it (gcloud exports)


@dataclass
class GcpGrant:
    """A GCP IAM grant to a pool principal (principal:// or principalSet://) on a service account or
    project."""

    member: str  # rendered, unknown parts as placeholders
    member_span: Span
    pool_keys: set[str]
    role: str
    address: str
    resource_type: str
    location: Location
    principal_name: str | None
    names: list[str] = field(default_factory=list)
    member_path: str = ""


def parse_member(member: str) -> tuple[str, str, str | None] | None:
    """(kind, pool, selector) for a workload identity member, else None.
    kind: subject | group | attribute | all; selector: the subject/group/'NAME=VALUE'."""
    match = _MEMBER.match(member)
    if not match:
        return None
    rest = match.group("rest")
    pool = match.group("pool")
    if match.group("kind") == "principal":
        return ("subject", pool, rest[len("subject/"):]) if rest.startswith("subject/") else None
    if rest == "*":
        return "all", pool, None
    if rest.startswith("group/"):
        return "group", pool, rest[len("group/"):]
    if rest.startswith("attribute."):
        name, _, value = rest[len("attribute."):].partition("/")
        return "attribute", pool, f"{name}={value}"
    return None


def pool_keys_of_member(member: str, module_scope: str = "") -> set[str]:
    """Join keys for the pool a member names: its literal pool id and any Terraform reference."""
    parsed = parse_member(member)
    if parsed is None:
        return set()
    pool = parsed[1]
    keys = set()
    literal = re.search(r"workloadIdentityPools/([^/\u27e8\u27e9]+)$", pool)
    if literal:
        keys.add(f"id:{literal.group(1)}")
    for reference in re.findall(r"\u27e8([^\u27e9]+)\u27e9", pool):
        address = reference.rsplit(".", 1)[0] if reference.count(".") >= 2 else reference
        keys.add(f"tf:{module_scope}:{address.split('[')[0]}")
    return keys
