"""The CI side: facts about jobs that obtain cloud credentials, and the join with the trusts
they assume when both are in the scan.

A job's possible tokens follow from its triggers and environment (GitHub's sub: an
environment wins; else pull_request; else the pushed ref); `pull_request_target` and
`workflow_run` run with the base repository's credentials on behalf of forks.
"""

from __future__ import annotations

from collections import defaultdict

from ..model import ScanModel, Workload, location_fact
from .aws import account_of
from .glob import glob_match
from .probes import _github_token, _GitHubRepo
from .tiers import TierPatterns

# Triggers that put someone else's code or input in reach of the job's credentials.
UNTRUSTED_TRIGGERS = {
    "pull_request_target": "pull_request_target (fork pull requests run with the base repository's credentials)",
    "workflow_run": "workflow_run (started by workflows that forks can trigger)",
    "issue_comment": "issue_comment (anyone who can comment starts it)",
    "pull_request_review": "pull_request_review", "pull_request_review_comment": "pull_request_review_comment",
    "discussion": "discussion", "discussion_comment": "discussion_comment",
}
NON_PRODUCTION_TRIGGERS = {"pull_request": "pull requests", "merge_request": "merge request pipelines"}
DEFAULT_BRANCHES = ("main", "master")
EXPECTED_AUDIENCE = {"aws": "sts.amazonaws.com", "azure": "api://AzureADTokenExchange"}


def _push_refs(filters: dict) -> tuple[list[str] | None, list[str] | None]:
    """(branch patterns, tag patterns) a push trigger runs for, `*` for any; None for none.
    GitHub: with only tag filters no branch push runs it, with only branch filters no tag
    push does; `!pattern` entries exclude and are dropped here (over-approximation)."""
    branches, tags = filters.get("branches"), filters.get("tags")
    branch_filtered = branches is not None or filters.get("branches-ignore") is not None
    tag_filtered = tags is not None or filters.get("tags-ignore") is not None
    if not branch_filtered and not tag_filtered:
        return ["*"], ["*"]
    return _refs(branches, branch_filtered), _refs(tags, tag_filtered)


def _refs(patterns: list | None, filtered: bool) -> list[str] | None:
    if not filtered:
        return None
    return [p for p in patterns or [] if not p.startswith("!")] if patterns is not None else ["*"]


def _any_name(pattern: str) -> bool:
    return pattern.strip("*") == "" or pattern in ("**/*", "*/**")


def _risky_triggers(workload: Workload) -> list[tuple[str, list[dict] | None]]:
    """(reason, probe) per trigger that can start a job with less than production review.
    The probe is the token such a run presents (None when it looks like the default branch's,
    as pull_request_target's does: then no trust can tell the runs apart)."""
    reasons: list[tuple[str, list[dict] | None]] = [(UNTRUSTED_TRIGGERS[e], None) for e in sorted(workload.triggers) if e in UNTRUSTED_TRIGGERS]
    reasons += [(NON_PRODUCTION_TRIGGERS[e], [{"event": e}] if e == "pull_request" else None)
                for e in sorted(workload.triggers) if e in NON_PRODUCTION_TRIGGERS]
    push = workload.triggers.get("push")
    if push is not None:
        branches, _ = _push_refs(push)
        if branches is None:
            pass  # tag pushes only
        elif not branches or any(_any_name(b) for b in branches):
            reasons.append(("pushes to any branch", [{"ref": "refs/heads/attacker-branch"}]))
        else:
            other = [b for b in branches if b not in DEFAULT_BRANCHES and not b.startswith(("release", "v"))]
            if other:
                reasons.append((f"pushes to branches {', '.join(other)}",
                                [{"ref": f"refs/heads/{b.replace('*', 'attacker')}"} for b in other]))
    return reasons


def _admitted_risks(workload: Workload, risky: list[tuple[str, list[dict] | None]], joined: list, repository: str | None) -> list[str]:
    """The risky triggers whose runs really get the credentials. When every login of a GitHub
    job without an environment is joined to its trust, a run whose token no trust admits
    fails at login: a push to another branch cannot reach a trust pinned to main."""
    if not (repository and joined and workload.platform == "github-actions" and not workload.environment):
        return [reason for reason, _ in risky]
    owner, _, name = repository.partition("/")
    repo = _GitHubRepo(owner, name)
    kept = []
    for reason, probes in risky:
        tokens = [_github_token(repo, name, immutable=False, template=None, event=p.get("event", "push"),
                                ref=p.get("ref", "refs/pull/1/merge")) for p in probes or []]
        if probes is None or any(trust.admits(t).admitted for trust in joined for t in tokens):
            kept.append(reason)
    return kept


