"""Facts: what rules read. Each model object becomes a plain dict (documented by
schemas/facts.schema.json) after its trust has been probed with adversarial tokens."""

from __future__ import annotations

import itertools
import re
from collections import defaultdict
from dataclasses import dataclass, field

from ..model import Admission, Constraint, Location, ScanModel, TrustRelationship, location_fact
from ..trust.glob import has_wildcard
from ..trust.probes import BREADTHS, LEGIT, OTHER_TENANT, Probe, probes_for
from ..trust.tiers import DEFAULT_TIERS, TierPatterns
from ..trust.witness import condition_probes, within_enterprise, witness_probes
from ..lazy_re import lazy


@dataclass
class Settings:
    """The configured limits the facts are judged against (session lengths, tiers, trusted issuers)."""

    max_session_seconds: int = 3600
    admin_severity_step: int = 1  # a trust finding on an admin identity is raised this many steps
    tiers: TierPatterns = DEFAULT_TIERS
    repository: str | None = None  # owner/name of the scanned repository, for workflow subjects
    session_by_tier: dict = field(default_factory=dict)  # tier -> limit in seconds (overrides the default)
    trusted_issuers: list = field(default_factory=list)  # issuer URLs the organisation accepts; empty: any

    def session_limit(self, tier: str) -> int:
        return self.session_by_tier.get(tier, self.max_session_seconds)

    def issuer_trusted(self, url: str | None) -> bool:
        if not self.trusted_issuers or not url:
            return True  # nothing configured, or unknown: never a finding by itself
        from ..trust.platforms import normalise_issuer

        return normalise_issuer(url) in {normalise_issuer(i) for i in self.trusted_issuers}


def _value_location(constraint: Constraint, index: int | None) -> dict:
    if index is not None and index < len(constraint.value_spans):
        return location_fact(Location(constraint.location.path, constraint.value_spans[index]))
    return location_fact(constraint.location)


def _subject_values(trust: TrustRelationship) -> dict[str, list[str]]:
    if trust.anchors:
        return trust.anchors
    values: dict[str, list[str]] = defaultdict(list)
    for constraint in trust.subject:
        if constraint.positive:
            values[constraint.claim].extend(constraint.values)
    return values


@dataclass
class _Probed:
    """A probe token and what the trust made of it."""

    probe: Probe
    admission: Admission


def _advice(trust: TrustRelationship, suggestion: str) -> dict:
    """How to fix subject and audience problems, in the cloud's own terms."""
    issuer = trust.issuer.url or "the issuer"
    if trust.provider == "gcp":
        return {
            "subject": f"grant to principalSet://…/attribute.repository/OWNER/REPO (or principal://…/subject/{suggestion}) "
                       "and pin the repository in attribute_condition",
            "audience": "leave allowed_audiences empty (the provider's own name is the default) or list only that name",
        }
    if trust.provider == "azure":
        return {
            "subject": f"use a classic federated credential with subject {suggestion}, or a flexible expression using eq",
            "audience": "use the audience api://AzureADTokenExchange",
        }
    return {
        "subject": f"use StringEquals on {issuer}:sub with the exact subject, e.g. {suggestion}",
        "audience": f"add StringEquals on {issuer}:aud (e.g. sts.amazonaws.com), or keep the OIDC provider's client_id_list to that one audience",
    }


_SUBJECT_TEMPLATES = {
    "github-actions": "repo:OWNER/REPO:environment:production",
    "gitlab": "project_path:GROUP/PROJECT:ref_type:branch:ref:main",
    "terraform-cloud": "organization:ORG:project:PROJECT:workspace:WORKSPACE:run_phase:apply",
    "kubernetes": "system:serviceaccount:NAMESPACE:SERVICE_ACCOUNT",
}


