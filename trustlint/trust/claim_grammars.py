"""Each issuer's `sub` claim as a grammar: literal text and slots (OWNER, NAME, BRANCH, ...).

A slot has a character class (what the platform allows in that name), a scope (who owns the
value: the tenant, one repository/project of it, or one workload context of a repository)
and a readable attacker word used when a witness fills the slot through a `*`.
Sources: ../shared/reference/oidc-claims.md (subject formats), copied in docs/oidc-claims.md.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from functools import lru_cache

TENANT, REPOSITORY, WORKLOAD = "tenant", "repository", "workload"
# A value that changes every run (a commit, a step id): varying it names no other workload.
PER_RUN = "per-run"
# Immutable GitHub subjects name the owner and repository twice, by name and by id: another
# tenant (repository) needs both to differ, so each half has a scope of its own.
TENANT_NAME, TENANT_ID, REPOSITORY_NAME, REPOSITORY_ID = "tenant-name", "tenant-id", "repository-name", "repository-id"
# One character standing for a value not known statically (⟨var.x⟩): any slot takes it, no
# witness ever varies it (it is a named literal in the pattern).
OPAQUE = "\ue000"

_ALNUM = string.ascii_letters + string.digits
_PRINTABLE = "".join(chr(c) for c in range(0x21, 0x7F))


@dataclass(frozen=True)
class Slot:
    """A named part of a claim a workload's platform fills (owner, repository, branch, ...)."""

    name: str
    chars: frozenset
    scope: str
    word: str  # a readable value an attacker could choose, within `chars`
    # Characters a value may not begin or end with, nor hold twice in a row (a git ref's '/':
    # no branch is `x/`, `/x` or `a//b`, so `ref.endsWith('refs/tags/')` admits no branch);
    # only where the claim is the ref itself, never a part of a sub a template may extend.
    separators: str = ""

    def allows(self, char: str) -> bool:
        return char in self.chars or OPAQUE <= char <= "\uf8ff"  # an unknown value fits any slot


@dataclass(frozen=True)
class Alternative:
    """One form of the claim: its parts (literal text or Slot) and the context it encodes."""

    parts: tuple
    context: str
    # A form that never names the repository (or the tenant): even its exact value admits
    # every repository of the owner (or every tenant), e.g. a template of job_workflow_ref.
    implicit: str | None = None


def _slot(name: str, chars: str, scope: str, word: str, separators: str = "") -> Slot:
    assert all(c in chars for c in word), (name, word)
    return Slot(name, frozenset(chars), scope, word, separators)


# GitHub: owners are letters, digits and hyphens; repository names add '.' and '_'. A ':' in
# a value is sent as %3A, so no slot holds ':'; git refs exclude space ~ ^ ? * [ \.
_OWNER = _slot("owner", _ALNUM + "-", TENANT, "attacker")
_OWNER_ID = _slot("owner_id", string.digits, TENANT, "4242424242")
_REPO = _slot("repository", _ALNUM + "-._", REPOSITORY, "attacker-repo")
_REPO_ID = _slot("repository_id", string.digits, REPOSITORY, "4242424243")
_IMMUTABLE = ("repo:", _slot("owner", _ALNUM + "-", TENANT_NAME, "attacker"), "@",
              _slot("owner_id", string.digits, TENANT_ID, "4242424242"), "/",
              _slot("repository", _ALNUM + "-._", REPOSITORY_NAME, "attacker-repo"), "@",
              _slot("repository_id", string.digits, REPOSITORY_ID, "4242424243"))
_GIT_REF = "".join(c for c in _PRINTABLE if c not in ":~^?*[\\")
# No separators in a GitHub sub's branch: the repository's own custom template may write more
# keys after it (`...:ref:refs/heads/x:environment:y/` is a sub a pattern ending in `/` admits).
_BRANCH = _slot("branch", _GIT_REF, WORKLOAD, "attacker-branch")
_TAG = _slot("tag", _GIT_REF, WORKLOAD, "attacker-tag")
_ENVIRONMENT = _slot("environment", "".join(c for c in _PRINTABLE if c != ":") + " ", WORKLOAD, "attacker-env")


# The default tail of a GitHub subject (its `context`): one per kind of job.
_CONTEXT_TAILS = ((("ref:refs/heads/", _BRANCH), "branch"), (("ref:refs/tags/", _TAG), "tag"),
                  (("environment:", _ENVIRONMENT), "environment"), (("pull_request",), "pull_request"))


def _github() -> list[Alternative]:
    return [Alternative(_merge_literals(repository + (":",) + ending), kind)
            for repository in (("repo:", _OWNER, "/", _REPO), _IMMUTABLE) for ending, kind in _CONTEXT_TAILS]