def job_subjects(workload: Workload, repository: str) -> list[str] | None:
    """The sub claims a GitHub job can present, as patterns (`*` where its triggers allow any
    value); None when they depend on expressions trustlint cannot evaluate, or on a caller
    (a reusable workflow, `on: workflow_call`, presents its caller's subject)."""
    prefix = f"repo:{repository}"
    if workload.environment:
        if "${{" in workload.environment:
            return None
        return [f"{prefix}:environment:{workload.environment}"]
    if "workflow_call" in workload.triggers:
        return None
    subjects = []
    for event, filters in sorted(workload.triggers.items()):
        if event == "pull_request":
            subjects.append(f"{prefix}:pull_request")
        elif event == "push":
            branches, tags = _push_refs(filters)
            subjects += [f"{prefix}:ref:refs/heads/{b}" for b in branches or []]
            subjects += [f"{prefix}:ref:refs/tags/{t}" for t in tags or []]
        else:  # schedule, workflow_dispatch, pull_request_target, workflow_run: the default branch
            subjects.append(f"{prefix}:ref:refs/heads/main")
    return sorted(set(subjects))


def job_tokens(workload: Workload, repository: str) -> list[dict]:
    """Concrete tokens for the job's subjects (a `*` stands for one made-up name)."""
    owner, _, name = repository.partition("/")
    repo = _GitHubRepo(owner, name)
    tokens = []
    subjects = job_subjects(workload, repository) or []
    # The default branch is unknown (main or master): a job that runs on it, or on any
    # branch, presents both.
    on_default = any(e not in ("push", "pull_request") for e in workload.triggers)
    if subjects and (on_default or f"repo:{repository}:ref:refs/heads/*" in subjects):
        subjects = subjects + [f"repo:{repository}:ref:refs/heads/{b}" for b in DEFAULT_BRANCHES]
    for subject in dict.fromkeys(subjects):
        tail = subject[len(f"repo:{repository}:"):].replace("*", "attacker")
        if tail.startswith("environment:"):
            claims = _github_token(repo, name, immutable=False, template=None, environment=tail[len("environment:"):])
        elif tail == "pull_request":
            claims = _github_token(repo, name, immutable=False, template=None, event="pull_request")
        else:
            claims = _github_token(repo, name, immutable=False, template=None, ref=tail[len("ref:"):])
        tokens.append(claims)
    return tokens


def _role_name(arn: str | None) -> str | None:
    if not arn or ":role/" not in arn:
        return None
    return arn.rsplit("/", 1)[-1]


def _joined(use, trusts) -> list:
    """Trusts in the scan that a credential step assumes."""
    if use.cloud == "aws":
        name = _role_name(use.target)
        account = account_of(use.target)  # the same role name in two accounts is two roles
        return [t for t in trusts if t.provider == "aws" and name and t.principal_name == name
                and not (account and t.account and account != t.account)]
    if use.cloud == "gcp" and use.service_account:
        account = use.service_account.split("@", 1)[0]
        return [t for t in trusts if t.provider == "gcp" and t.principal_name == account]
    return []


def _audience_problem(use, joined) -> dict | None:
    if use.audience is None or use.audience_location is None or "${{" in use.audience or "$" in use.audience:
        return None
    accepted = {v for t in joined for c in t.audience for v in c.values}
    accepted |= {a for t in joined for a in (t.enforced_audiences or [])}
    if use.audience in accepted:
        return None
    if use.action == "id_tokens":
        # GitLab has no default audience: the token's `aud` must be one the trust it reaches accepts.
        known = sorted(a for a in accepted if "*" not in a and "?" not in a)
        if not joined or not known or len(known) != len(accepted):
            return None
        return {"actual": use.audience, "expected": " or ".join(known), "cloud": use.cloud,
                "location": _loc(use.audience_location)}
    if use.cloud == "gcp":
        provider = (use.provider or "").strip().lstrip("/")
        if not provider or "${{" in provider:
            return None
        names = {f"//iam.googleapis.com/{provider}", f"https://iam.googleapis.com/{provider}"}
        if use.audience in names:
            return None
        expected = f"//iam.googleapis.com/{provider}"
    else:
        expected = EXPECTED_AUDIENCE.get(use.cloud)
        if expected is None or use.audience == expected:
            return None
    return {"actual": use.audience, "expected": expected, "cloud": use.cloud,
            "location": _loc(use.audience_location)}


def _loc(location) -> dict:

    return location_fact(location)


