"""AWS: IAM roles, their trust policies and OIDC providers into the common model.

Format modules (Terraform, CloudFormation, plain JSON) read resources into `RoleInput` and
`ProviderInput`; this module decides who each role trusts, with iam.py's evaluator behind
each `TrustRelationship.admits`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import AnalysisError
from ..model import Admission, Constraint, Issuer, Location, Problem, PublicTrust, ScanModel, TrustRelationship
from ..resources import ProviderInput, RoleInput
from ..values import Node, Ref, Template, Unknown, text_of
from . import iam
from .glob import has_wildcard
from .platforms import AUDIENCE_CLAIMS, AWS_EXTRA_KEYS, normalise_issuer, platform_of, subject_claims
from ..lazy_re import lazy

WEB_IDENTITY = "sts:AssumeRoleWithWebIdentity"
_BUILTIN_FEDERATED = {
    "cognito-identity.amazonaws.com",
    "accounts.google.com",
    "graph.facebook.com",
    "www.amazon.com",
}
# Condition keys that pin *which AWS principal* calls: with one of these, Principal "*" is
# not public.
_CALLER_PINNING_KEYS = {
    "aws:principalorgid", "aws:principalaccount", "aws:principalarn", "aws:sourceaccount",
    "aws:sourcearn", "aws:principalorgpaths", "aws:sourceorgid", "aws:sourceorgpaths",
    "aws:userid", "aws:username", "aws:principalservicename", "aws:sourceowner",
}
_PLACEHOLDER_REF = lazy(r"^\u27e8([A-Za-z0-9_.\-\[\]\"]+?)\.(?:arn|id|Arn|Ref)\u27e9$")
# Platforms whose jobs choose their token's audience; elsewhere (Google: aud is the service
# account's id, Cognito: the identity pool, CircleCI: the organisation) it names the caller.
CALLER_CHOSEN_AUDIENCE = {"github-actions", "gitlab", "terraform-cloud", "kubernetes", "buildkite", "azure-devops", "unknown"}
_FREE_KEYS = {"sts:rolesessionname", "sts:sourceidentity", "aws:sourceidentity"}
# Request context that says nothing about *who* calls: any caller's request can satisfy it
# (transport, time, region, client), so a condition on it narrows no workload.
_CONTEXT_KEYS = {"aws:securetransport", "aws:currenttime", "aws:epochtime", "aws:requestedregion", "aws:useragent",
                 "aws:referer", "aws:tokenissuetime", "aws:viaawsservice", "aws:calledvia", "aws:calledviafirst",
                 "aws:calledvialast"}


@dataclass
class _Group:
    """The statements of a role's trust that accept one issuer."""

    issuer_key: str  # normalised issuer, or a placeholder when unknown
    url: str | None
    principal_node: Node
    provider: ProviderInput | None
    statements: list = field(default_factory=list)


def resolve_issuer(node: Node, providers: dict[str, ProviderInput]) -> tuple[str | None, ProviderInput | None]:
    """The issuer URL a Federated principal stands for, and the provider resource if in the scan."""
    value = node.value
    if isinstance(value, Ref):
        provider = providers.get(value.address)
        if provider is not None and value.attribute in ("arn", "id", "Arn", "Ref"):
            return provider.url, provider
        return None, None
    text = text_of(node) or ""
    placeholder = _PLACEHOLDER_REF.match(text)
    if placeholder:  # "${aws_iam_openid_connect_provider.x.arn}" in a heredoc, "${Oidc.Arn}" in Fn::Sub
        address = placeholder.group(1)
        provider = providers.get(address) or providers.get(address.split("[")[0])
        if provider is not None:
            return provider.url, provider
    if "oidc-provider/" in text:
        issuer = text.split("oidc-provider/", 1)[1]
        if "\u27e8" in issuer:
            return None, None
        provider = next((p for p in providers.values() if p.url and normalise_issuer(p.url) == issuer), None)
        return issuer, provider
    if text in _BUILTIN_FEDERATED:
        return text, None
    return None, None


def _issuer_from_keys(statements: list[iam.Statement]) -> str | None:
    for statement in statements:
        for clause in statement.clauses:
            prefix, _, claim = clause.key.rpartition(":")
            if claim.lower() in ("sub", "aud") and "." in prefix and "\u27e8" not in prefix:
                return prefix
    return None


def _why(node) -> str:
    reason = getattr(node.value, "reason", "")
    return f" ({reason})" if reason and reason != "not known before apply" else ""