# GitLab: a top-level group (the tenant), then subgroups and the project; refs without refs/heads/.
_GROUP = _slot("group", _ALNUM + "-._", TENANT, "attacker-group")
_PROJECT_PATH = _slot("project", _ALNUM + "-._/", REPOSITORY, "attacker-project")
_PROJECT_ID = _slot("project_id", string.digits, TENANT, "4242424242")
_GITLAB_REF = _slot("ref", _GIT_REF, WORKLOAD, "attacker-branch", "/")


def _gitlab() -> list[Alternative]:
    alternatives = []
    for project in (("project_path:", _GROUP, "/", _PROJECT_PATH), ("project_id:", _PROJECT_ID)):
        alternatives += [
            Alternative(project + (":ref_type:branch:ref:", _GITLAB_REF), "branch"),
            Alternative(project + (":ref_type:tag:ref:", _GITLAB_REF), "tag"),
        ]
    return alternatives


# HCP Terraform: organization and workspace names are letters, digits, '-' and '_'; project
# names may also hold spaces.
_ORG = _slot("organization", _ALNUM + "-_", TENANT, "attacker-org")
_TFC_PROJECT = _slot("project", "".join(c for c in _PRINTABLE if c != ":") + " ", REPOSITORY, "attacker-project")
_WORKSPACE = _slot("workspace", _ALNUM + "-_", REPOSITORY, "attacker-workspace")


def _terraform_cloud() -> list[Alternative]:
    head = ("organization:", _ORG, ":project:", _TFC_PROJECT, ":workspace:", _WORKSPACE, ":run_phase:")
    return [Alternative(head + ("plan",), "plan"), Alternative(head + ("apply",), "apply")]


# Kubernetes service accounts: DNS labels. The issuer is one cluster, so every slot is inside it.
_NAMESPACE = _slot("namespace", string.ascii_lowercase + string.digits + "-", REPOSITORY, "attacker-ns")
_SERVICE_ACCOUNT = _slot("service_account", string.ascii_lowercase + string.digits + "-.", REPOSITORY, "attacker-sa")


def _kubernetes() -> list[Alternative]:
    return [Alternative(("system:serviceaccount:", _NAMESPACE, ":", _SERVICE_ACCOUNT), "service-account")]


# Buildkite: one issuer for every organisation; commit and step change with every build.
_BK_ORG = _slot("organization", string.ascii_lowercase + string.digits + "-", TENANT, "attacker-org")
_BK_PIPELINE = _slot("pipeline", string.ascii_lowercase + string.digits + "-", REPOSITORY, "attacker-pipeline")
_BK_REF = _slot("ref", _GIT_REF, WORKLOAD, "attacker-branch", "/")
_BK_COMMIT = _slot("commit", string.hexdigits.lower(), PER_RUN, "0" * 40)
_BK_STEP = _slot("step", _ALNUM + "-_.", PER_RUN, "attacker-step")


def _buildkite() -> list[Alternative]:
    return [Alternative(("organization:", _BK_ORG, ":pipeline:", _BK_PIPELINE, ":ref:", _BK_REF, ":commit:", _BK_COMMIT,
                         ":step:", _BK_STEP), "ref")]


# Issuers whose URL names one organisation: any subject of the issuer stays inside it.
PER_TENANT_ISSUERS = {"circleci", "bitbucket", "azure-devops"}


def _generic(platform: str) -> list[Alternative]:
    scope = REPOSITORY if platform in PER_TENANT_ISSUERS else TENANT
    return [Alternative((_slot("subject", _PRINTABLE + " ", scope, "attacker"),), "subject")]


# GitHub custom sub templates (include_claim_keys): `key:value` pairs in the listed order; `repo`
# renders repo:OWNER/NAME and `context` the default tail. Any claim may be a key.
_GITHUB_KEYS = (
    "actor", "actor_id", "base_ref", "check_run_id", "enterprise", "enterprise_id", "environment", "event_name",
    "head_ref", "job_workflow_ref", "job_workflow_sha", "ref", "ref_protected", "ref_type", "repository",
    "repository_id", "repository_owner", "repository_owner_id", "repository_visibility", "run_attempt", "run_id",
    "run_number", "runner_environment", "sha", "workflow", "workflow_ref", "workflow_sha",
)
_VALUE = "".join(c for c in _PRINTABLE if c != ":") + " "
_KEY_SLOTS = {
    "repository_owner": (_OWNER,),
    "repository_owner_id": (_OWNER_ID,),
    "repository": (_OWNER, "/", _REPO),
    "repository_id": (_REPO_ID,),
    "enterprise": (_slot("enterprise", _ALNUM + "-", TENANT, "attacker"),),
    "enterprise_id": (_slot("enterprise_id", string.digits, TENANT, "4242424242"),),
}


def _key_parts(key: str) -> tuple:
    if key == "repo":
        return ("repo:", _OWNER, "/", _REPO)
    return (f"{key}:",) + _KEY_SLOTS.get(key, (_slot(key, _VALUE, WORKLOAD, f"attacker-{key.replace('_', '-')}"),))