def probe_trust(trust: TrustRelationship) -> tuple[list[_Probed], str]:
    """Run every probe of the trust's platform through its evaluator; keep the admitted.
    Also returns an exact subject to suggest in fixes (the workload the trust names)."""
    anchored = [within_enterprise(trust, p) for p in probes_for(trust.issuer.platform, _subject_values(trust))]
    trust.analysis_limits = []
    searched = trust.searches(trust.analysis_limits) if trust.searches is not None else ()
    witnesses = (within_enterprise(trust, p) for p in itertools.chain(
        condition_probes(trust, anchored), witness_probes(trust, trust.analysis_limits), searched))
    admitted = [_Probed(p, _proven_exact(trust, p, a)) for p in anchored if (a := trust.admits(p.claims)).admitted]
    # A witness adds what the anchored probes missed: a breadth (or a tier at that breadth)
    # no admitted probe shows broadly (one matched exactly is the named workload). Where both
    # show it, the anchored probe is reported: it names the trust's own organisation and
    # context. Once another tenant is admitted nothing broader can follow: searches stop.
    shown = {(p.probe.breadth, p.probe.tier) for p in admitted
             if p.probe.breadth != LEGIT and not (p.admission.exact and not p.probe.shared_subject)}
    known = {tuple(sorted(p.claims.items())) for p in anchored}
    extra = []
    for witness in witnesses:
        if OTHER_TENANT in {breadth for breadth, _ in shown}:
            break
        if (witness.breadth, witness.tier) in shown or tuple(sorted(witness.claims.items())) in known:
            continue
        admission = trust.admits(witness.claims)
        if admission.admitted:
            extra.append(_Probed(witness, admission))
            shown.add((witness.breadth, witness.tier))
    # Best-ranked first within a search; of equally broad probes the report names the last.
    admitted = extra[::-1] + admitted
    named = [p for p in anchored if p.breadth == LEGIT]
    named.sort(key=lambda p: "environment" not in p.id)  # prefer a deployment environment
    suggestion = named[0].subject if named else _SUBJECT_TEMPLATES.get(trust.issuer.platform, "the exact sub of the workload")
    return admitted, suggestion


def _proven_exact(trust: TrustRelationship, probe: Probe, admission: Admission) -> Admission:
    """A probe let in by a pattern that admits exactly one subject is matched exactly: the
    analysis proved the wildcard names nothing more (`repo:acme/app:pull_request*`)."""
    blamed = admission.blamed
    if admission.exact or blamed is None or blamed.claim != "sub" or admission.blamed_value is None:
        return admission
    if "like" not in blamed.operator.lower() and blamed.operator.lower() != "matches":
        return admission
    from ..trust.admission import the_one_workload

    value = blamed.values[admission.blamed_value]
    if the_one_workload(trust.issuer.platform, value, True) == probe.claims.get("sub"):
        admission.exact = True
    return admission


def probe_tier(probe: Probe, tiers: TierPatterns) -> str:
    """A probe's tier: its environment's or branch's name decides when it has one."""
    environment = probe.claims.get("environment")
    if environment:
        return tiers.tier_of(environment)
    if probe.id == "named-branch":
        return tiers.tier_of(probe.claims.get("ref", "").removeprefix("refs/heads/"))
    return probe.tier


def _probe_fact(probed: _Probed, trust: TrustRelationship, tiers: TierPatterns) -> dict:
    admission = probed.admission
    blamed = admission.blamed
    if blamed is not None:
        location = _value_location(blamed, admission.blamed_value)
        matched = blamed.values[admission.blamed_value] if admission.blamed_value is not None else ""
        if blamed.claim != "sub" and blamed.key != blamed.claim and matched:
            matched = f"{blamed.claim} {matched}"  # a per-claim key: say which claim
    else:
        location = location_fact(admission.statement or trust.location)
        matched = ""
    return {
        "id": probed.probe.id,
        "subject": probed.probe.subject,
        "description": probed.probe.description,
        "breadth": probed.probe.breadth,
        "tier": probe_tier(probed.probe, tiers),
        "exact": admission.exact and not probed.probe.shared_subject,
        "within_grain": admission.grain,
        "constrained": blamed is not None,
        "matched_value": matched,
        "matched_operator": blamed.operator if blamed is not None else "",
        "vacuous": [f"{c.operator} on {c.key}" for c in admission.vacuous],
        "note": (f"; {', '.join(f'{c.operator} on {c.key}' for c in admission.vacuous)} passed only because the token "
                 "lacks that claim (ForAllValues and IfExists are true for a missing key)") if admission.vacuous else "",
        "location": location,
    }


def _widest(probes: list[dict]) -> dict:
    if not probes:
        return {"present": False, "breadth": "none"}
    rank = max(BREADTHS.index(p["breadth"]) for p in probes)
    # Of the widest probes, the last: builders list the most general one ("any repository
    # of any account") after the pointed ones ("a fork").
    worst = [p for p in probes if BREADTHS.index(p["breadth"]) == rank][-1]
    return dict(worst, present=True)