_ACCOUNT = lazy(r"^arn:aws[\w-]*:iam::(\d{12}):")


def account_of(arn: str | None) -> str | None:
    """The 12-digit account of an IAM ARN (role, OIDC provider), when it is written out."""
    match = _ACCOUNT.match(arn or "")
    return match.group(1) if match else None


def build_role(role: RoleInput, providers: dict[str, ProviderInput], model: ScanModel) -> None:
    """Add the trust relationships (and public trusts) of one IAM role to the model."""
    if role.policy is None:
        return
    if isinstance(role.policy.value, (Unknown, Template)):
        model.unknowns.append((Location(role.path, role.policy.span), text_of(role.policy) or "",
                               f"{role.address}: trust policy not known statically" + _why(role.policy)))
        return  # a policy known only after apply: nothing to judge, and never a finding
    if role.max_session is not None and isinstance(role.max_session.value, (Unknown, Template)):
        # The session limit TL005 judges: a value known only at deploy time is listed, never dropped.
        model.unknowns.append((Location(role.path, role.max_session.span), text_of(role.max_session) or "",
                               f"{role.address}: max_session_duration not known statically" + _why(role.max_session)))
    try:
        document, policy_path = iam.policy_from_node(role.policy, role.path)
        statements = iam.read_statements(document)
    except AnalysisError as exc:
        model.problems.append(Problem(Location(role.path, exc.span), f"{role.address}: {exc.message}", role.address))
        return
    groups: dict[str, _Group] = {}
    denies = [s for s in statements if s.effect.lower() == "deny"]
    for statement in statements:
        if statement.effect.lower() != "allow":
            continue
        for kind, node in iam.principal_entries(statement):
            anyone = kind == "*" or (kind == "aws" and text_of(node) == "*")
            if anyone and iam.action_matches(statement, "sts:AssumeRole") is True:
                _check_public(role, statement, node, denies, policy_path, model)
            web_identity = iam.action_matches(statement, WEB_IDENTITY) is True
            if not web_identity or not (kind == "federated" or anyone):
                continue
            url, provider = resolve_issuer(node, providers) if kind == "federated" else (None, None)
            key = normalise_issuer(url) if url else None
            if key is None:
                key = _issuer_from_keys([statement]) or text_of(node) or "?"
            known = key if "." in key and "\u27e8" not in key else None
            group = groups.setdefault(key, _Group(key, normalise_issuer(url) if url else known, node, provider))
            group.statements.append(statement)
    for group in groups.values():
        model.trusts.append(_trust(role, group, denies, policy_path))
    _note_unknowns(document, policy_path, role.address, model)


def _note_unknowns(node: Node, path: str, address: str, model: ScanModel) -> None:
    """Every value of the policy that stayed unknown, for --explain-unknowns."""
    value = node.value
    if isinstance(value, dict):
        for child in value.values():
            _note_unknowns(child, path, address, model)
    elif isinstance(value, list):
        for child in value:
            _note_unknowns(child, path, address, model)
    elif isinstance(value, (Unknown, Template)):
        parts = [value] if isinstance(value, Unknown) else [p for p in value.parts if isinstance(p, Unknown)]
        for part in parts:
            model.unknowns.append((Location(path, node.span), part.expr, f"{address}: {part.reason}"))


def _check_public(role: RoleInput, statement: iam.Statement, node: Node, denies: list, path: str, model: ScanModel) -> None:
    """Principal "*" for sts:AssumeRole is public unless a condition pins the caller: a
    positive one on the Allow, or a negated one on a Deny that covers everyone."""
    if statement.unknown_condition or any(_pins_caller(clause) for clause in statement.clauses):
        return
    for deny in denies:
        covers_everyone = any(kind == "*" or text_of(n) == "*" for kind, n in iam.principal_entries(deny))
        if covers_everyone and iam.action_matches(deny, "sts:AssumeRole") is not False and any(
                _pins_caller(clause, negated=True) for clause in deny.clauses):
            return
    actions = [text_of(a) or "" for a in statement.actions] or ["NotAction"]
    model.public.append(PublicTrust("aws", role.address, role.resource_type, Location(path, node.span), actions))


