"""OIDC issuers: recognising the platform behind an issuer URL and naming its claims.

Sources: ../shared/reference/oidc-claims.md (copied facts, see docs/oidc-claims.md).
"""

from __future__ import annotations

import re

from ..lazy_re import lazy

_ISSUERS = [
    (lazy(r"^token\.actions\.githubusercontent\.com(/|$)"), "github-actions"),
    (lazy(r"^token\.actions\.[^/]+\.ghe\.com(/|$)"), "github-actions"),
    (lazy(r"/_services/token$"), "github-actions"),
    (lazy(r"^gitlab\.|^gitlab$|(^|\.)gitlab\.com$"), "gitlab"),
    (lazy(r"^app(\.eu)?\.terraform\.io$"), "terraform-cloud"),
    (lazy(r"^oidc\.eks\.[a-z0-9-]+\.amazonaws\.com(\.cn)?/id/"), "kubernetes"),
    (lazy(r"^oidc\.circleci\.com/org/"), "circleci"),
    (lazy(r"^api\.bitbucket\.org/2\.0/workspaces/"), "bitbucket"),
    (lazy(r"^agent\.buildkite\.com$"), "buildkite"),
    (lazy(r"^vstoken\.dev\.azure\.com/"), "azure-devops"),
    (lazy(r"^cognito-identity\.amazonaws\.com$"), "cognito"),
    (lazy(r"^accounts\.google\.com$"), "google"),
    (lazy(r"^container\.googleapis\.com/|^kubernetes\.default\.svc"), "kubernetes"),
    (lazy(r"\.oic\.prod-aks\.azure\.com/|\.oic\.[a-z0-9-]+\.azure\.(com|us|cn)/"), "kubernetes"),
]

# Claims that say *which workload* holds the token: a condition on one of them is a
# subject constraint. Everything else (aud, amr, ...) is not.
SUBJECT_CLAIMS = {
    "github-actions": {
        "sub", "repository", "repository_id", "repository_owner", "repository_owner_id",
        "job_workflow_ref", "workflow_ref", "workflow", "ref", "environment", "actor",
        "actor_id", "enterprise", "enterprise_id",
    },
    "gitlab": {"sub", "project_path", "project_id", "namespace_path", "namespace_id", "ref"},
    "terraform-cloud": {
        "sub", "terraform_organization_name", "terraform_organization_id",
        "terraform_workspace_name", "terraform_workspace_id", "terraform_project_name",
        "terraform_project_id", "terraform_full_workspace",
    },
}
AUDIENCE_CLAIMS = {"aud", "oaud", "azp"}
DEFAULT_SUBJECT_CLAIMS = {"sub"}

# Claims AWS exposes as condition keys beyond sub/aud (2026 IdP-specific keys; GitHub only).
AWS_EXTRA_KEYS = {
    "github-actions": {
        "actor", "actor_id", "job_workflow_ref", "repository", "repository_id", "workflow",
        "ref", "environment", "enterprise_id", "repository_owner_id", "runner_environment",
        "repository_owner",
    },
}


def normalise_issuer(url: str) -> str:
    """Issuer without scheme or trailing slash: the form AWS uses in condition keys."""
    return re.sub(r"^https?://", "", url.strip()).rstrip("/")


def platform_of(url: str | None) -> str:
    """The CI/CD platform behind an issuer URL, or 'unknown'."""
    if not url:
        return "unknown"
    host = normalise_issuer(url)
    head, slash, rest = host.partition("/")
    host = head.lower() + slash + rest  # host names are case-insensitive; paths are not
    for pattern, platform in _ISSUERS:
        if pattern.search(host):
            return platform
    return "unknown"


def subject_claims(platform: str) -> set[str]:
    return SUBJECT_CLAIMS.get(platform, DEFAULT_SUBJECT_CLAIMS)
