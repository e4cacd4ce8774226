"""Witness tokens: the admission analysis' answers (trust/admission.py) as full tokens.

For every way into a trust (an Allow statement, a federated credential) the subject patterns
are searched against the issuer's claim grammar; each witness string becomes a token whose
other claims agree with it (repository, owner, ref, environment, event...). The token is a
`Probe`, so the trust's evaluator confirms it exactly like the anchored probes, and its
breadth comes from the slot the witness opened: another tenant, another repository of the
tenant, or another context of the one workload.
"""

from __future__ import annotations

import itertools
import re
import time

from .admission import SCOPE_ORDER, SearchLimit, Witness, witnesses
from .claim_grammars import OPAQUE, REPOSITORY, TENANT, WORKLOAD
from .glob import glob_match, has_wildcard
from .probes import OTHER_TENANT, SAME_TENANT, SAME_WORKLOAD, Probe, _github_token, _GitHubRepo, _gitlab_token, _tfc_token
from ..lazy_re import lazy

_BREADTH = {TENANT: OTHER_TENANT, REPOSITORY: SAME_TENANT}
TIME_BUDGET_SECONDS = 2.0  # for all searches of one trust: past it, TL000 for what is left
MAX_SPLIT = 16  # exact values of a further clause searched one by one; more: as one union
MAX_COMBINATIONS = 4096  # searches per way in; beyond, further clauses are searched as unions


def witness_probes(trust, limits: list[str]):
    """Probes built from witnesses, one search at a time (a generator: the caller stops once
    nothing broader can follow). Analysis limits hit are appended to `limits`."""
    conjunctions = getattr(trust, "subject_conjunctions", None)
    if conjunctions is None:
        return
    platform = trust.issuer.platform
    # The audience is judged on its own (TL003, TL011): a witness carries the one the trust
    # expects, so that only the subject decides.
    audience = next((v for c in trust.audience if c.positive for v in c.values if v and "*" not in v and "?" not in v), None)
    deadline = time.monotonic() + TIME_BUDGET_SECONDS
    seen: set = set()
    requirements_of = getattr(trust, "claim_requirements", None) or [None] * len(conjunctions)
    exclusions_of = getattr(trust, "subject_exclusions", None) or [[]] * len(conjunctions)
    for conjunction, requirements, exclusions in zip(conjunctions, requirements_of, exclusions_of):
        for choice in _choices(conjunction):
            if time.monotonic() > deadline:
                limits.append("the subject patterns could not be decided (the time budget for one trust was spent); "
                              "the values not reached are unjudged")
                return
            placeholders: dict[str, str] = {}
            clauses = [[(_opaque_values(value, placeholders), like, ignore_case) for value, like, ignore_case in clause]
                       for clause in choice]
            excluded = [[(_opaque_values(value, placeholders), like, ignore_case) for value, like, ignore_case in clause]
                        for clause in exclusions]
            try:
                found = witnesses(platform, "sub", clauses, deadline, excluded)
            except SearchLimit as exc:
                limits.append(f"the subject patterns could not be decided ({exc}); what was not decided is unjudged")
                continue
            back = {char: text for text, char in placeholders.items()}
            refined: dict = {}
            for witness in found:
                if _tag_family(witness):
                    continue
                candidates = [_probe(platform, witness, back, audience)]
                if requirements:
                    met = _within_pins(platform, witness, requirements, clauses, excluded, deadline, refined)
                    if met is not None:
                        candidates.append(_probe(platform, met, back, audience, requirements))
                for probe in candidates:
                    key = tuple(sorted(probe.claims.items())) if probe is not None else None
                    if probe is not None and key not in seen:
                        seen.add(key)
                        yield probe


def _pins(requirements: dict) -> dict[str, str]:
    """Slots an exact condition on a claim the sub determines fixes (repository acme/app: the
    owner is acme and the repository app)."""
    pins: dict[str, str] = {}
    for claim, options in requirements.items():
        value, like = options[0]
        if claim not in _NAMED_BY_SLOTS or (like and has_wildcard(value)):
            continue
        layout = _NAMED_BY_SLOTS[claim]
        pieces = value.split("/", 1) if len(layout) > 1 else [value]
        if len(pieces) == len(layout[::2]):
            pins.update(zip(layout[::2], pieces))
    return pins