def _deny_covers(deny: iam.Statement, group: _Group) -> bool:
    """Does a Deny's Principal / NotPrincipal include this group's federated provider?"""
    if deny.not_principal is not None:
        excluded = [n for _, n in iam.principal_entries(iam.Statement("Deny", deny.span, deny.not_principal, None, [], []))]
        return not any(text_of(n) == text_of(group.principal_node) or n.value == group.principal_node.value for n in excluded)
    for kind, node in iam.principal_entries(deny):
        if kind == "*" or text_of(node) == "*":
            return True
        if kind == "federated" and (text_of(node) == text_of(group.principal_node) or node.value == group.principal_node.value):
            return True
    return False


def _pins_caller(clause: iam.Clause, negated: bool = False) -> bool:
    """A condition on a caller-identifying key whose values name a specific organisation /
    account (`o-*` or `arn:aws:iam::*:role/*` pin nothing): positive on an Allow, negated
    (StringNotEquals) on a Deny."""
    key = clause.key.lower()
    if key not in _CALLER_PINNING_KEYS or clause.positive == negated or clause.vacuous_when_missing:
        return False
    for value in clause.texts():
        pinned = value
        if key in ("aws:principalarn", "aws:sourcearn"):
            parts = value.split(":")
            pinned = parts[4] if len(parts) > 4 else ""
        elif key in ("aws:principalorgpaths", "aws:sourceorgpaths"):
            pinned = value.split("/")[0]
        if not pinned or has_wildcard(pinned):
            return False
    return bool(clause.values)


_SUBJECT_SHAPES = (("system:serviceaccount:", "kubernetes"), ("repo:", "github-actions"),
                   ("project_path:", "gitlab"), ("organization:", "terraform-cloud"))


def _platform(url: str | None, statements: list[iam.Statement]) -> str:
    """The issuer's platform; when the issuer is not known statically (a module output), the
    shape of the subjects it is asked for tells it."""
    platform = platform_of(url)
    if platform != "unknown" or url:
        return platform
    for statement in statements:
        for clause in statement.clauses:
            if clause.key.lower().endswith(":sub"):
                for text in clause.texts():
                    for prefix, shape in _SUBJECT_SHAPES:
                        if text.startswith(prefix):
                            return shape
    return platform


