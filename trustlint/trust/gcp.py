"""GCP workload identity federation: pool providers and IAM grants, joined into trusts.

A GCP trust has two halves that only mean something together: the provider (issuer,
attribute_mapping, attribute_condition, allowed audiences) and the IAM members that grant a
role to identities of its pool. Format modules (Terraform, gcloud exports) collect both
halves into the model; `join` pairs every grant with every provider of the pool it names.

Semantics (cloud.google.com/iam/docs/workload-identity-federation): the token's claims are
`assertion`; attribute_mapping (CEL) computes google.subject, google.groups and attribute.*;
attribute_condition (CEL) must be true; a member then matches on the mapped values:
principal://…/subject/S, principalSet://…/group/G, principalSet://…/attribute.NAME/VALUE,
or principalSet://…/POOL/* (every identity of the pool). A claim the token lacks makes the
mapping or condition fail, and the token is rejected.
"""

from __future__ import annotations

import re

from ..errors import AnalysisError
from ..model import Admission, Constraint, Issuer, Location, Problem, ScanModel, TrustRelationship
from ..resources import GRANTING_ROLES, GcpGrant, GcpProvider, parse_member
from ..source import Span
from .cel import ClaimReference, Expression, Missing
from .claim_grammars import REPOSITORY, TENANT, custom_template_alternatives
from .gcp_witness import Unsupported, condition_witnesses, prepare
from .platforms import platform_of
from ..lazy_re import lazy

# Attribute values that pin one repository / project / workspace (GCP's documented grain).
_WORKLOAD_CLAIMS = ("sub", "repository", "repository_id", "project_path", "project_id", "terraform_full_workspace",
                    "terraform_workspace_id")
_DEFAULT_MAPPING = {"google.subject": "assertion.sub"}


def _project_number(text: str | None) -> str | None:
    match = re.search(r"projects/(\d+)/locations/", text or "")
    return match.group(1) if match else None


_QUOTED = r"(?:'([^']*)'|\"([^\"]*)\")"
_EQUALS = lazy(r"(assertion|attribute|google)\.(\w+)\s*==\s*" + _QUOTED + "|" + _QUOTED + r"\s*==\s*(assertion|attribute|google)\.(\w+)")
_STARTS = lazy(r"(assertion|attribute|google)\.(\w+)\.startsWith\(\s*" + _QUOTED + r"\s*\)")
_MATCHES = lazy(r"(assertion|attribute|google)\.(\w+)\.matches\(\s*" + _QUOTED + r"\s*\)")
_IN = lazy(r"(assertion|attribute|google)\.(\w+)\s+in\s*\[([^\]]*)\]")


def _claim_of(scope: str, name: str, mapping: dict[str, tuple[str, Span]]) -> str | None:
    """The token claim behind assertion.X / attribute.X / google.subject (simple mappings only)."""
    if scope == "assertion":
        return name
    target = f"{scope}.{name}"
    expression = (mapping.get(target) or (_DEFAULT_MAPPING.get(target), None))[0]
    simple = re.fullmatch(r"\s*assertion\.(\w+)\s*", expression or "")
    return simple.group(1) if simple else None


def _literal_prefix(pattern: str) -> str:
    """The literal start of an anchored regular expression (`^repo:acme/.*` -> `repo:acme/`):
    the workload a matches() condition names, to probe around."""
    if not pattern.startswith("^"):
        return ""
    literal = re.match(r"(?:\\.|[^\\.^$*+?()\[\]{}|])*", pattern[1:]).group(0)
    if re.match(r"[*+?{]", pattern[1 + len(literal):]):
        literal = literal[:-1]  # the last character is quantified
    return re.sub(r"\\(.)", r"\1", literal)


def _literal_regex(pattern: str) -> str | None:
    """The one string an anchored regular expression without metacharacters matches."""
    if not pattern.startswith("^") or not pattern.endswith("$") or pattern.endswith("\\$"):
        return None
    literal = re.fullmatch(r"(?:\\[^A-Za-z0-9]|[^\\.^$*+?()\[\]{}|])*", pattern[1:-1])
    return re.sub(r"\\(.)", r"\1", pattern[1:-1]) if literal else None


def _cel_unescape(text: str) -> str:
    """A CEL string literal's body as its value: an escaped backslash or quote is that character."""
    return re.sub(r"\\([\\'\"])", r"\1", text)