def _within_pins(platform: str, witness: Witness, requirements: dict, clauses: list, excluded: list, deadline: float,
                 refined: dict) -> Witness | None:
    """The witness, or when the way in pins slots of the sub through other claims (an exact
    repository_owner), a witness searched with those slots fixed: its scope is what is left
    open. None when nothing is (only the named workload gets in: `repo:*/app:…` with owner acme)."""
    pins = {name: value for name, value in _pins(requirements).items() if name in witness.slots}
    if not pins:
        return witness
    context = witness.alternative.context
    if context not in refined:
        pattern = "".join(part if isinstance(part, str) else (pins.get(part.name, "*")) for part in witness.alternative.parts)
        try:
            found = witnesses(platform, "sub", clauses + [[(pattern, True, False)]], deadline, excluded)
        except SearchLimit:
            found = [witness]  # undecided: the unpinned witness stands (wider, never a silent pass)
        refined[context] = next((w for w in found if w.alternative.context == context), None)
    return refined[context]


def within_enterprise(trust, probe: Probe) -> Probe:
    """GitHub Enterprise Cloud's own issuer (…githubusercontent.com/SLUG) mints tokens only for
    the enterprise's organisations: there, "any account" is another organisation of it."""
    url = (trust.issuer.url or "").removeprefix("https://").rstrip("/")
    if probe.breadth != OTHER_TENANT or not url.startswith("token.actions.githubusercontent.com/"):
        return probe
    description = f"a repository of any organisation of the enterprise {url.split('/', 1)[1]}"
    return Probe(probe.id, probe.claims, description, SAME_TENANT, probe.tier, probe.shared_subject)


def _choices(conjunction: list) -> list[list[list]]:
    """The searches for one way in: each value of the first clause on its own (values of one
    clause are alternatives: each must name one workload by itself), each exact value of a
    short exact clause on its own (a Deny exempting two exact subjects names two workloads),
    and any other clause as the union of its values, searched as one automaton."""
    if not conjunction:
        return [[]]
    first, rest = conjunction[0], conjunction[1:]
    split = [clause for clause in rest if len(clause) <= MAX_SPLIT and all(not like or not has_wildcard(v) for v, like, _ in clause)]
    joined = [clause for clause in rest if not any(clause is c for c in split)]
    first = list(dict.fromkeys(first))
    size = len(first)
    for clause in split:
        size *= len(set(clause))
    if size > MAX_COMBINATIONS:  # the first clause stays split (linear); the rest as unions
        return [[[value]] + rest for value in first]
    return [[[value] for value in values] + joined
            for values in itertools.product(first, *[list(dict.fromkeys(c)) for c in split])]


def _tag_family(witness: Witness) -> bool:
    """`refs/tags/v*` of one named repository: a deliberate family of release tags (the tag
    starts with the pattern's own text), judged as named; `refs/tags/*` stays a finding."""
    return (witness.scope not in (TENANT, REPOSITORY) and witness.alternative.context == "tag"
            and bool({"tag", "ref"} & witness.fixed_prefix))  # GitHub's tag slot, GitLab's ref


def _opaque_values(value: str, placeholders: dict[str, str]) -> str:
    """Each distinct ⟨unknown⟩ part becomes one private-use character (restored in witnesses),
    so an unknown value stays one opaque name that no witness varies."""
    out, i = [], 0
    while i < len(value):
        if value[i] == "\u27e8" and "\u27e9" in value[i:]:
            end = value.index("\u27e9", i) + 1
            text = value[i:end]
            placeholders.setdefault(text, chr(ord(OPAQUE) + 1 + len(placeholders)))
            out.append(placeholders[text])
            i = end
        else:
            out.append(value[i])
            i += 1
    return "".join(out)


def _restore(text: str, back: dict[str, str]) -> str:
    return "".join(back.get(c, c) for c in text)