_TENANT_KEYS = {"repo", "repository", "repository_owner", "repository_owner_id", "repository_id", "enterprise", "enterprise_id"}
_REPOSITORY_KEYS = {"repo", "repository", "repository_id"}
# Keys that tell one job of a repository from another: a template without any names all its jobs.
_CONTEXT_KEYS = {"ref", "environment", "event_name", "head_ref", "base_ref", "job_workflow_ref", "workflow_ref",
                 "workflow", "ref_type", "sha", "run_id", "actor", "actor_id"}


def custom_template_alternatives(platform: str, values: list[str], environment_twice: bool = False) -> list[Alternative]:
    """GitHub custom-template forms named by the patterns themselves: the claim keys their
    literal text spells, in order (`repo:acme/app:head_ref:*` -> repo, head_ref), followed by
    the default context when the pattern goes on past the keys' values."""
    if platform != "github-actions":
        return []
    out = []
    for value in values:
        words = value.split(":")
        # A wildcard glued before a key (`*repository_owner_id:1:*`, from contains()) stands for
        # text before it: the key is still spelled.
        bare = [w.lstrip("*?") for w in words]
        keys = list(dict.fromkeys(b for i, (w, b) in enumerate(zip(words, bare))
                                  if b in _GITHUB_KEYS or (b == "repo" and (i == 0 or w != b))))
        choices = [keys]
        if keys and bare[0] not in keys and ("*" in words[0] or "?" in words[0]) and "repo" not in keys:
            # `*:job_workflow_ref:...`: the wildcard stands for leading keys (repo, the owner's
            # id) or for none
            choices = [["repo", *keys], keys, ["repository_owner_id", *keys]]
        elif keys and words[0] != bare[0] and "repo" not in keys:
            choices.append(["repo", *keys])  # `*repository_owner_id:...`: nothing before it, or repo
        for keys in choices:
            if keys:
                # a tail after the keys: the default context
                out += _template_forms(keys, len(words) > 2 * len(keys), environment_twice)
    return out


def _template_forms(keys: list[str], tail: bool, environment_twice: bool = False) -> list[Alternative]:
    if keys == ["repo"] and tail or keys[0] == "repo" and len(keys) == 2 and keys[1] in ("ref", "environment"):
        return []  # the default forms: the static grammar has them (`repo:O/R` alone is a template)
    parts: tuple = ()
    for index, key in enumerate(keys):
        parts += ((":",) if index else ()) + _key_parts(key)
    implicit = (TENANT if not set(keys) & _TENANT_KEYS else REPOSITORY if not set(keys) & _REPOSITORY_KEYS
                else WORKLOAD if not tail and not set(keys) & _CONTEXT_KEYS else None)
    context = "custom:" + ",".join(keys)
    out = [Alternative(_merge_literals(parts), context, implicit)]
    if tail:
        out += [Alternative(_merge_literals(parts + (":",) + ending), f"{context},{kind}", implicit)
                for ending, kind in _CONTEXT_TAILS
                if not (_TAIL_EXCLUDED_BY[kind] | (set() if environment_twice else {"environment"} if kind == "environment" else set()))
                & set(keys)]
    return out


# The `context` key writes the job's environment when it has one, else its ref or pull_request:
# after an `environment` key (a job with an environment) it can only write that environment
# again, with the same value, never a ref or pull_request. Only gcp_witness keeps the two values
# equal (`environment_twice`); elsewhere such a form is not searched (a known limit).
# After a `ref` key a branch or tag context repeats the ref in another shape, which two slots
# do not keep equal: those forms are not searched (a known limit, in TL001's docs).
_TAIL_EXCLUDED_BY = {"branch": {"ref", "environment"}, "tag": {"ref", "environment"}, "environment": set(),
                     "pull_request": {"environment"}}


def _merge_literals(parts: tuple) -> tuple:
    merged: list = []
    for part in parts:
        if isinstance(part, str) and merged and isinstance(merged[-1], str):
            merged[-1] += part
        else:
            merged.append(part)
    return tuple(merged)


_BUILDERS = {"github-actions": _github, "gitlab": _gitlab, "terraform-cloud": _terraform_cloud, "kubernetes": _kubernetes,
             "buildkite": _buildkite}


@lru_cache(maxsize=None)
def _grammar(platform: str) -> tuple:
    builder = _BUILDERS.get(platform)
    return tuple(builder() if builder else _generic(platform))


def grammar_for(platform: str, claim: str) -> tuple | None:
    """The grammar of `claim` for tokens of `platform`, or None when trustlint has none."""
    if claim != "sub" or platform in ("google", "cognito"):
        return None  # Google's sub is a numeric account id; Cognito's an identity id
    return _grammar(platform)