def _audience(trust: TrustRelationship) -> dict:
    positive = [c for c in trust.audience if c.positive]  # aud is always present: ForAllValues checks it
    values = [v for c in positive for v in c.values]
    # Only a Like operator makes "*" a wildcard; StringEquals "*" is a literal asterisk.
    wildcard = [c for c in positive if "like" in c.operator.lower() and any(v.strip("*?") == "" for v in c.values)]
    missing = bool(trust.audience_unchecked)
    enforced = trust.enforced_audiences
    broad = trust.audience_broad
    if wildcard:
        problem = "for any audience (wildcard)"
    elif broad:
        problem = f"for audiences not specific to it ({', '.join(v for c in broad for v in c.values)})"
    else:
        problem = "for any audience"
    fact = {
        "constrained": not missing and not wildcard and bool(positive),
        "missing": missing,
        "values": values,
        "wildcard": bool(wildcard),
        "enforced_by_issuer_side": enforced or [],
        "issuer_side_known": enforced is not None,
        "enforced_single": enforced is not None and len(enforced) == 1 and not has_wildcard(enforced[0])
        and "\u27e8" not in enforced[0],
        "location": location_fact(trust.audience_unchecked[0] if missing else trust.location),
        "broad": bool(broad),
        "problem": problem,
        "address": trust.audience_address or trust.address,
    }
    if broad:
        fact["location"] = location_fact(broad[0].location)
    if wildcard:
        fact["location"] = location_fact(Location(wildcard[0].location.path, wildcard[0].value_spans[0]))
    return fact


# Claims shared by many workloads: mapped to google.subject, they make principal://…/subject/S
# name a whole organisation, a person or a branch name rather than one workload.
_SHARED_CLAIMS = {
    "repository_owner", "repository_owner_id", "aud", "ref", "ref_type", "environment", "event_name",
    "workflow", "actor", "actor_id", "runner_environment", "repository_visibility", "namespace_path",
    "namespace_id", "terraform_organization_name", "terraform_organization_id", "terraform_project_name",
}


def _subject_mapping(trust: TrustRelationship) -> dict:
    mapping = trust.subject_mapping
    if mapping is None:
        return {"claim": "sub", "shared": False, "expression": "", "address": trust.address, "location": location_fact(trust.location)}
    expression = mapping.values[0]
    simple = re.fullmatch(r"\s*assertion\.(\w+)\s*", expression)
    claim = simple.group(1) if simple else ""
    return {
        "claim": claim,
        "shared": claim in _SHARED_CLAIMS,
        "expression": expression,
        "address": mapping.key,
        "location": location_fact(mapping.location),
    }


def _tier_label(tier: str, kind: str) -> str:
    noun = {"role": "role", "service-account": "service account", "managed-identity": "managed identity",
            "application": "application"}.get(kind, "grant")
    if tier == "unknown":
        return f"a {noun} of no known tier"
    return f"a {tier} {noun}"


def _tier(trust: TrustRelationship, settings: Settings) -> tuple[str, str]:
    tier, reason = settings.tiers.tier_of_names(trust.names)
    if tier != "unknown":
        return tier, f"name {reason!r}"
    return "unknown", ""


def _cross_environment(trust_tier: str, probes: list[dict]) -> list[dict]:
    items = []
    non_production = [p for p in probes if p["tier"] == "non-production"]
    # (address and tier label are added by trust_facts: TL004 reads only the item)
    if trust_tier == "production" and non_production:
        first = non_production[0]
        items.append({
            "kind": "production-admits-non-production",
            "probe": first,
            "location": first["location"],
            "detail": ", ".join(sorted({p["description"] for p in non_production})[:3]),
        })
        return items
    explicit = [p for p in probes if p["exact"] or p["breadth"] == LEGIT]
    explicit_tiers = {p["tier"] for p in explicit} - {"unknown"}
    all_tiers = {p["tier"] for p in probes} - {"unknown"}
    if explicit_tiers and all_tiers >= {"production", "non-production"}:
        first = next((p for p in probes if p["tier"] == "non-production"), probes[0])
        production = next(p for p in probes if p["tier"] == "production")
        items.append({
            "kind": "mixed-tiers",
            "probe": first,
            "location": first["location"],
            "detail": f"{production['description']} and {first['description']}",
        })
    return items