def _probe(platform: str, witness: Witness, back: dict[str, str], audience: str | None,
           requirements: dict | None = None) -> Probe | None:
    """The witness as a full token. With `requirements` (the way in's conditions on claims
    other than sub), the token also meets them where its holder could: claims they choose
    take the required value, an environment or branch in the sub is renamed to it, and an
    owner or repository id is the named one's when the witness keeps that owner or repository.
    None when nothing needed changing (the plain probe is the same token)."""
    slots = {name: _restore(value, back) for name, value in witness.slots.items()}
    sub = _restore(witness.text, back)
    breadth = _BREADTH.get(witness.scope, SAME_WORKLOAD)
    settings: dict[str, str] = {}
    pinned = ""
    if requirements:
        met = _meet(witness, slots, sub, requirements)
        if met is None:
            return None
        slots, sub, settings, scope, pinned = met
        if not settings and sub == _restore(witness.text, back):
            return None
        breadth = _BREADTH.get(scope, SAME_WORKLOAD)
    builder = _TOKENS.get(platform, _generic_token)
    claims, description, tier = builder(witness.alternative.context, slots, sub, breadth)
    if pinned:
        description = f"{description.split(',')[0]}: {pinned}"
    claims["sub"] = sub
    claims.update(settings)
    if audience is not None:
        claims.setdefault("aud", audience)
    # A form that never names the repository (or tenant): an exact match on it still names
    # many workloads, so it is not "exact" in the sense of naming this one.
    shared = witness.alternative.implicit is not None
    suffix = "-meeting-conditions" if requirements else ""
    return Probe(f"witness-{witness.scope}-{witness.alternative.context}{suffix}", claims, description, breadth, tier, shared)


# Claims naming the owner or the repository: a witness may carry the named value only where it
# keeps that owner (another repository of it) or that repository (another context of it).
_OWNER_CLAIMS = {"repository_owner", "repository_owner_id", "namespace_id", "namespace_path", "terraform_organization_id",
                 "terraform_organization_name", "enterprise", "enterprise_id"}
_REPOSITORY_CLAIMS = {"repository", "repository_id", "project_id", "project_path", "terraform_workspace_id",
                      "terraform_workspace_name", "terraform_full_workspace", "terraform_project_id", "terraform_project_name"}


# Claims that are the sub's slots written another way: (slot, separator, slot, ...).
_NAMED_BY_SLOTS = {
    "repository": ("owner", "/", "repository"), "repository_owner": ("owner",),
    "project_path": ("group", "/", "project"), "namespace_path": ("group",),
    "terraform_organization_name": ("organization",), "terraform_workspace_name": ("workspace",),
    "terraform_project_name": ("project",),
}
_TENANT_SLOTS = {"owner", "group", "organization"}


def _claim_from_slots(claim: str, slots: dict) -> str:
    return "".join(part if index % 2 else slots[part] for index, part in enumerate(_NAMED_BY_SLOTS[claim]))


def _slots_meeting(claim: str, pattern: str, like: bool, slots: dict):
    """(slots, the slots the pattern pins to a literal) so that the claim the slots make matches
    `pattern`; None when they cannot. The witness' own values are kept where they already match."""
    if (glob_match(pattern, _claim_from_slots(claim, slots)) if like else _claim_from_slots(claim, slots) == pattern):
        return dict(slots), []
    layout = _NAMED_BY_SLOTS[claim]
    names, separators = layout[::2], layout[1::2]
    pieces = [pattern]
    for separator in separators:  # OWNER/NAME: the first separator splits (a project path may hold more)
        head, found, tail = pieces[-1].partition(separator)
        if not found:
            return None
        pieces[-1:] = [head, tail]
    renamed, literal = dict(slots), []
    for name, piece in zip(names, pieces):
        if like and has_wildcard(piece):
            renamed[name] = piece.replace("*", "attacker" if name in _TENANT_SLOTS else "attacker-repo").replace("?", "x")
        else:
            renamed[name] = piece
            literal.append(name)
    made = _claim_from_slots(claim, renamed)
    if not (glob_match(pattern, made) if like else made == pattern):
        return None
    return renamed, literal


def _fill(value: str, like: bool) -> str:
    return value.replace("*", "").replace("?", "x") if like else value


