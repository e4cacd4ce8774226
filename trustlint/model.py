"""The common trust-relationship model every parser produces and every rule reads.

One `TrustRelationship` says: this principal (role, service account, identity) can be
obtained by workloads holding tokens from this issuer, under these constraints. The
cloud-specific semantics (how constraints combine) live behind `admits`, which answers for
one concrete token whether the trust lets it in. Documented by schemas/facts.schema.json.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from .source import Span


@dataclass(frozen=True)
class Location:
    """A place in a file: its path and span, and what the place is (a label for related locations)."""

    path: str
    span: Span
    label: str = ""


def location_fact(location: Location | None) -> dict | None:
    """A location as rules and reporters read it: path plus 1-based span."""
    if location is None:
        return None
    return {"path": location.path, **location.span.to_dict()}


@dataclass
class Issuer:
    """The OIDC issuer a trust accepts tokens from, and the CI or workload platform behind it."""

    url: str | None  # None when it cannot be known statically
    platform: str
    location: Location | None = None


@dataclass
class Constraint:
    """One condition on one token claim: operator and values, each value with its span."""

    claim: str  # e.g. "sub", "aud", "repository"
    key: str  # as written, e.g. "token.actions.githubusercontent.com:sub"
    operator: str  # as written, e.g. "StringLike", "ForAllValues:StringEquals"
    values: list[str]
    value_spans: list[Span]
    location: Location
    positive: bool = True  # False for StringNotEquals / StringNotLike
    vacuous_when_missing: bool = False  # ForAllValues / IfExists: true when the claim is absent


@dataclass
class Admission:
    """Whether a trust admits one token, and which constraint value let it in."""

    admitted: bool
    blamed: Constraint | None = None  # the subject constraint that matched
    blamed_value: int | None = None  # index into blamed.values
    exact: bool = False  # matched by an exact value naming this very token
    grain: bool = False  # matched at the cloud's documented grain (GCP: one repository), not broader
    statement: Location | None = None  # the statement / binding that admitted it
    vacuous: list[Constraint] = field(default_factory=list)  # passed only because absent


@dataclass
class TrustRelationship:
    """One identity that federated tokens can become (an AWS role, a GCP service account through a pool,
    an Azure identity), with what its trust requires of the token."""

    provider: str
    address: str  # logical location: `aws_iam_role.deploy`, a CFN logical id, ...
    resource_type: str
    principal_kind: str  # role | service-account | managed-identity | application
    principal_name: str | None
    location: Location  # the resource header
    issuer: Issuer
    subject: list[Constraint]
    audience: list[Constraint]
    other_conditions: list[Constraint]
    admits: Callable[[dict], Admission]
    statements: list[Location] = field(default_factory=list)
    max_session_seconds: int | None = None
    session_location: Location | None = None
    names: list[str] = field(default_factory=list)  # name, tags, path: for the tier
    tier: str = "unknown"
    tier_reason: str = ""
    # Audiences the issuer side itself enforces (AWS OIDC provider client ids), if known.
    enforced_audiences: list[str] | None = None
    enforced_audience_location: Location | None = None
    # Statements / bindings that admit tokens without checking their audience (unknown
    # conditions are not listed: they might check it).
    audience_unchecked: list[Location] = field(default_factory=list)
    # Claim values the trust names (claim -> values, '*' for any run), to build probes
    # around; when empty they are read from the subject constraints.
    anchors: dict[str, list[str]] = field(default_factory=dict)
    # The ways in (Allow statements, credentials), each a conjunction of subject patterns:
    # [[(value, like, ignore_case), ...] per clause] — a token must match one value of every
    # clause of one way in. Deny exemptions (StringNotLike on sub) are clauses too. None: not
    # modelled for this cloud (trust/admission.py then adds no witness).
    subject_conjunctions: list | None = None
    # Per way in (aligned with subject_conjunctions): positive conditions on other claims,
    # {claim: [(value, like), ...]}, which a witness token must also meet.
    claim_requirements: list | None = None
    # Per way in: negated tests of the subject in it (StringNotLike), clauses a witness must avoid.
    subject_exclusions: list | None = None
    analysis_limits: list[str] = field(default_factory=list)  # searches that hit a bound: TL000
    # More witnesses, searched by the cloud's own semantics (GCP: its attribute condition):
    # called with analysis_limits, yields probes (trust.probes.Probe) for the evaluator to confirm.
    searches: Callable[[list], Any] | None = None
    # Where the audience check and the subject mapping live, when not on this resource
    # (a GCP provider shared by several grants), so their findings are reported once there.
    audience_address: str = ""
    account: str | None = None  # the cloud account the principal lives in, when known (AWS: the OIDC provider's)
    audience_broad: list[Constraint] = field(default_factory=list)  # accepted audiences not specific to this relying party
    subject_mapping: Constraint | None = None  # GCP: google.subject's mapping
    related: list[Location] = field(default_factory=list)  # labelled parts elsewhere (GCP: provider, grant)


@dataclass
class StaticCredential:
    """A long-lived secret the configuration creates or a pipeline passes (an access key, a service
    account key, a client secret)."""

    provider: str
    address: str
    resource_type: str
    kind: str  # e.g. "aws-access-key"
    owner: str | None
    location: Location
    names: list[str] = field(default_factory=list)
    usage: str = ""  # how it is used, when not created (a CI job passing a key): for messages
    related: list[Location] = field(default_factory=list)  # e.g. the module calls that create it


@dataclass
class PublicTrust:
    """A principal anyone can assume (AWS `Principal: "*"` with nothing pinning the caller)."""

    provider: str
    address: str
    resource_type: str
    location: Location  # the offending principal value
    actions: list[str]
    related: list[Location] = field(default_factory=list)  # e.g. the module calls that create it


@dataclass
class Problem:
    """Something that could not be analysed: becomes a TL000 finding."""

    location: Location
    message: str
    address: str = ""


@dataclass
class Lifetime:
    """A credential lifetime set outside a trust (a GCP credential configuration's
    token_lifetime_seconds): judged by TL005 like a role's maximum session."""

    provider: str
    address: str
    resource_type: str
    seconds: int
    location: Location
    what: str = "impersonated access tokens"