def trust_facts(trust: TrustRelationship, settings: Settings) -> dict:
    """All facts about one trust relationship, with the admitted probes."""
    probed, suggestion = probe_trust(trust)
    admitted = [_probe_fact(p, trust, settings.tiers) for p in probed]
    broad = [p for p in admitted if p["breadth"] != LEGIT and not p["exact"] and not p["within_grain"]]
    tier, tier_reason = _tier(trust, settings)
    if tier == "unknown":
        explicit = {p["tier"] for p in admitted if p["exact"] or p["breadth"] == LEGIT} - {"unknown"}
        if explicit == {"production"}:
            tier, tier_reason = "production", "it trusts production workloads only"
    session = trust.max_session_seconds
    return {
        "kind": "trust",
        "provider": trust.provider,
        "address": trust.address,
        "resource_type": trust.resource_type,
        "path": trust.location.path,
        "location": location_fact(trust.location),
        "principal": {"kind": trust.principal_kind, "name": trust.principal_name or ""},
        "issuer": {"url": trust.issuer.url or "", "platform": trust.issuer.platform,
                   "name": _issuer_name(trust.issuer.url),
                   "trusted": settings.issuer_trusted(trust.issuer.url),
                   "location": location_fact(trust.issuer.location or trust.location)},
        "suggested_subject": suggestion,
        "advice": _advice(trust, suggestion),
        "tier": tier,
        "tier_reason": tier_reason,
        "tier_label": _tier_label(tier, trust.principal_kind),
        "subject": {
            "constrained": any(c.positive and not c.vacuous_when_missing for c in trust.subject),
            "constraints": [_constraint_fact(c) for c in trust.subject],
        },
        "audience": _audience(trust),
        "subject_mapping": _subject_mapping(trust),
        "admitted": admitted,
        "admission": _admission(admitted),
        "wildcard": _widest([p for p in broad if p["constrained"]]),
        "unconstrained": _widest([p for p in broad if not p["constrained"]]),
        "session": {
            "max_seconds": max(-1, min(session, _MAX_SECONDS)) if session is not None else -1,
            "threshold": settings.session_limit(tier),
            "location": location_fact(trust.session_location),
        },
        "cross_environment": [dict(item, address=trust.address, tier_label=_tier_label(tier, trust.principal_kind))
                              for item in _cross_environment(tier, admitted)],
        "related": [dict(location_fact(r), label=r.label) for r in trust.related],
    }


def _admission(admitted: list[dict]) -> str:
    """Everything the trust was found to admit, line-free: the widest witness, then every
    admitted token's subject, one per line. A baseline accepts a finding only while this stays
    the same (a dropped narrowing condition admits more tokens, whatever the witness)."""
    subjects = sorted({p["subject"] for p in admitted})
    widest = next((p["subject"] for p in reversed(admitted) if p["breadth"] != LEGIT), subjects[-1] if subjects else "")
    return "\n".join([widest, *subjects])


_EKS = lazy(r"^(?:https://)?oidc\.eks\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?/id/", re.IGNORECASE)


def _issuer_name(url: str | None) -> str:
    """The issuer as a reader knows it: an EKS cluster's issuer says so."""
    if not url:
        return "an issuer trustlint cannot name statically"
    eks = _EKS.match(url)
    return f"the EKS cluster issuer {url} ({eks.group(1)})" if eks else url


def _constraint_fact(constraint: Constraint) -> dict:
    return {
        "claim": constraint.claim,
        "key": constraint.key,
        "operator": constraint.operator,
        "values": list(constraint.values),
        "positive": constraint.positive,
        "location": location_fact(constraint.location),
    }


def add_shared_subject_facts(trust_fact_list: list[dict]) -> None:
    """One exact subject that can assume roles of different tiers: noted on the production role."""
    by_subject: dict[str, list[dict]] = defaultdict(list)
    for facts in trust_fact_list:
        for probe in facts["admitted"]:
            if probe["exact"]:
                by_subject[probe["subject"]].append((facts, probe))
    for pairs in by_subject.values():
        tiers = {facts["tier"] for facts, _ in pairs}
        if not {"production", "non-production"} <= tiers:
            continue
        others = sorted({f["address"] for f, _ in pairs if f["tier"] == "non-production"})
        for facts, probe in pairs:
            if facts["tier"] == "production" and not facts["cross_environment"]:
                facts["cross_environment"].append({
                    "address": facts["address"],
                    "tier_label": facts["tier_label"],
                    "kind": "shared-subject",
                    "probe": probe,
                    "location": probe["location"],
                    "detail": f"{probe['subject']} can also assume non-production {', '.join(others)}",
                })


_MAX_SECONDS = 10**12  # beyond any real lifetime; keeps facts within CEL's 64-bit integers


def _session_fact(provider: str, address: str, what: str, seconds: int, location: Location, settings: Settings,
                  tier: str = "unknown") -> dict:
    seconds = max(-1, min(int(seconds), _MAX_SECONDS))
    return {
        "kind": "session", "provider": provider, "address": address, "path": location.path, "tier": tier,
        "what": what, "seconds": seconds, "threshold": settings.session_limit(tier),
        "location": location_fact(location),
    }


# Judging a trust (its searches and probes) is most of the facts of a large scan; past this many
# trusts they are judged on every core, each share's side effects (analysis limits met, problems
# an evaluation reported) carried back with its facts.
PARALLEL_MIN_TRUSTS = 16