def _meet(witness: Witness, slots: dict, sub: str, requirements: dict):
    """(slots, sub, claim settings, scope, what pins it): the witness changed to meet the
    way in's other conditions. An exact owner (repository) claim keeps the witness inside that
    owner (repository): its breadth narrows to another repository (context) of it."""
    settings: dict[str, str] = {}
    renamed = dict(slots)
    scope = witness.scope
    pinned = []
    for claim, options in requirements.items():
        like_value, like = options[0]
        value = _fill(like_value, like)
        open_value = like and has_wildcard(like_value)
        if claim == "environment" and "environment" in renamed:
            renamed["environment"] = value
        elif claim == "ref" and value.startswith("refs/heads/") and "branch" in renamed:
            renamed["branch"] = value[len("refs/heads/"):]
        elif claim == "ref" and value.startswith("refs/tags/") and "tag" in renamed:
            renamed["tag"] = value[len("refs/tags/"):]
        elif claim in ("environment", "ref") and not witness.alternative.context.startswith("custom:"):
            return None  # the default sub carries them: this context cannot have that value
        elif claim in _NAMED_BY_SLOTS and all(name in renamed for name in _NAMED_BY_SLOTS[claim][::2]):
            # A claim the sub's own slots determine (repository = OWNER/NAME): the token stays
            # one real token, so the slots are changed to meet the pattern, never the claim alone.
            met = _slots_meeting(claim, like_value, like, renamed)
            if met is None:
                return None
            renamed, literal_slots = met
            settings[claim] = _claim_from_slots(claim, renamed)
            for name in literal_slots:
                narrowed = REPOSITORY if name in _TENANT_SLOTS else WORKLOAD
                if SCOPE_ORDER[narrowed] > SCOPE_ORDER[scope]:
                    scope = narrowed
            if literal_slots:
                pinned.append(f"{claim} {like_value}")
        elif claim in _OWNER_CLAIMS or claim in _REPOSITORY_CLAIMS:
            settings[claim] = value
            if not open_value:  # the named owner (repository): the witness stays inside it
                narrowed = REPOSITORY if claim in _OWNER_CLAIMS else WORKLOAD
                if SCOPE_ORDER[narrowed] > SCOPE_ORDER[scope]:
                    scope = narrowed
                pinned.append(f"{claim} {value}")
        else:
            settings[claim] = value  # chosen by whoever writes the workflow
    if renamed != slots:
        sub = "".join(part if isinstance(part, str) else renamed.get(part.name, "") for part in witness.alternative.parts)
    what = ""
    if pinned and scope != witness.scope:
        what = ("another repository of the owner with " if scope == REPOSITORY else "another context of the repository with ") + ", ".join(pinned)
    return renamed, sub, settings, scope, what


def _context_phrase(context: str, slots: dict) -> str:
    return {
        "branch": f"branch {slots.get('branch', '')}",
        "tag": f"tag {slots.get('tag', '')}",
        "environment": f"environment {slots.get('environment', '')}",
        "pull_request": "pull requests",
    }.get(context, context)


_GITHUB_REPOSITORY_SLOTS = {"owner", "repository", "owner_id", "repository_id"}


def _github(context: str, slots: dict, sub: str, breadth: str):
    owner = slots.get("owner", "attacker")
    name = slots.get("repository", "attacker-repo")
    repo = _GitHubRepo(owner, name, slots.get("owner_id"), slots.get("repository_id"))
    immutable = "owner_id" in slots and not context.startswith("custom:")
    kind = context.rsplit(",", 1)[-1] if context.startswith("custom:") else context
    if kind == "pull_request":
        claims = _github_token(repo, name, event="pull_request", immutable=immutable, template=None)
    elif kind == "environment":
        claims = _github_token(repo, name, environment=slots.get("environment", ""), immutable=immutable, template=None)
    elif kind in ("branch", "tag"):
        ref = f"refs/heads/{slots.get('branch', '')}" if kind == "branch" else f"refs/tags/{slots.get('tag', '')}"
        claims = _github_token(repo, name, ref=ref, immutable=immutable, template=None)
    else:
        claims = _github_token(repo, name, immutable=immutable, template=None)
    if context.startswith("custom:"):  # a custom template: each key's claim is its slot's value
        claims.update({key: value for key, value in slots.items() if key not in _GITHUB_REPOSITORY_SLOTS})
        if "owner_id" in slots:
            claims["repository_owner_id"] = slots["owner_id"]
        if "repository_id" in slots:
            claims["repository_id"] = slots["repository_id"]
    phrase = _context_phrase(kind, slots) if kind in ("branch", "tag", "environment", "pull_request") else "jobs"
    where = f"{phrase} of {owner}/{name}"
    if context.startswith("custom:") and "owner" not in slots:  # the template names no owner: say what it names
        named = ", ".join(f"{key} {value}" for key, value in slots.items())
        where = f"{phrase} of any repository with {named}" if named else f"{phrase} of any repository"
    if breadth == OTHER_TENANT:
        where += ", a repository any GitHub account can create"
    elif breadth == SAME_TENANT:
        where += f", another repository of {owner}"
    tier = "non-production" if kind in ("pull_request", "branch") and breadth == SAME_WORKLOAD else "unknown"
    return claims, where, tier