def _trust(role: RoleInput, group: _Group, denies: list[iam.Statement], path: str) -> TrustRelationship:
    platform = _platform(group.url, group.statements)
    subject_names = subject_claims(platform) | (set() if platform in CALLER_CHOSEN_AUDIENCE else {"aud"})
    extra_keys = AWS_EXTRA_KEYS.get(platform, set())
    issuer_key = group.issuer_key.lower()

    def request_value(key: str, claims: dict):
        lowered = key.lower()
        prefix, _, claim = lowered.rpartition(":")
        if prefix == issuer_key or ("\u27e8" in prefix):
            if claim in AUDIENCE_CLAIMS and platform in CALLER_CHOSEN_AUDIENCE:
                # The token's holder picks its audience: free for a token that names none; a
                # token that names one is judged with it by every statement, Deny included
                # (admits() tries each audience the trust accepts).
                return [claims[claim]] if claim in claims else iam.FREE
            if claim == "sub" or claim in extra_keys or claim in AUDIENCE_CLAIMS:
                return [claims[claim]] if claim in claims else iam.ABSENT
            return iam.ABSENT
        if "." in prefix:
            return iam.ABSENT  # another issuer's key: not in this request
        if lowered in _FREE_KEYS or lowered in _CONTEXT_KEYS:
            return iam.FREE
        if lowered.startswith("aws:requesttag/") or lowered == "aws:tagkeys":
            return iam.ABSENT
        return iam.UNKNOWN

    def claim_of(clause: iam.Clause) -> str | None:
        prefix, _, claim = clause.key.lower().rpartition(":")
        if prefix == issuer_key or "\u27e8" in prefix:
            return claim
        return None

    def evaluate(statement: iam.Statement, claims: dict):
        if statement.unknown_condition:
            return None, []
        outcome: bool | None = True
        results = []
        for clause in statement.clauses:
            result = iam.evaluate_clause(clause, request_value(clause.key, claims))
            results.append((clause, result))
            if result.value is False:
                return False, results
            if result.value is None:
                outcome = None
        return outcome, results

    def denied(deny: iam.Statement, claims: dict) -> bool:
        """A Deny blocks a token only when it certainly applies: its principal covers this
        provider, and every condition holds whatever values the caller chooses. A Deny that
        trustlint cannot evaluate does not hide the Allow's breadth (fail closed)."""
        if iam.action_matches(deny, WEB_IDENTITY) is False or not _deny_covers(deny, group):
            return False
        if deny.unknown_condition:
            return False
        for clause in deny.clauses:
            request = request_value(clause.key, claims)
            if request is iam.FREE:
                return False  # the caller picks a value that avoids the Deny
            if iam.evaluate_clause(clause, request).value is not True:
                return False
        return True

    def admits_as_sent(claims: dict) -> Admission:
        if any(denied(deny, claims) for deny in denies):
            return Admission(False)
        for statement in group.statements:
            verdict, results = evaluate(statement, claims)
            if verdict is True:
                return _admission(statement, results, path, claim_of, subject_names)
        return Admission(False)

    # A holder who picks the audience picks whichever one gets in: one audience for the whole
    # request, so the Allow it meets and the Deny it meets see the same value. The token is
    # admitted with one of the audiences the statements name, or with one they do not name.
    audiences = (_audiences_asked(group.statements + denies, claim_of) + [CHOSEN_AUDIENCE]
                 if platform in CALLER_CHOSEN_AUDIENCE else [])

    def admits(claims: dict) -> Admission:
        if "aud" not in claims and audiences:
            tried = [admits_as_sent({**claims, "aud": audience}) for audience in audiences]
            return next((a for a in tried if a.admitted), tried[0])
        admission = admits_as_sent(claims)
        if admission.admitted or "aud" not in claims:
            return admission
        for audience in audiences:
            if audience != claims["aud"]:
                chosen = admits_as_sent({**claims, "aud": audience})
                if chosen.admitted:
                    return chosen
        return admission

    constraints = [(_constraint(c, claim_of(c), path), claim_of(c)) for s in group.statements for c in s.clauses]
    conjunctions, exclusions, requirements = _ways_in(group, denies, claim_of)
    max_session = role.max_session
    seconds = _whole_seconds(max_session.value) if max_session is not None else None
    provider = group.provider
    unchecked = [
        Location(path, s.span) for s in group.statements
        if not s.unknown_condition and not any(
            # aud is in every OIDC token, so ForAllValues on it checks it; IfExists does too
            claim_of(c) in AUDIENCE_CLAIMS and c.positive for c in s.clauses)
    ]
    return TrustRelationship(
        provider="aws",
        address=role.address,
        resource_type=role.resource_type,
        principal_kind="role",
        principal_name=role.name,
        location=Location(role.path, role.header),
        issuer=Issuer(group.url, platform, Location(path, group.principal_node.span)),
        subject=[c for c, claim in constraints if claim in subject_names],
        audience=[c for c, claim in constraints if claim in AUDIENCE_CLAIMS],
        other_conditions=[c for c, claim in constraints if claim not in subject_names and claim not in AUDIENCE_CLAIMS],
        admits=admits,
        statements=[Location(path, s.span) for s in group.statements],
        max_session_seconds=seconds,
        session_location=Location(role.path, max_session.span) if max_session is not None else None,
        names=list(role.names),
        enforced_audiences=provider.client_ids if provider else None,
        enforced_audience_location=(provider.client_ids_location or provider.location) if provider else None,
        audience_unchecked=unchecked,
        account=account_of(text_of(group.principal_node)),
        subject_conjunctions=conjunctions,
        claim_requirements=requirements,
        subject_exclusions=exclusions,
    )


def _whole_seconds(value) -> int | None:
    """A duration as IAM reads it: an integer, or a number written `43200.0` (JSON, HCL and
    CloudFormation numbers are read whole), or such a number in a string."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        try:
            value = float(value.strip()) if value.strip() else None
        except ValueError:
            return None
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    return value if isinstance(value, int) else None


CHOSEN_AUDIENCE = "attacker-chosen-audience"  # an audience no statement names


def _audiences_asked(statements: list[iam.Statement], claim_of) -> list[str]:
    """Audience values the Allow statements accept, a pattern's wildcards filled."""
    out: list[str] = []
    for statement in statements:
        for clause in statement.clauses:
            if clause.positive and claim_of(clause) in AUDIENCE_CLAIMS:
                for text in clause.texts():
                    value = text.replace("*", "x").replace("?", "x")
                    if value not in out:
                        out.append(value)
    return out


