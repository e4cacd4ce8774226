"""GitLab CI (`.gitlab-ci.yml`): jobs that request ID tokens (`id_tokens`) and jobs or pipelines
that carry static cloud keys in `variables`."""

from __future__ import annotations

import re

from ..model import CredentialUse, Location, ScanModel, StaticCredential, Workload
from ..source import SourceFile, Span
from ..values import Node, text_of

_RESERVED = {"stages", "variables", "default", "include", "workflow", "image", "services", "before_script",
             "after_script", "cache", "pages"}
_STATIC = {"AWS_ACCESS_KEY_ID": "aws", "AWS_SECRET_ACCESS_KEY": "aws", "GOOGLE_CREDENTIALS": "gcp",
           "GOOGLE_APPLICATION_CREDENTIALS": "gcp", "ARM_CLIENT_SECRET": "azure", "AZURE_CLIENT_SECRET": "azure"}
_CLOUD_HINTS = [(re.compile(r"assume-role-with-web-identity|AWS_WEB_IDENTITY_TOKEN_FILE|AWS_ROLE_ARN"), "aws"),
                (re.compile(r"gcloud|GOOGLE_|workload_identity|iam\.googleapis\.com"), "gcp"),
                (re.compile(r"az login|--federated-token|ARM_OIDC|AZURE_FEDERATED"), "azure")]


def is_gitlab_ci(document: Node, path: str) -> bool:
    name = path.rsplit("/", 1)[-1]
    return isinstance(document.value, dict) and (name in (".gitlab-ci.yml", ".gitlab-ci.yaml") or any(
        isinstance(job.value, dict) and "id_tokens" in job.value for job in document.value.values()))


def _header(node: Node) -> Span:
    key = node.key_span or node.span
    return Span(key.line, key.column, key.line, key.end_column)


def _text(node: Node | None) -> str:
    """All the scalar text of a node (scripts are lists of lines)."""
    if node is None:
        return ""
    if isinstance(node.value, list):
        return "\n".join(_text(n) for n in node.value)
    if isinstance(node.value, dict):
        return "\n".join(_text(n) for n in node.value.values())
    return text_of(node) or ""


def _triggers(job: Node) -> dict:
    rules = _text(job.get("rules")) + "\n" + _text(job.get("only"))
    triggers: dict = {}
    if "merge_request" in rules:
        triggers["merge_request"] = {}
    branches = re.findall(r"\$CI_COMMIT_(?:BRANCH|REF_NAME)\s*==\s*[\"']([^\"']+)[\"']", rules)
    if re.search(r"==\s*\$CI_DEFAULT_BRANCH|\$CI_DEFAULT_BRANCH\s*==", rules):
        branches.append("main")
    if "!=" in rules and "$CI_COMMIT" in rules:
        branches = []  # "every branch but …": any branch can run it
    if "$CI_COMMIT_TAG" in rules or "tags" in _text(job.get("only")).split():
        triggers["tag"] = {}
    if branches:
        triggers["push"] = {"branches": branches}
    elif not triggers:
        triggers["push"] = {}  # no rules: every branch's pipeline runs it
    return triggers


def _inherit(job: Node, document: Node, default: Node | None, depth: int = 0) -> Node:
    """The job with what it inherits: `default:` keywords, then `extends:` templates
    (`.hidden` jobs), the job's own keys winning, as GitLab merges them (one level deep)."""
    merged: dict = {}
    if default is not None and isinstance(default.value, dict) and depth == 0:
        merged.update({k: v for k, v in default.items() if k in ("id_tokens", "before_script", "variables")})
    extends = job.get("extends")
    for name in [text_of(e) for e in extends.as_list()] if extends is not None and depth < 5 else []:
        base = document.get(name or "")
        if base is not None and isinstance(base.value, dict):
            merged.update(_inherit(base, document, None, depth + 1).value)
    for key, value in job.items():
        if key == "variables" and isinstance(value.value, dict) and isinstance(merged.get(key), Node) and isinstance(merged[key].value, dict):
            value = Node({**merged[key].value, **value.value}, value.span, value.key_span)
        merged[key] = value
    return Node(merged, job.span, job.key_span)


def scan_gitlab_ci(document: Node, source: SourceFile) -> ScanModel:
    model = ScanModel()
    path = source.path
    global_variables = document.get("variables")
    default = document.get("default")
    for job_id, job in document.items():
        if job_id in _RESERVED or job_id.startswith(".") or not isinstance(job.value, dict):
            continue
        job = _inherit(job, document, default)
        tokens = job.get("id_tokens")
        environment = job.get("environment")
        if environment is not None and isinstance(environment.value, dict):
            environment = environment.get("name")
        workload = Workload(
            platform="gitlab",
            path=path,
            job_id=job_id,
            location=Location(path, _header(job)),
            triggers=_triggers(job),
            trigger_location=None,
            environment=text_of(environment) if environment is not None else None,
            environment_location=Location(path, environment.span) if environment is not None else None,
            id_token="write" if tokens is not None else "none",
            id_token_level="job" if tokens is not None else "",
            id_token_location=Location(path, tokens.key_span or tokens.span) if tokens is not None else None,
            names=[job_id],
        )
        script = _text(job.get("script")) + "\n" + _text(job.get("before_script")) + "\n" + _text(job.get("variables"))
        cloud = next((c for pattern, c in _CLOUD_HINTS if pattern.search(script)), "unknown")
        for name, spec in tokens.items() if tokens is not None and isinstance(tokens.value, dict) else []:
            audience = spec.get("aud") if isinstance(spec.value, dict) else None
            workload.credentials.append(CredentialUse(
                cloud=cloud, action="id_tokens", location=Location(path, spec.key_span or spec.span), federated=True,
                target=name, audience=_text(audience) or None,
                audience_location=Location(path, audience.span) if audience is not None else None))
        for variables in (job.get("variables"), global_variables if tokens is not None or job.get("script") else None):
            for name, value in variables.items() if variables is not None and isinstance(variables.value, dict) else []:
                kind = _STATIC.get(name.upper())
                text = _text(value)
                if kind is None or not text.strip():
                    continue
                origin = "a CI/CD variable" if text.startswith("$") else "a literal value"
                model.credentials.append(StaticCredential(
                    kind, job_id, "gitlab-job", "static cloud key", f"{name} from {origin}",
                    Location(path, value.key_span or value.span), names=[path],
                    usage=f"passes a long-lived {kind.upper()} key ({name} from {origin})"))
        if workload.credentials:
            model.workloads.append(workload)
    return model