def _gitlab(context: str, slots: dict, sub: str, breadth: str):
    path = f"{slots['group']}/{slots['project']}" if "group" in slots else f"project id {slots.get('project_id', '')}"
    ref = slots.get("ref", "")
    claims = _gitlab_token(path if "group" in slots else "", ref, "tag" if context == "tag" else "branch", protected=False)
    if "project_id" in slots:
        claims["project_id"] = slots["project_id"]
    where = f"{context} {ref} of {path}"
    if breadth == OTHER_TENANT:
        where += ", a project any GitLab user can create"
    elif breadth == SAME_TENANT:
        where += f", another project of {slots.get('group', 'the group')}"
    return claims, where, "non-production" if breadth == SAME_WORKLOAD else "unknown"


def _terraform_cloud(context: str, slots: dict, sub: str, breadth: str):
    org, project, workspace = slots.get("organization", ""), slots.get("project", ""), slots.get("workspace", "")
    claims = _tfc_token(org, project, workspace, context)
    where = f"{context} runs of workspace {workspace} (project {project}, organization {org})"
    if breadth == OTHER_TENANT:
        where += ", an organization anyone can create"
    elif breadth == SAME_TENANT:
        where += f", another workspace of {org}"
    return claims, where, "non-production" if context == "plan" and breadth == SAME_WORKLOAD else "unknown"


def _kubernetes(context: str, slots: dict, sub: str, breadth: str):
    namespace, account = slots.get("namespace", ""), slots.get("service_account", "")
    return {"sub": sub}, f"service account {account} in namespace {namespace}, another service account of the cluster", "unknown"


def _generic_token(context: str, slots: dict, sub: str, breadth: str):
    what = "another identity of the issuer's organisation" if breadth == SAME_TENANT else "any identity the issuer can mint a token for"
    return {"sub": sub}, f"subject {sub}, {what}", "unknown"


def _buildkite(context: str, slots: dict, sub: str, breadth: str):
    org, pipeline, ref = slots.get("organization", ""), slots.get("pipeline", ""), slots.get("ref", "")
    where = f"ref {ref} of pipeline {pipeline} (organization {org})"
    if breadth == OTHER_TENANT:
        where += ", an organization anyone can create"
    elif breadth == SAME_TENANT:
        where += f", another pipeline of {org}"
    return {"sub": sub, "organization_slug": org, "pipeline_slug": pipeline}, where, "unknown"


_TOKENS = {"github-actions": _github, "gitlab": _gitlab, "terraform-cloud": _terraform_cloud, "kubernetes": _kubernetes,
           "buildkite": _buildkite}


# -- GCP attribute conditions --------------------------------------------------------------------

# Claims a token's holder chooses in a repository of their own: a condition on them narrows
# nothing about *who* (runner_environment: a self-hosted runner; event_name: trigger the
# workflow that way; visibility: make the repository public; a workflow, branch, environment
# or actor name of their own).
ATTACKER_CHOSEN = {
    "github-actions": ("runner_environment", "repository_visibility", "event_name", "workflow", "ref", "ref_type",
                       "environment", "head_ref", "base_ref", "actor", "workflow_ref", "job_workflow_ref"),
    "gitlab": ("ref", "ref_type", "ref_protected", "environment", "pipeline_source", "user_login",
               "runner_environment", "project_visibility"),
}
_QUOTED = r"(?:'((?:[^'\\]|\\.)*)'|\"((?:[^\"\\]|\\.)*)\")"
_GITHUB_SUB_CLAIMS = {"environment", "ref", "ref_type", "event_name", "head_ref", "base_ref"}
_PREDICATE = lazy(r"(?:assertion|attribute)\.(\w+)\s*(?:(==)\s*" + _QUOTED + r"|\.(startsWith|endsWith|contains|matches)\(\s*"
                        + _QUOTED + r"\s*\)|\s+(in)\s*\[([^\]]*)\])")