def anchors(provider: GcpProvider, member: str) -> dict[str, list[str]]:
    """Claim values a provider's condition and a grant's member name: the workload to probe around."""
    values: dict[str, list[str]] = {}

    def add(scope, name, value):
        claim = _claim_of(scope, name, provider.mapping)
        if claim and value is not None:
            values.setdefault(claim, []).append(value)

    condition = provider.condition[0] if provider.condition else ""
    for match in _EQUALS.finditer(condition):
        if match.group(1):
            add(match.group(1), match.group(2), match.group(3) if match.group(3) is not None else match.group(4))
        else:
            add(match.group(7), match.group(8), match.group(5) if match.group(5) is not None else match.group(6))
    for match in _STARTS.finditer(condition):
        add(match.group(1), match.group(2), (match.group(3) if match.group(3) is not None else match.group(4)) + "*")
    for match in _MATCHES.finditer(condition):
        pattern = _cel_unescape(match.group(3) if match.group(3) is not None else match.group(4))
        exact = _literal_regex(pattern)
        prefix = _literal_prefix(pattern)
        if exact is not None:
            add(match.group(1), match.group(2), exact)  # '^acme/app$' names acme/app as == does
        elif prefix:
            add(match.group(1), match.group(2), prefix + "*")
    for match in _IN.finditer(condition):
        for quoted in re.findall(_QUOTED, match.group(3)):
            add(match.group(1), match.group(2), quoted[0] or quoted[1])
    parsed = parse_member(member)
    if parsed is not None and parsed[0] == "attribute":
        name, _, value = parsed[2].partition("=")
        add("attribute", name, value)
    elif parsed is not None and parsed[0] == "subject":
        add("google", "subject", parsed[2])
    if "repository" in values and "sub" not in values:
        values["sub"] = [f"repo:{v}:*" for v in values["repository"]]
    if "repository_owner" in values and "sub" not in values:
        values["sub"] = [f"repo:{v}/*" for v in values["repository_owner"]]
    return values


def _mapping_programs(provider: GcpProvider, model: ScanModel) -> dict[str, Expression] | None:
    mapping = provider.mapping or {k: (v, provider.location.span) for k, v in _DEFAULT_MAPPING.items()}
    programs = {}
    for target, (text, span) in mapping.items():
        try:
            programs[target] = ClaimReference.of(text) or Expression(text, span, provider.location.path,
                                                                     f"attribute_mapping[{target!r}]")
        except AnalysisError as exc:
            model.problems.append(Problem(Location(provider.location.path, exc.span), f"{provider.address}: {exc.message}", provider.address))
            return None
    return programs


def _constraint(claim: str, operator: str, text: str, span: Span, path: str) -> Constraint:
    return Constraint(claim, claim, operator, [text], [span], Location(path, span))


def _same_project(provider: GcpProvider, grant: GcpGrant) -> bool:
    """Pool ids such as "github" repeat across projects: a pool and a member join when their
    project numbers are equal, or, where one is not known, when both come from the same kind
    of source (a Terraform configuration's pool and its binding; never a Terraform pool and a
    gcloud export of some other project)."""
    numbers = {_project_number(grant.member), provider.project_number}
    if None not in numbers:
        return len(numbers) == 1
    return _origin(provider.resource_type) == _origin(grant.resource_type)


def _origin(resource_type: str) -> str:
    return "gcloud" if resource_type.startswith("gcloud-") else "terraform"


def join(providers: list[GcpProvider], grants: list[GcpGrant], model: ScanModel) -> None:
    """Pair each grant with the providers of its pool and add the trusts to the model. A
    provider no grant in the scan reaches (its grants often live in another repository) is
    judged on its own, as a grant to the whole pool would see it: what its condition lets in."""
    joined: set[int] = set()
    for grant in grants:
        for provider in providers:
            if provider.disabled or provider.kind != "oidc":
                continue
            if grant.pool_keys & provider.pool_keys and _same_project(provider, grant):
                trust = _trust(provider, grant, model)
                if trust is not None:
                    model.trusts.append(trust)
                    joined.add(id(provider))
    for provider in providers:
        if provider.disabled or provider.kind != "oidc" or id(provider) in joined:
            continue
        if provider.issuer_url is None or provider.condition_from_variable:
            # A module's provider whose issuer or condition its callers give: judged through
            # the calls, not on the module's defaults.
            why = "its issuer is not known statically" if provider.issuer_url is None else \
                "its attribute_condition is a variable's default (the callers decide)"
            model.unknowns.append((provider.location, provider.address,
                                   f"no grant in the scan reaches this provider and {why}: not judged on its own"))
            continue
        trust = _trust(provider, _pool_wide(provider), model)
        if trust is not None:
            trust.principal_kind = POOL_WIDE
            trust.related = [r for r in trust.related if r.label != "grant"]
            model.trusts.append(trust)