def _all_trust_facts(model: ScanModel, settings: Settings, jobs: int) -> list[dict]:
    from ..processes import in_processes, jobs_for

    count = min(jobs_for(jobs, len(model.trusts), PARALLEL_MIN_TRUSTS), len(model.trusts))
    if count <= 1 or len(model.trusts) < PARALLEL_MIN_TRUSTS:
        return [trust_facts(t, settings) for t in model.trusts]
    shares = [list(range(first, len(model.trusts), count)) for first in range(count)]

    def judge(share: list[int]):
        before = len(model.problems)
        facts = [trust_facts(model.trusts[index], settings) for index in share]
        return facts, [list(model.trusts[index].analysis_limits) for index in share], model.problems[before:]

    results = in_processes([lambda share=share: judge(share) for share in shares])
    out: list = [None] * len(model.trusts)
    for number, (share, (facts, limits, problems)) in enumerate(zip(shares, results)):
        for index, fact, met in zip(share, facts, limits):
            out[index] = fact
            model.trusts[index].analysis_limits = met
        if number:  # the first share ran in this process: its problems are in the model already
            model.problems.extend(problems)
    return out


def scan_facts(model: ScanModel, settings: Settings, jobs: int = 1) -> list[dict]:
    """Facts for every object of the model, in a deterministic order. `jobs`: processes that
    judge the trusts (each is judged on its own), as --jobs says (0 chooses)."""
    trusts = _all_trust_facts(model, settings, jobs)
    from ..trust.privileges import identity_keys, privileges_of, scope_of

    for trust, fact in zip(model.trusts, trusts):
        fact["privileges"] = privileges_of(trust.provider, identity_keys(trust), model.grants, scope_of(trust))
    add_shared_subject_facts(trusts)
    facts = list(trusts)
    if model.workloads:
        from ..trust.workflows import workload_facts

        facts.extend(workload_facts(model, trusts, settings.tiers, settings.repository))
    else:
        for fact in trusts:
            fact["usage"] = {"jobs": [], "needed_subjects": [], "broader": False, "example": "", "location": fact["location"],
                             "related": []}
    for trust, fact in zip(model.trusts, trusts):
        if trust.max_session_seconds is not None:
            facts.append(_session_fact(trust.provider, trust.address, "federated sessions", trust.max_session_seconds,
                                       trust.session_location or trust.location, settings, fact["tier"]))
    for lifetime in model.lifetimes:
        facts.append(_session_fact(lifetime.provider, lifetime.address, lifetime.what, lifetime.seconds,
                                   lifetime.location, settings))
    for credential in model.credentials:
        facts.append({
            "kind": "credential", "provider": credential.provider, "address": credential.address,
            "resource_type": credential.resource_type, "path": credential.location.path,
            "credential": {"type": credential.kind, "owner": credential.owner or "",
                           "use": credential.usage or f"creates a long-lived {credential.kind} for {credential.owner or 'an unnamed owner'}"},
            "location": location_fact(credential.location),
            "related": [dict(location_fact(r), label=r.label) for r in credential.related],
        })
    for public in model.public:
        facts.append({
            "kind": "public", "provider": public.provider, "address": public.address,
            "resource_type": public.resource_type, "path": public.location.path,
            "actions": public.actions, "location": location_fact(public.location),
            "related": [dict(location_fact(r), label=r.label) for r in public.related],
        })
    for suppression in model.suppressions:
        if suppression.problem:
            facts.append({
                "kind": "suppression", "address": "", "path": suppression.path,
                "rules": list(suppression.rules), "reason": suppression.reason, "problem": suppression.problem,
                "subject": suppression.describe(),
                "location": {"path": suppression.path, "line": suppression.line, "column": suppression.column,
                             "end_line": suppression.line, "end_column": suppression.end_column},
            })
    for trust in model.trusts:
        limits = sorted(set(getattr(trust, "analysis_limits", [])))
        if limits:  # one TL000 per trust, naming every limit it hit
            facts.append({
                "kind": "problem", "address": trust.address, "path": trust.location.path,
                "message": f"{trust.address}: " + "; ".join(limits), "location": location_fact(trust.location),
            })
    reported: set = set()
    for problem in model.problems:
        # The same problem met twice (a trust judged in another process, then evaluated again
        # here for a CI job) is one.
        if (problem.location, problem.message, problem.address) in reported:
            continue
        reported.add((problem.location, problem.message, problem.address))
        facts.append({
            "kind": "problem", "address": problem.address, "path": problem.location.path,
            "message": problem.message, "location": location_fact(problem.location),
        })
    return facts