def condition_probes(trust, anchored: list[Probe]) -> list[Probe]:
    """Tokens of another tenant that satisfy a GCP attribute condition: each claim the
    condition tests that its holder chooses takes the value the condition asks for, and an
    identity claim tested with contains/endsWith/an unanchored matches takes an attacker's
    value that still contains the text. The evaluator then decides, as for every probe."""
    condition = next((c.values[0] for c in trust.subject if c.operator == "CEL" and c.values), "")
    platform = trust.issuer.platform
    if not condition or platform not in ATTACKER_CHOSEN:
        return []
    # A searched condition (gcp_witness) covers the claims its sub carries with tokens GitHub
    # could mint; copying a tested value into one of them here gave a branch's sub an
    # environment, or a ref 'refs/tags/' (an endsWith value), which no token has.
    in_sub = _GITHUB_SUB_CLAIMS if trust.searches is not None and platform == "github-actions" else set()
    chosen: dict[str, str] = {}
    identity: list[tuple[str, str, str]] = []
    for match in _PREDICATE.finditer(condition):
        claim = match.group(1)
        operator = match.group(2) or match.group(5) or match.group(8)
        value = _unquote(match.group(3), match.group(4)) if match.group(2) else _unquote(match.group(6), match.group(7))
        if operator == "in":
            quoted = re.findall(_QUOTED, match.group(9))
            value = (quoted[0][0] or quoted[0][1]) if quoted else None
        if value is None:
            continue
        if operator == "matches":
            if re.search(r"[\\^$.*+?()\[\]{}|]", value):
                continue  # a real regex: its literal core is not known here
            operator = "contains"  # RE2 search semantics: an unanchored literal is found anywhere
        if claim in in_sub:
            continue
        if claim in ATTACKER_CHOSEN[platform]:
            chosen.setdefault(claim, value)
        elif operator in ("contains", "endsWith"):
            identity.append((claim, operator, value))
    probes = []
    base = [p for p in anchored if p.breadth in (OTHER_TENANT, SAME_TENANT)]
    if chosen:
        what = ", ".join(f"{c} {v}" for c, v in chosen.items())
        for probe in base:
            probes.append(Probe(f"{probe.id}-chosen", dict(probe.claims, **chosen), f"{probe.description}, choosing {what}",
                                probe.breadth, probe.tier, probe.shared_subject))
    for claim, operator, value in identity:
        probes += _identity_probes(platform, claim, value, chosen, "ends with" if operator == "endsWith" else "contains")
    return probes


def _unquote(single: str | None, double: str | None) -> str | None:
    text = single if single is not None else double
    return None if text is None else re.sub(r"\\(.)", r"\1", text)


def _identity_probes(platform: str, claim: str, value: str, chosen: dict, verb: str = "contains") -> list[Probe]:
    """Another tenant's token whose `claim` still contains (ends with) `value`."""
    if platform == "github-actions" and claim in ("repository", "repository_owner", "sub", "workflow_ref", "job_workflow_ref"):
        owner_part, _, name_part = value.partition("/")
        owner = f"attacker{owner_part}" if "/" in value and owner_part else "attacker"
        name = (name_part or "x") if "/" in value else value if re.fullmatch(r"[\w.-]+", value) else "attacker-repo"
        if not re.fullmatch(r"[A-Za-z0-9-]+", owner) or not re.fullmatch(r"[\w.-]+", name):
            return []
        claims = _github_token(_GitHubRepo(owner, None), name, immutable=False, template=None)
        claims.update(chosen)
        if value not in claims.get(claim, ""):
            return []
        return [Probe("other-tenant-contains", claims, f"{owner}/{name}, a repository any GitHub account can create, "
                      f"whose {claim} {verb} {value}", OTHER_TENANT)]
    if platform == "gitlab" and claim in ("project_path", "namespace_path", "sub"):
        path = f"attacker-group/{value.strip('/')}" if value.strip("/") else "attacker-group/attacker-project"
        if "/" not in value.strip("/"):
            path = f"attacker-group/{value.strip('/')}/attacker-project"
        claims = _gitlab_token(path)
        claims.update(chosen)
        if value not in claims.get(claim, ""):
            return []
        return [Probe("other-tenant-contains", claims, f"project {path}, which any GitLab user can create, "
                      f"whose {claim} {verb} {value}", OTHER_TENANT)]
    return []