def _ways_in(group: _Group, denies: list[iam.Statement], claim_of) -> tuple[list, list, list]:
    """What the admission analysis reads, per Allow statement (way in): its positive `sub`
    clauses plus every one-condition Deny's subject exemptions (the conjunction), its negated
    `sub` clauses (exclusions), and its positive conditions on other claims plus every
    one-condition Deny's negated test of another claim (requirements a witness must meet)."""
    exemptions: list = []
    deny_required: dict[str, list] = {}
    optional = _partial_exemptions(group, denies, claim_of)
    for deny in denies:
        if len(deny.clauses) != 1 or deny.unknown_condition or deny.clauses[0].positive:
            continue
        clause, claim, patterns = deny.clauses[0], claim_of(deny.clauses[0]), _pattern_clause(deny.clauses[0])
        if claim is None or patterns is None or iam.action_matches(deny, WEB_IDENTITY) is False or not _deny_covers(deny, group):
            continue
        if claim == "sub":  # StringNotLike sub: a token gets past it only by matching one value
            exemptions.append(patterns)
        elif patterns:  # StringNotEquals environment prod: only by carrying a value it names
            deny_required.setdefault(claim, [(value, like) for value, like, _ in patterns])
    conjunctions, exclusions, requirements = [], [], []
    for statement in group.statements:
        if statement.unknown_condition:
            continue
        positive, negated, required = [], [], {}
        for clause in statement.clauses:
            claim, patterns = claim_of(clause), _pattern_clause(clause)
            if patterns is None or claim is None or claim in AUDIENCE_CLAIMS:
                continue
            if claim == "sub" and clause.positive:
                positive.append(patterns)
            elif claim == "sub" and not clause.vacuous_when_missing:
                negated.append(patterns)  # StringNotLike sub in the Allow: a witness must match none
            elif claim != "sub" and clause.positive and patterns:
                required.setdefault(claim, [(value, like) for value, like, _ in patterns])
        # A Deny with several conditions blocks only tokens meeting all of them: the search is
        # run without its subject exemption (a token avoiding it another way) and with it (a
        # token it lets through); the evaluator decides which witnesses really get in.
        variants = [[]] + [[patterns] for patterns in optional] + ([optional] if len(optional) > 1 else [])
        for extra in variants:
            conjunctions.append(positive + exemptions + extra)
            exclusions.append(negated)
            requirements.append({**deny_required, **required})
    return conjunctions, exclusions, requirements


MAX_PARTIAL_DENIES = 4  # Deny statements with several conditions read as optional exemptions


def _partial_exemptions(group: _Group, denies: list[iam.Statement], claim_of) -> list:
    """The negated sub clauses of Deny statements with more than one condition."""
    out = []
    for deny in denies:
        if len(deny.clauses) < 2 or deny.unknown_condition or iam.action_matches(deny, WEB_IDENTITY) is False \
                or not _deny_covers(deny, group):
            continue
        for clause in deny.clauses:
            patterns = _pattern_clause(clause)
            if claim_of(clause) == "sub" and not clause.positive and patterns:
                out.append(patterns)
    return out[:MAX_PARTIAL_DENIES]


def _pattern_clause(clause: iam.Clause) -> list[tuple[str, bool, bool]] | None:
    """A string clause as patterns (value, like, ignore_case); None for other operators."""
    spec = iam._STRING_OPERATORS.get(clause.base)
    if spec is None or clause.qualifier == "forallvalues" and not clause.positive:
        return None
    kind, _, ignore_case = spec
    return [(value, kind == "like", ignore_case) for value in clause.texts()]


def _constraint(clause: iam.Clause, claim: str | None, path: str) -> Constraint:
    return Constraint(
        claim=claim or clause.key,
        key=clause.key,
        operator=clause.operator,
        values=clause.texts(),
        value_spans=[v.span for v in clause.values],
        location=Location(path, clause.span),
        positive=clause.positive,
        vacuous_when_missing=clause.vacuous_when_missing,
    )


def _admission(statement, results, path, claim_of, subject_names) -> Admission:
    subject_hits = [
        (clause, result) for clause, result in results
        if claim_of(clause) in subject_names and clause.positive and not result.vacuous
        and result.matched_index is not None
    ]
    vacuous = [_constraint(c, claim_of(c), path) for c, r in results if r.vacuous]
    sub_hits = [(c, r) for c, r in subject_hits if claim_of(c) == "sub"]
    chosen = (sub_hits or subject_hits or [None])[0]
    if chosen is None:
        return Admission(True, statement=Location(path, statement.span), vacuous=vacuous)
    clause, result = chosen
    return Admission(
        True,
        blamed=_constraint(clause, claim_of(clause), path),
        blamed_value=result.matched_index,
        exact=bool(sub_hits) and result.exact,
        statement=Location(path, statement.span),
        vacuous=vacuous,
    )