@dataclass
class CredentialUse:
    """A CI step or job that obtains cloud credentials (or a GitLab ID token)."""

    cloud: str  # aws | gcp | azure | unknown
    action: str  # e.g. aws-actions/configure-aws-credentials, id_tokens
    location: Location  # the step
    federated: bool  # asks for an OIDC token (role-to-assume, workload_identity_provider, client-id, id_tokens)
    target: str | None = None  # role ARN, GCP provider, Azure client id
    target_location: Location | None = None
    service_account: str | None = None  # GCP
    provider: str | None = None  # GCP workload identity provider
    audience: str | None = None  # as written (None: the action's default)
    audience_location: Location | None = None


@dataclass
class Workload:
    """A CI job that requests cloud credentials, or could (it holds id-token: write)."""

    platform: str  # github-actions | gitlab
    path: str
    job_id: str
    location: Location  # the job's key
    triggers: dict  # event -> filters (branches/tags lists), as far as known
    trigger_location: Location | None
    environment: str | None = None
    environment_location: Location | None = None
    id_token: str = "none"  # write | none
    id_token_level: str = ""  # workflow | job
    id_token_location: Location | None = None
    credentials: list[CredentialUse] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    may_use_oidc: bool = True  # a step that might mint tokens (any action but a known-safe one)
    local_actions: list[str] = field(default_factory=list)  # `uses: ./x` folders, repo-relative


@dataclass
class PrivilegeGrant:
    """What an identity may do, as the IaC grants it: a policy attached to a role, a role
    granted to a service account on a project, a role assignment to a managed identity."""

    provider: str  # aws | gcp | azure
    identities: list[str]  # join keys: "address:<resource address>" or "name:<role / account name>"
    what: str  # as written: a policy ARN, "inline policy", "roles/owner on project acme-prod"
    location: Location
    address: str  # the resource that grants it
    document: Any = None  # values.Node of an inline or customer-managed policy, to read its actions
    scope: str = ""  # where its names mean something: a Terraform module directory, a template file


@dataclass
class ScanModel:
    """Everything read from the files of one scan, before the facts the rules judge."""

    trusts: list[TrustRelationship] = field(default_factory=list)
    credentials: list[StaticCredential] = field(default_factory=list)
    public: list[PublicTrust] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    lifetimes: list[Lifetime] = field(default_factory=list)
    # Halves of GCP trusts, joined across files once everything is read (trust.build.join_gcp).
    gcp_providers: list = field(default_factory=list)
    gcp_grants: list = field(default_factory=list)
    suppressions: list = field(default_factory=list)  # gate.Suppression, from comments and configuration
    workloads: list[Workload] = field(default_factory=list)
    unknowns: list = field(default_factory=list)  # (Location, expression, reason): for --explain-unknowns
    consumed_files: set = field(default_factory=set)  # files read through file()/templatefile()
    grants: list = field(default_factory=list)  # PrivilegeGrant: what identities may do (blast radius)
    # Resources judged as if a flag were on (count = var.enable ? 1 : 0 off by default): address
    # (or module instance prefix ending in ".") -> the setting that turns them on.
    flags: dict = field(default_factory=dict)
    # What findings depend on, for changed-file modes: "path\0address" (and "path") -> the files
    # whose content the resource's values came from (variable defaults, tfvars, locals, modules).
    inputs: dict = field(default_factory=dict)
    # resources.AwsRole / AzureCredentials as read, in reading order; trust.build turns them into trusts.
    resources: list = field(default_factory=list)
    judged_resources: int = 0  # roles and credentials trust.build judged (a safe one forms no trust)

    def extend(self, other: "ScanModel") -> None:
        self.trusts.extend(other.trusts)
        self.credentials.extend(other.credentials)
        self.public.extend(other.public)
        self.problems.extend(other.problems)
        self.lifetimes.extend(other.lifetimes)
        self.gcp_providers.extend(other.gcp_providers)
        self.gcp_grants.extend(other.gcp_grants)
        self.workloads.extend(other.workloads)
        self.unknowns.extend(other.unknowns)
        self.consumed_files |= other.consumed_files
        self.grants.extend(other.grants)
        self.flags.update(other.flags)
        for key, files in other.inputs.items():
            self.inputs.setdefault(key, set()).update(files)
        self.resources.extend(other.resources)
        self.judged_resources += other.judged_resources