POOL_WIDE = "pool"  # principal_kind of a provider judged alone: any principal a grant on its pool names


def _pool_wide(provider: GcpProvider) -> GcpGrant:
    pool = next(iter(sorted(provider.pool_keys)), "\u27e8pool\u27e9")
    if "workloadIdentityPools/" not in pool and not pool.startswith("\u27e8"):
        pool = f"\u27e8{pool}\u27e9"
    member = f"principalSet://iam.googleapis.com/{pool}/*"
    return GcpGrant(member=member, member_span=provider.location.span, pool_keys=set(provider.pool_keys),
                    role="roles/iam.workloadIdentityUser", address=provider.address, resource_type=provider.resource_type,
                    location=provider.location, principal_name="any principal a grant on its pool names",
                    names=[provider.address], member_path=provider.location.path)


def _trust(provider: GcpProvider, grant: GcpGrant, model: ScanModel) -> TrustRelationship | None:
    parsed = parse_member(grant.member)
    if parsed is None:
        return None
    kind, _, selector = parsed
    mapping = _mapping_programs(provider, model)
    if mapping is None:
        return None
    condition = None
    if provider.condition is not None:
        try:
            condition = Expression(provider.condition[0], provider.condition[1], provider.location.path, "attribute_condition")
        except AnalysisError as exc:
            model.problems.append(Problem(Location(provider.location.path, exc.span), f"{provider.address}: {exc.message}", provider.address))
            return None
    member_path = grant.member_path or grant.location.path
    member_constraint = _constraint(kind, "member", grant.member, grant.member_span, member_path)
    condition_constraint = (
        _constraint("attribute_condition", "CEL", condition.text, condition.span, provider.location.path) if condition else None
    )
    failures: list[str] = []
    named = anchors(provider, grant.member)
    # Workloads the condition or member name at GCP's grain (a repository, a project): their
    # other refs are what the trust means, not a wildcard.
    platform = platform_of(provider.issuer_url)
    grain_values = {v for claim in _WORKLOAD_CLAIMS for v in named.get(claim, [])
                    if not v.endswith("*") and (claim != "sub" or _names_a_repository(platform, v))}

    def admits(claims: dict) -> Admission:
        try:
            admission = _admits(claims, mapping, condition, kind, selector, member_constraint, condition_constraint, provider)
            if admission.admitted and any(claims.get(c) in grain_values for c in _WORKLOAD_CLAIMS):
                admission.grain = True
            return admission
        except AnalysisError as exc:
            if not failures:
                failures.append(exc.message)
                model.problems.append(Problem(Location(provider.location.path, exc.span), f"{provider.address}: {exc.message}", provider.address))
            return Admission(False)

    subject = [c for c in (condition_constraint, member_constraint if kind != "all" else None) if c is not None]
    prepared = _searchable(provider, kind, selector, model)
    audiences = provider.audiences
    return TrustRelationship(
        provider="gcp",
        address=grant.address,
        resource_type=grant.resource_type,
        principal_kind="service-account" if grant.role.lower() in GRANTING_ROLES else "resource",
        principal_name=grant.principal_name,
        location=grant.location,
        issuer=Issuer(provider.issuer_url, platform_of(provider.issuer_url), provider.issuer_location),
        subject=subject,
        audience=[_constraint("aud", "allowed_audiences", text, span, provider.location.path) for text, span in audiences or []],
        other_conditions=[],
        admits=admits,
        statements=[provider.location],
        names=list(grant.names),
        audience_unchecked=[],
        anchors=named,
        audience_address=provider.address,
        audience_broad=[
            _constraint("aud", "allowed_audiences", text, span, provider.location.path)
            for text, span in audiences or [] if _broad_audience(text)
        ],
        subject_mapping=_subject_mapping(provider),
        searches=(lambda limits: condition_witnesses(prepared, limits)) if prepared is not None else None,
        related=[
            Location(member_path, grant.member_span, "grant"),
            Location(provider.location.path, provider.location.span, "provider"),
        ],
    )


