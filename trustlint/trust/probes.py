"""Adversarial tokens: concrete claim sets a trust is tested against.

For each platform, probes are built around the identity the trust itself names (its
"anchors": the organisation, repository, project or namespace in its subject values), so
a probe such as "another repository of acme" is exactly the workload an attacker in that
organisation could run. Each probe has a breadth: how far it is from the named workload.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass, field, replace

from .glob import literal_prefix
from ..lazy_re import lazy

# Breadth, from harmless to worst. TL001 severity follows it.
LEGIT = "legit"  # the workload the trust names itself
SAME_WORKLOAD = "same-workload"  # the named repo/project/workspace, another branch/context
SAME_TENANT = "same-tenant"  # another repo/project/workspace of the same org/group
OTHER_TENANT = "other-tenant"  # anyone else on the issuer
BREADTHS = (LEGIT, SAME_WORKLOAD, SAME_TENANT, OTHER_TENANT)

PROBE = "attacker"
# Where a trust names no owner at all (repo:*/app): the owner the workload's own token would
# carry, written as the placeholder a fix suggestion shows (never a real account's name).
VICTIM = "OWNER"
_MAX_ANCHORS = 3


@dataclass(frozen=True)
class Probe:
    """A token an issuer could sign, with how far from the named workload its holder is."""

    id: str
    claims: dict = field(hash=False)
    description: str = ""
    breadth: str = LEGIT
    tier: str = "unknown"
    # The sub does not identify the repository (a custom template such as job_workflow_ref
    # alone): an exact match on it names many workloads, not this one.
    shared_subject: bool = False

    @property
    def subject(self) -> str:
        return self.claims.get("sub", "")


def _extended(prefix: str) -> str:
    """A name that starts with `prefix` and is the attacker's: a separator only where the
    prefix does not end with one (release/attacker, acme-attacker, not acme--attacker)."""
    return prefix + PROBE if prefix[-1:] in ("/", "-", "_", ".") else f"{prefix}-{PROBE}"


def _clean(value: str) -> str:
    """The literal part of a value before any wildcard, for anchor extraction."""
    return literal_prefix(value)


def probes_for(platform: str, subject_values: dict[str, list[str]]) -> list[Probe]:
    """Probes for a platform, anchored on the subject values the trust pins (claim -> values)."""
    builder = _BUILDERS.get(platform)
    probes = builder(subject_values) if builder else _generic_probes(subject_values, platform)
    unique: dict[tuple, Probe] = {}
    for probe in probes:
        # Same token, same probe (a named branch can equal the main-branch probe); custom
        # sub templates make different workloads share a sub, so all claims count.
        unique.setdefault(tuple(sorted(probe.claims.items())), probe)
    return list(unique.values())


# -- GitHub Actions ---------------------------------------------------------------------------

_GITHUB_CONTEXT_KEYS = ("ref", "environment", "pull_request")
_GITHUB_CLAIM_KEYS = (
    "repo", "context", "repository", "repository_owner", "repository_owner_id", "repository_id",
    "repository_visibility", "job_workflow_ref", "workflow_ref", "workflow", "environment",
    "ref", "ref_type", "event_name", "actor", "actor_id", "runner_environment", "enterprise",
    "enterprise_id",
)


@dataclass
class _GitHubRepo:
    """The GitHub repository a trust names, as far as its subject pattern tells."""

    owner: str
    name: str | None
    owner_id: str | None = None
    repo_id: str | None = None
    # `repo:${GitHubRepo}:*`: one unknown value stands for OWNER/NAME, so `owner` holds that
    # placeholder and the probes vary only what follows it (its refs, environments...).
    whole: bool = False


def _split_id(text: str) -> tuple[str, str | None]:
    if "@" in text:
        name, _, ident = text.partition("@")
        return name, ident
    return text, None


def _github_anchors(values: dict[str, list[str]]) -> tuple[list[_GitHubRepo], list[str], list[str], list[str] | None]:
    """(repos, environments, branches, custom sub template keys) named by the trust."""
    repos: list[_GitHubRepo] = []
    environments: list[str] = []
    branches: list[str] = []
    template: list[str] | None = None

    def add(owner: str, name: str | None):
        owner, owner_id = _split_id(_clean(owner))
        repo_id = None
        if name is not None:
            name, repo_id = _split_id(_clean(name))
        if not owner and name:
            owner = VICTIM  # repo:*/app: any account's repository named app
        if not owner or "/" in owner:
            return
        if name is not None and (not name or "/" in name):
            name = None
        for known in repos:
            if known.owner == owner and known.name == name:
                return
        repos.append(_GitHubRepo(owner, name, owner_id, repo_id))

    for value in values.get("sub", []):
        whole = re.match("^repo:(\u27e8[^\u27e9/]*\u27e9)(?::|$)", value)
        if whole:
            if not any(r.owner == whole.group(1) for r in repos):
                repos.append(_GitHubRepo(whole.group(1), whole.group(1), whole=True))
            _collect_context(value[len(whole.group(0)):], environments, branches)
            continue
        if value.startswith("repo:"):
            head = value[5:]
            owner, _, rest = head.partition("/")
            name, _, tail = rest.partition(":")
            add(owner, name if name else None)
            if template is None and not tail and not value.endswith("*"):
                template = ["repo"]  # a template of the repository alone: every job gets this sub
            elif tail and template is None and not tail.startswith(_GITHUB_CONTEXT_KEYS) and not tail.startswith("*"):
                template = ["repo"] + _template_keys(tail)
            _collect_context(tail, environments, branches)
        else:
            keys = _template_keys(value)
            if keys and len(value.split(":")) > 2 * len(keys):
                keys.append("context")  # "repository_owner_id:1001:*": the default tail follows
            if keys and template is None:
                template = keys
            pairs = _pairs(value)
            if "repo" in pairs:
                owner, _, name = pairs["repo"].partition("/")
                add(owner, name or None)
            elif pairs.get("repository_owner_id", "*").isdigit():
                owner_id, repo_id = pairs["repository_owner_id"], pairs.get("repository_id", "")
                add(f"owner-id-{owner_id}@{owner_id}", f"repo-id-{repo_id}@{repo_id}" if repo_id.isdigit() else None)
    for value in values.get("repository", []):
        owner, _, name = value.partition("/")
        add(owner, name or None)
    for value in values.get("repository_owner", []):
        add(value, None)
    for value in values.get("repository_owner_id", []):
        if value.isdigit():
            add(f"owner-id-{value}@{value}", None)
    for value in values.get("repository_id", []):
        if value.isdigit():
            owner_ids = [v for v in values.get("repository_owner_id", []) if v.isdigit()] or ["1"]
            add(f"owner-id-{owner_ids[0]}@{owner_ids[0]}", f"repo-id-{value}@{value}")
    for value in values.get("environment", []):
        if "*" not in value:
            environments.append(value)
    for value in values.get("ref", []):
        if value.startswith("refs/heads/") and _clean(value) != "refs/heads/":
            branches.append(_clean(value)[len("refs/heads/"):])
    named = [r for r in repos if r.name]
    owners_only = [r for r in repos if not r.name and not any(n.owner == r.owner for n in named)]
    return (named + owners_only)[:_MAX_ANCHORS], environments[:_MAX_ANCHORS], branches[:_MAX_ANCHORS], template


def _collect_context(tail: str, environments: list[str], branches: list[str]) -> None:
    if tail.startswith("environment:"):
        env = tail[len("environment:"):].split(":")[0]
        if env and "*" not in env and "?" not in env:
            environments.append(env)
    elif tail.startswith("ref:refs/heads/"):
        branch = _clean(tail[len("ref:refs/heads/"):])  # main* anchors on main
        if branch:
            branches.append(branch)


def _template_keys(text: str) -> list[str]:
    tokens = text.split(":")
    keys = []
    for token in tokens:
        if token in _GITHUB_CLAIM_KEYS and token not in keys:
            keys.append(token)
    return keys


def _pairs(text: str) -> dict[str, str]:
    tokens = text.split(":")
    pairs: dict[str, str] = {}
    index = 0
    while index + 1 < len(tokens):
        if tokens[index] in _GITHUB_CLAIM_KEYS:
            pairs[tokens[index]] = tokens[index + 1]
            index += 2
        else:
            index += 1
    return pairs


def _stable_id(text: str) -> str:
    """A made-up numeric id that is the same in every run (hash() is salted per process)."""
    return str(10_000_000 + zlib.crc32(text.encode()) % 90_000_000)


def _github_token(repo: _GitHubRepo, name: str, *, ref: str = "refs/heads/main", event: str = "push",
                  environment: str | None = None, immutable: bool, template: list[str] | None,
                  extra: dict | None = None) -> dict:
    owner_id = repo.owner_id or _stable_id(repo.owner)
    repo_id = repo.repo_id if repo.name == name and repo.repo_id else _stable_id(f"{repo.owner}/{name}")
    repository = repo.owner if repo.whole else f"{repo.owner}/{name}"
    if environment is not None:
        context = f"environment:{environment}"
    elif event == "pull_request":
        context = "pull_request"
        ref = "refs/pull/1/merge"
    else:
        context = f"ref:{ref}"
    repo_part = f"{repo.owner}@{owner_id}/{name}@{repo_id}" if immutable and not repo.whole else repository
    claims = {
        "repository": repository,
        "repository_owner": repo.owner,
        "repository_owner_id": owner_id,
        "repository_id": repo_id,
        "ref": ref,
        "ref_type": "tag" if ref.startswith("refs/tags/") else "branch",
        "event_name": event,
        "workflow_ref": f"{repository}/.github/workflows/deploy.yml@{ref}",
        "job_workflow_ref": f"{repository}/.github/workflows/deploy.yml@{ref}",
        "workflow": "deploy",
        "actor": f"{PROBE}-actor",
        "actor_id": "424242",
        "runner_environment": "github-hosted",
        "repository_visibility": "private",
        "run_id": "9000000001",
        "run_number": "42",
        "run_attempt": "1",
        "sha": "0" * 40,
        "workflow_sha": "0" * 40,
        "job_workflow_sha": "0" * 40,
        "head_ref": "",
        "base_ref": "",
        "iss": "https://token.actions.githubusercontent.com",
    }
    if environment is not None:
        claims["environment"] = environment
    claims.update(extra or {})
    if template:
        values = dict(claims, repo=f"repo:{repo_part}"[5:], context=context)
        parts = []
        for key in template:
            if key == "context":
                parts.append(context)
            elif key == "repo":
                parts.append(f"repo:{repo_part}")
            else:
                parts.append(f"{key}:{values.get(key, '')}")
        claims["sub"] = ":".join(parts)
    else:
        claims["sub"] = f"repo:{repo_part}:{context}"
    return claims


def _chosen_by_caller(values: dict[str, list[str]]) -> dict:
    """Claims any repository can make its token carry: calling the pinned reusable workflow
    sets job_workflow_ref to it; a workflow's name is whatever its author writes; a named
    person (actor) runs workflows in every repository they can push to, their own included."""
    chosen = {}
    for claim in ("job_workflow_ref", "workflow", "actor", "actor_id"):
        literal = [v for v in values.get(claim, []) if v == _clean(v)]
        literal += [_pairs(v)[claim] for v in values.get("sub", []) if claim in _pairs(v) and _pairs(v)[claim] == _clean(_pairs(v)[claim])]
        if literal:
            chosen[claim] = literal[0]
    return chosen


def _github_probes(values: dict[str, list[str]]) -> list[Probe]:
    repos, environments, branches, template = _github_anchors(values)
    chosen = _chosen_by_caller(values)
    immutable = any("@" in v.split(":")[1] for v in values.get("sub", []) if v.startswith("repo:") and ":" in v)
    if not repos:
        repos = [_GitHubRepo(VICTIM, None)]
    probes: list[Probe] = []

    def token(repo, name, **kw):
        claims = _github_token(repo, name, immutable=immutable, template=template, **kw)
        if chosen:
            claims.update(chosen)
            if template:  # re-render a custom sub that includes the chosen claims
                claims["sub"] = _github_token(repo, name, immutable=immutable, template=template, extra=chosen, **kw)["sub"]
        return claims

    for repo in repos:
        if repo.name:
            full = repo.owner if repo.whole else f"{repo.owner}/{repo.name}"
            name = repo.name
            probes.append(Probe("main-branch", token(repo, name), f"the main branch of {full}", LEGIT))
            for branch in branches:
                probes.append(Probe("named-branch", token(repo, name, ref=f"refs/heads/{branch}"),
                                    f"branch {branch} of {full}", LEGIT))
                probes.append(Probe("prefix-branch", token(repo, name, ref=f"refs/heads/{_extended(branch)}"),
                                    f"a branch of {full} whose name starts with {branch}", SAME_WORKLOAD, "non-production"))
            for env in environments:
                probes.append(Probe("named-environment", token(repo, name, environment=env),
                                    f"environment {env} of {full}", LEGIT))
            probes += [
                Probe("other-branch", token(repo, name, ref=f"refs/heads/{PROBE}-branch"),
                      f"any branch of {full}", SAME_WORKLOAD, "non-production"),
                Probe("tag", token(repo, name, ref=f"refs/tags/{PROBE}-tag"), f"any tag of {full}", SAME_WORKLOAD),
                Probe("pull-request", token(repo, name, event="pull_request"),
                      f"pull requests of {full}", SAME_WORKLOAD, "non-production"),
                Probe("environment-production", token(repo, name, environment="production"),
                      f"environment production of {full}", SAME_WORKLOAD, "production"),
                Probe("environment-staging", token(repo, name, environment="staging"),
                      f"environment staging of {full}", SAME_WORKLOAD, "non-production"),
            ]
            if repo.whole:
                continue  # other repositories of an unknown owner cannot be named
            probes += [
            Probe("similar-repo", token(repo, f"{name}x"),
                  f"a repository of {repo.owner} named {name} plus one character", SAME_TENANT),
            Probe("prefix-repo", token(repo, _extended(name)),
                      f"a repository of {repo.owner} whose name starts with {name}", SAME_TENANT),
            ]
            fork_name = name
        else:
            fork_name = f"{PROBE}-repo"
        probes += [
            Probe("other-repo-tag", token(repo, f"{PROBE}-repo", ref=f"refs/tags/{PROBE}-tag"),
                  f"tags of any repository of {repo.owner}", SAME_TENANT),
            Probe("other-repo-environment", token(repo, f"{PROBE}-repo", environment="production"),
                  f"environment production of any repository of {repo.owner}", SAME_TENANT, "production"),
            Probe("other-repo-pull-request", token(repo, f"{PROBE}-repo", event="pull_request"),
                  f"pull requests of any repository of {repo.owner}", SAME_TENANT, "non-production"),
            Probe("other-repo", token(repo, f"{PROBE}-repo"), f"any repository of {repo.owner}", SAME_TENANT),
            Probe("fork", token(_GitHubRepo(f"{PROBE}-fork", None), fork_name),
                  "a fork, or a same-named repository in another account", OTHER_TENANT),
        ]
        if repo.owner != VICTIM and not repo.owner.startswith(PROBE):  # owner-name variants of a made-up owner mean nothing
            probes += [
                Probe("similar-owner", token(_GitHubRepo(f"{repo.owner}x", None), fork_name),
                      f"an account named {repo.owner} plus one character", OTHER_TENANT),
                Probe("prefix-owner", token(_GitHubRepo(_extended(repo.owner), None), fork_name),
                      f"an account whose name starts with {repo.owner}", OTHER_TENANT),
            ]
        probes += [
            Probe("other-org-tag", token(_GitHubRepo(f"{PROBE}-org", None), f"{PROBE}-repo", ref=f"refs/tags/{PROBE}-tag"),
                  "tags of any repository of any GitHub account", OTHER_TENANT),
            Probe("other-org-environment", token(_GitHubRepo(f"{PROBE}-org", None), f"{PROBE}-repo", environment="production"),
                  "environment production of any repository of any GitHub account", OTHER_TENANT),
            Probe("other-org", token(_GitHubRepo(f"{PROBE}-org", None), f"{PROBE}-repo"),
                  "any repository of any GitHub account", OTHER_TENANT),
        ]
    # An owner known only by its id has no name here: say so rather than show a made-up one.
    probes = [replace(p, description=re.sub(r"owner-id-(\d+)", r"the account with id \1", p.description)) for p in probes]
    # A template that names no repository, or names one but none of its jobs apart (`repo`
    # alone): an exact match on its sub names many workloads, not one.
    if template is not None and (not {"repo", "repository", "repository_id"} & set(template)
                                 or not set(template) - {"repo", "repository", "repository_id", "repository_owner",
                                                         "repository_owner_id"}):
        probes = [replace(p, shared_subject=True) for p in probes]
    return probes


# -- GitLab -----------------------------------------------------------------------------------

_GITLAB_SUB = lazy(r"^project_path:(?P<path>[^:]+)")


def _gitlab_token(path: str, ref: str = "main", ref_type: str = "branch", protected: bool = True,
                  namespace_id: str | None = None) -> dict:
    namespace = path.rsplit("/", 1)[0] if "/" in path else path
    return {
        "project_id": _stable_id(path),
        "namespace_id": namespace_id or _stable_id(namespace),
        "user_login": f"{PROBE}-user",
        "user_id": "424242",
        "pipeline_id": "9000000001",
        "job_id": "9000000002",
        "sha": "0" * 40,
        "sub": f"project_path:{path}:ref_type:{ref_type}:ref:{ref}",
        "project_path": path,
        "namespace_path": namespace,
        "ref": ref,
        "ref_type": ref_type,
        "ref_protected": "true" if protected else "false",
        "pipeline_source": "push",
    }


def _gitlab_probes(values: dict[str, list[str]]) -> list[Probe]:
    paths: list[str] = []
    groups: list[str] = []
    for value in values.get("sub", []) + [f"project_path:{v}" for v in values.get("project_path", [])]:
        match = _GITLAB_SUB.match(value)
        if not match:
            continue
        path = match.group("path")
        literal = _clean(path)
        if literal == path and "/" in path:
            paths.append(path)
        elif "/" in literal:
            groups.append(literal.rsplit("/", 1)[0])
        elif literal:
            groups.append(literal)  # project_path.startsWith('acme'): a group prefix
    for value in values.get("namespace_path", []):
        if _clean(value):
            groups.append(_clean(value))
    group_ids = {}
    for value in values.get("namespace_id", []):
        if value.isdigit():
            group = f"group-id-{value}"
            groups.append(group)
            group_ids[group] = value
    probes: list[Probe] = []
    for path in list(dict.fromkeys(paths))[:_MAX_ANCHORS]:
        group, _, name = path.rpartition("/")
        probes += [
            Probe("main-branch", _gitlab_token(path), f"the main branch of {path}", LEGIT),
            Probe("other-branch", _gitlab_token(path, f"{PROBE}-branch", protected=False),
                  f"any (unprotected) branch of {path}", SAME_WORKLOAD, "non-production"),
            Probe("tag", _gitlab_token(path, f"{PROBE}-tag", "tag", protected=False), f"any tag of {path}", SAME_WORKLOAD),
            Probe("prefix-project", _gitlab_token(_extended(path)), f"a project of {group} whose name starts with {name}", SAME_TENANT),
            Probe("fork", _gitlab_token(f"{PROBE}-fork/{name}"), "a same-named project in another namespace (a fork)", OTHER_TENANT),
        ]
        groups.append(group)
    for group in list(dict.fromkeys(groups))[:_MAX_ANCHORS] or [VICTIM]:
        group_id = group_ids.get(group)
        probes += [
            Probe("other-project", _gitlab_token(f"{group}/{PROBE}-project", namespace_id=group_id), f"any project of {group}", SAME_TENANT),
            Probe("subgroup-project", _gitlab_token(f"{group}/{PROBE}-sub/{PROBE}-project"), f"any project in a subgroup of {group}", SAME_TENANT),
            Probe("prefix-group", _gitlab_token(f"{_extended(group)}/{PROBE}-project"), f"a group whose path starts with {group}", OTHER_TENANT),
        ]
    probes.append(Probe("other-group", _gitlab_token(f"{PROBE}-group/{PROBE}-project"), "any project on the GitLab instance", OTHER_TENANT))
    return probes


# -- Terraform Cloud --------------------------------------------------------------------------

_TFC_SUB = lazy(r"^organization:(?P<org>[^:]*):project:(?P<project>[^:]*):workspace:(?P<ws>[^:]*)(?::run_phase:(?P<phase>.*))?$")


def _tfc_token(org: str, project: str, workspace: str, phase: str = "apply") -> dict:
    return {
        "sub": f"organization:{org}:project:{project}:workspace:{workspace}:run_phase:{phase}",
        "terraform_organization_name": org,
        "terraform_project_name": project,
        "terraform_workspace_name": workspace,
        "terraform_full_workspace": f"organization:{org}:project:{project}:workspace:{workspace}",
        "terraform_run_phase": phase,
    }


def _tfc_probes(values: dict[str, list[str]]) -> list[Probe]:
    anchors: list[tuple[str, str | None, str | None]] = []
    for org in values.get("terraform_organization_name", []):
        project = next(iter(values.get("terraform_project_name", [])), None)
        workspace = next(iter(values.get("terraform_workspace_name", [])), None)
        if _clean(org):
            anchors.append((_clean(org), project, workspace if project else None))
    for value in values.get("sub", []):
        match = _TFC_SUB.match(value)
        if not match:
            org = _clean(value).removeprefix("organization:").split(":")[0]
            if value.startswith("organization:") and org:
                anchors.append((org, None, None))
            continue
        org, project, ws = match.group("org"), match.group("project"), match.group("ws")
        if org != _clean(org):
            org = _clean(org)  # organization:acme*: anchor on acme, the prefix probe catches it
            if not org:
                continue
        project = project if "*" not in project and "?" not in project else None
        ws = ws if ws and "*" not in ws and "?" not in ws else None
        anchors.append((org, project, ws if project else None))
    probes: list[Probe] = []
    for org, project, ws in list(dict.fromkeys(anchors))[:_MAX_ANCHORS] or [(VICTIM, None, None)]:
        p = project or f"{PROBE}-project"
        if project and ws:
            probes += [
                Probe("apply", _tfc_token(org, project, ws), f"apply runs of workspace {ws}", LEGIT),
                Probe("plan", _tfc_token(org, project, ws, "plan"), f"plan runs (incl. speculative plans) of workspace {ws}", SAME_WORKLOAD, "non-production"),
                Probe("prefix-workspace", _tfc_token(org, project, _extended(ws)), f"a workspace whose name starts with {ws}", SAME_TENANT),
            ]
        probes += [
            Probe("other-workspace", _tfc_token(org, p, f"{PROBE}-workspace"), f"any workspace of project {p} in {org}", SAME_TENANT),
            Probe("other-project", _tfc_token(org, f"{PROBE}-project", f"{PROBE}-workspace"), f"any workspace of organization {org}", SAME_TENANT),
            Probe("prefix-org", _tfc_token(_extended(org), p, ws or f"{PROBE}-workspace"), f"an organization whose name starts with {org}", OTHER_TENANT),
        ]
    probes.append(Probe("other-org", _tfc_token(f"{PROBE}-org", f"{PROBE}-project", f"{PROBE}-workspace"), "any HCP Terraform organization", OTHER_TENANT))
    return probes


# -- Kubernetes service accounts (EKS IRSA and others) -----------------------------------------

def _k8s_probes(values: dict[str, list[str]]) -> list[Probe]:
    anchors = []
    for value in values.get("sub", []):
        parts = value.split(":")
        if len(parts) == 4 and parts[:2] == ["system", "serviceaccount"]:
            ns, sa = _clean(parts[2]) if parts[2] != _clean(parts[2]) else parts[2], parts[3]
            sa = sa if sa == _clean(sa) else (_clean(sa) or None)
            anchors.append((ns or "team-namespace", sa))

    def token(ns, sa):
        return {"sub": f"system:serviceaccount:{ns}:{sa}"}

    probes: list[Probe] = []
    for ns, sa in list(dict.fromkeys(anchors))[:_MAX_ANCHORS] or [("team-namespace", None)]:
        if sa:
            probes.append(Probe("service-account", token(ns, sa), f"service account {ns}/{sa}", LEGIT))
        probes.append(Probe("other-service-account", token(ns, f"{PROBE}-sa"), f"any service account in namespace {ns}", SAME_TENANT))
        if sa:
            probes.append(Probe("same-name-other-namespace", token(_extended(ns), sa),
                                f"service account {sa} in another namespace", SAME_TENANT))
            probes.append(Probe("prefix-service-account", token(ns, _extended(sa)),
                                f"a service account in {ns} whose name starts with {sa}", SAME_TENANT))
    probes.append(Probe("other-namespace", token(f"{PROBE}-ns", f"{PROBE}-sa"), "any service account in any namespace of the cluster", SAME_TENANT))
    return probes


# -- anything else -------------------------------------------------------------------------------

# Issuers that belong to one organisation (CircleCI, Bitbucket, Azure DevOps: the org is in
# the issuer URL): "any identity of the issuer" is that organisation, not everyone.
_PER_TENANT_ISSUERS = {"circleci", "bitbucket", "azure-devops"}


def _generic_probes(values: dict[str, list[str]], platform: str = "unknown") -> list[Probe]:
    probes = [Probe("named-subject", {"sub": v}, f"subject {v}", LEGIT) for v in values.get("sub", []) if v == _clean(v)]
    breadth = SAME_TENANT if platform in _PER_TENANT_ISSUERS else OTHER_TENANT
    what = "any project of the organisation the issuer belongs to" if breadth == SAME_TENANT else "any identity the issuer can mint a token for"
    claims = {"sub": f"{PROBE}-subject"}
    pinned_audience = [v for v in values.get("aud", []) if v == _clean(v)]
    if breadth == SAME_TENANT and pinned_audience:
        claims["aud"] = pinned_audience[0]  # the organisation's id: every project's token carries it
    probes.append(Probe("any-subject", claims, what, breadth))
    return probes[: _MAX_ANCHORS + 1]


_BUILDERS = {
    "github-actions": _github_probes,
    "gitlab": _gitlab_probes,
    "terraform-cloud": _tfc_probes,
    "kubernetes": _k8s_probes,
}