def workload_facts(model: ScanModel, trust_facts: list[dict], tiers: TierPatterns, repository: str | None) -> list[dict]:
    """Facts for every job with credentials (TL004, TL011, TL013) and every workflow (TL010);
    adds workflow usage to the trusts the jobs assume (TL012)."""
    facts_by_trust = {id(t): f for t, f in zip(model.trusts, trust_facts)}
    usage: dict[int, list] = defaultdict(list)
    facts = []
    for workload in model.workloads:
        fact = _workload_fact(workload, model, facts_by_trust, usage, tiers, repository)
        if fact is not None:
            facts.append(fact)
    for trust in model.trusts:
        _trust_usage(facts_by_trust[id(trust)], trust, usage.get(id(trust), []), repository)
    facts.extend(_workflow_facts(model.workloads))
    return facts


def _workload_fact(workload, model, facts_by_trust, usage, tiers, repository) -> dict | None:
    federated = [c for c in workload.credentials if c.federated]
    env_tier = tiers.tier_of(workload.environment) if workload.environment else "unknown"
    targets, mismatches, unsatisfiable = [], [], []
    tier = env_tier
    all_joined: list | None = []  # None once a login's trust is not in the scan
    for use in federated:
        joined = _joined(use, model.trusts)
        if not joined:
            all_joined = None
        elif all_joined is not None:
            all_joined.extend(joined)
        target_tier = tiers.tier_of(use.target or "")
        for trust in joined:
            usage[id(trust)].append(workload)
            joined_tier = facts_by_trust[id(trust)]["tier"]
            target_tier = joined_tier if joined_tier != "unknown" else target_tier
            if repository and workload.platform == "github-actions":
                tokens = job_tokens(workload, repository)
                if tokens and not any(trust.admits(t).admitted for t in tokens):
                    unsatisfiable.append({
                        "trust": trust.address, "target": use.service_account or use.target or "",
                        "subjects": ", ".join(job_subjects(workload, repository) or []),
                        "location": _loc(use.target_location or use.location),
                        "related": [dict(_loc(trust.location), label=f"trust {trust.address}")],
                    })
        if target_tier == "production":
            tier = "production"
        targets.append({"cloud": use.cloud, "target": use.target or "", "action": use.action,
                        "joined": [t.address for t in joined], "location": _loc(use.location)})
        problem = _audience_problem(use, joined)
        if problem:
            mismatches.append(problem)
    risky = _admitted_risks(workload, _risky_triggers(workload), all_joined or [], repository)
    cross = []
    if federated and tier == "production" and risky:
        label = "a job that obtains production credentials"
        cross.append({"kind": "untrusted-trigger", "address": workload.job_id, "tier_label": label,
                      "detail": "; ".join(risky), "location": _loc(federated[0].location)})
    return {
        "kind": "workload",
        "platform": workload.platform,
        "address": workload.job_id,
        "path": workload.path,
        "location": _loc(workload.location),
        "triggers": sorted(workload.triggers),
        "risky_triggers": risky,
        "environment": workload.environment or "",
        "tier": tier,
        "requests_credentials": bool(workload.credentials),
        "credentials": targets,
        "id_token": {"granted": workload.id_token == "write", "level": workload.id_token_level},
        "audience_mismatches": mismatches,
        "unsatisfiable": unsatisfiable,
        "cross_environment": cross,
    }


def _trust_usage(fact: dict, trust, workloads: list, repository: str | None) -> None:
    """What the jobs assuming a trust actually need, against what it admits (TL012)."""
    needed: list[str] = []
    if repository and workloads and all(w.platform == "github-actions" for w in workloads):
        per_job = [job_subjects(w, repository) for w in workloads]
        needed = [] if any(s is None for s in per_job) else sorted({s for subjects in per_job for s in subjects})
    extra = [p for p in fact["admitted"] if not any(glob_match(n, p["subject"]) for n in needed)
             and not p["exact"] and not p["within_grain"]]
    fact["usage"] = {
        "jobs": sorted({f"{w.path}:{w.job_id}" for w in workloads}),
        "needed_subjects": needed,
        "broader": bool(needed) and bool(extra),
        "example": extra[-1]["description"] if extra else "",
        "location": extra[-1]["location"] if extra else fact["location"],
        "related": [dict(_loc(c.target_location or c.location), label=f"job {w.job_id}")
                    for w in workloads for c in w.credentials if c.federated],
    }


def _workflow_facts(workloads: list[Workload]) -> list[dict]:
    """Workflows granting id-token: write to every job, some of which never log in (TL010)."""
    by_path: dict[str, list[Workload]] = defaultdict(list)
    for workload in workloads:
        if workload.platform == "github-actions":
            by_path[workload.path].append(workload)
    facts = []
    for path, jobs in sorted(by_path.items()):
        granted = [j for j in jobs if j.id_token == "write" and j.id_token_level == "workflow"]
        idle = [j.job_id for j in granted if not j.credentials and not j.may_use_oidc]
        if not granted:
            continue
        facts.append({
            "kind": "workflow", "address": path, "path": path,
            "idle_jobs": idle, "location": _loc(granted[0].id_token_location),
        })
    return facts