def _searchable(provider: GcpProvider, kind: str, selector: str | None, model: ScanModel):
    """The condition and member as gcp_witness searches them, or None, said in --explain-unknowns:
    then only the anchored probes judge the trust (they may miss what they do not anticipate)."""
    platform = platform_of(provider.issuer_url)
    span = provider.condition[1] if provider.condition else provider.location.span
    reason = None
    if platform != "github-actions":
        reason = f"the attribute condition is not searched (tokens of {platform} issuers are not modelled)" if provider.condition else None
    else:
        try:
            return prepare({t: text for t, (text, _) in provider.mapping.items()},
                           provider.condition[0] if provider.condition else None, kind, selector)
        except Unsupported as exc:
            reason = f"the attribute condition is not searched ({exc})"
    if reason is not None:
        unknown = (Location(provider.location.path, span), provider.address, f"{reason}: judged by anchored probes only")
        if unknown not in model.unknowns:
            model.unknowns.append(unknown)
    return None


def _names_a_repository(platform: str, sub: str) -> bool:
    """Whether an exact sub is at GCP's grain: a custom template naming no repository (or no
    owner), such as repository_owner_id:123:environment:prod, is every repository's sub."""
    return not any(a.implicit in (TENANT, REPOSITORY) for a in custom_template_alternatives(platform, [sub]))


def _broad_audience(value: str) -> bool:
    """An allowed audience that is not this provider's own name (GCP's default): e.g. GitHub's
    default aud https://github.com/OWNER, which every token of the organisation carries."""
    if "\u27e8" in value:
        return False  # unknown: never a finding by itself
    return not ("iam.googleapis.com/projects/" in value and "/providers/" in value)


def _subject_mapping(provider: GcpProvider) -> Constraint | None:
    if "google.subject" not in provider.mapping:
        return None
    text, span = provider.mapping["google.subject"]
    return Constraint("google.subject", provider.address, "attribute_mapping", [text], [span], Location(provider.location.path, span))


def _admits(claims, mapping, condition, kind, selector, member_constraint, condition_constraint, provider) -> Admission:
    assertion = dict(claims)
    assertion.setdefault("aud", "")
    google: dict = {}
    attribute: dict = {}
    for target, program in mapping.items():
        try:
            value = program.evaluate(assertion)
        except Missing:
            continue  # a claim this token lacks: the attribute is simply not set
        if target.startswith("google."):
            google[target[len("google."):]] = value
        elif target.startswith("attribute."):
            attribute[target[len("attribute."):]] = value
    if "subject" not in google:
        return Admission(False)  # GCP requires google.subject
    try:
        if condition is not None and condition.evaluate(assertion, google, attribute) is not True:
            return Admission(False)
    except Missing:
        return Admission(False)  # a condition that cannot be evaluated rejects the token
    statement = provider.location
    if kind == "all":
        if condition is None:
            return Admission(True, statement=statement)
        return Admission(True, blamed=condition_constraint, blamed_value=0, statement=statement)
    if kind == "subject":
        if google.get("subject") != selector:
            return Admission(False)
        exact = claims.get("sub") == selector
        grain = any(claims.get(c) == selector for c in _WORKLOAD_CLAIMS) and _names_a_repository(
            platform_of(provider.issuer_url), selector)
        return Admission(True, blamed=member_constraint, blamed_value=0, exact=exact, grain=grain, statement=statement)
    if kind == "group":
        groups = google.get("groups") or []
        if selector not in (groups if isinstance(groups, list) else [groups]):
            return Admission(False)
        return Admission(True, blamed=member_constraint, blamed_value=0, statement=statement)
    name, _, value = selector.partition("=")
    actual = attribute.get(name)
    if actual != value and not (isinstance(actual, list) and value in actual):
        return Admission(False)
    # A member pinning one repository/project/workspace is GCP's documented grain: other
    # refs of it are what the grant means, so only wider admissions are blamed on it.
    exact = claims.get("sub") == value
    grain = any(claims.get(c) == value for c in _WORKLOAD_CLAIMS)
    return Admission(True, blamed=member_constraint, blamed_value=0, exact=exact, grain=grain, statement=statement)
