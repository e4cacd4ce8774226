"""GitLab CI (`.gitlab-ci.yml`): jobs that request ID tokens (`id_tokens`) and jobs or pipelines
that carry static cloud keys in `variables`."""

from __future__ import annotations

import re

from .. import saferegex
from ..model import CredentialUse, Location, ScanModel, StaticCredential, Workload
from ..source import SourceFile, Span
from ..values import Node, text_of
from .github_workflow import looks_like_real_key
from ..lazy_re import lazy

_RESERVED = {"stages", "variables", "default", "include", "workflow", "image", "services", "before_script",
             "after_script", "cache", "pages"}
_STATIC = {"AWS_ACCESS_KEY_ID": "aws", "AWS_SECRET_ACCESS_KEY": "aws", "GOOGLE_CREDENTIALS": "gcp",
           "GOOGLE_APPLICATION_CREDENTIALS": "gcp", "ARM_CLIENT_SECRET": "azure", "AZURE_CLIENT_SECRET": "azure"}
_CLOUD_HINTS = [(re.compile(r"assume-role-with-web-identity|AWS_WEB_IDENTITY_TOKEN_FILE|AWS_ROLE_ARN"), "aws"),
                (re.compile(r"gcloud|GOOGLE_|workload_identity|iam\.googleapis\.com"), "gcp"),
                (re.compile(r"az login|--federated-token|ARM_OIDC|AZURE_FEDERATED"), "azure")]


_ROLE_ARN = lazy(r"arn:aws[\w-]*:iam::\d{12}:role/[\w+=,.@/-]{1,128}")
_JOB_KEYS = {"stage", "image", "extends", "rules", "needs", "tags", "variables", "before_script", "environment"}


def is_gitlab_ci(document: Node, path: str) -> bool:
    """A GitLab pipeline or a file it includes (job templates): by name, or by content, a job
    with id_tokens, or jobs with a `script` and the keys only GitLab jobs have together."""
    name = path.rsplit("/", 1)[-1]
    if not isinstance(document.value, dict) or "jobs" in document.value:  # `jobs:` is GitHub's or CircleCI's
        return False
    if name in (".gitlab-ci.yml", ".gitlab-ci.yaml"):
        return True
    jobs = [job.value for job in document.value.values() if isinstance(job.value, dict)]
    if any("id_tokens" in job for job in jobs) or any("script" in job and _JOB_KEYS & set(job) for job in jobs):
        return True
    # Jobs whose script comes from a template in another file: `extends` with GitLab job keys.
    if any("extends" in job and len(_JOB_KEYS & set(job)) >= 2 for job in jobs):
        return True
    # A file of job templates only (`.aws-deploy: {image: …, variables: …}`), included by pipelines.
    templates = [job.value for key, job in document.value.items() if key.startswith(".") and isinstance(job.value, dict)]
    return bool(templates) and len(templates) == len(jobs) and all(len(_JOB_KEYS & set(t)) >= 2 or "script" in t
                                                                   for t in templates)


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


# Abstract pipelines a job could run in, as the predefined variables they set. Unknown
# variables evaluate to "unknown", which never rules a pipeline out.
_MAIN, _PROBE = "main", "tl-probe"


def _contexts(named: list[str]) -> list[tuple[str, str | None, dict]]:
    """(kind, branch, variables) for: a merge request pipeline, pushes to the default branch,
    to any other branch (and to each branch the rules name), a tag, a schedule, a pipeline
    run from the UI/API on an arbitrary branch."""
    def branch(source: str, name: str, protected: str) -> dict:
        return {"CI_PIPELINE_SOURCE": source, "CI_COMMIT_BRANCH": name, "CI_COMMIT_REF_NAME": name,
                "CI_DEFAULT_BRANCH": _MAIN, "CI_COMMIT_TAG": None, "CI_MERGE_REQUEST_ID": None,
                "CI_MERGE_REQUEST_IID": None, "CI_COMMIT_REF_PROTECTED": protected}
    contexts = [
        ("merge_request", None, {"CI_PIPELINE_SOURCE": "merge_request_event", "CI_COMMIT_BRANCH": None,
                                 "CI_COMMIT_REF_NAME": _PROBE, "CI_DEFAULT_BRANCH": _MAIN, "CI_COMMIT_TAG": None,
                                 "CI_MERGE_REQUEST_ID": "1", "CI_MERGE_REQUEST_IID": "1",
                                 "CI_MERGE_REQUEST_SOURCE_BRANCH_NAME": _PROBE,
                                 "CI_MERGE_REQUEST_TARGET_BRANCH_NAME": _MAIN, "CI_COMMIT_REF_PROTECTED": "false"}),
        ("push", _MAIN, branch("push", _MAIN, "true")),
        ("push", _PROBE, branch("push", _PROBE, "false")),
        ("web", _PROBE, branch("web", _PROBE, "false")),
        ("schedule", _MAIN, branch("schedule", _MAIN, "true")),
        ("tag", None, {"CI_PIPELINE_SOURCE": "push", "CI_COMMIT_BRANCH": None, "CI_COMMIT_REF_NAME": "v1.0.0",
                       "CI_COMMIT_TAG": "v1.0.0", "CI_DEFAULT_BRANCH": _MAIN, "CI_MERGE_REQUEST_ID": None,
                       "CI_MERGE_REQUEST_IID": None}),
    ]
    for name in named:
        if name not in (_MAIN, _PROBE):
            contexts.append(("push", name, branch("push", name, _UNKNOWN)))
    return contexts


_UNKNOWN = object()
_TOKEN = lazy(r"\s*(?:(\(|\)|&&|\|\||==|!=|=~|!~)|\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?|\"([^\"]*)\"|'([^']*)'|"
                    r"(/(?:\\/|[^/])*/[a-z]*)|(null)\b)")


def _tokens(expression: str) -> list | None:
    tokens, position = [], 0
    expression = expression.strip()
    while position < len(expression):
        match = _TOKEN.match(expression, position)
        if not match or match.end() == position:
            return None
        op, var, dq, sq, regex, null = match.groups()
        tokens.append(("op", op) if op else ("var", var) if var else ("str", dq if dq is not None else sq)
                      if dq is not None or sq is not None else ("re", regex) if regex else ("null", None))
        position = match.end()
        while position < len(expression) and expression[position].isspace():
            position += 1
    return tokens


def evaluate_rule_if(expression: str, variables: dict):
    """A GitLab `rules:if` expression in one pipeline: True, False, or None (unknown)."""
    tokens = _tokens(expression)
    if tokens is None:
        return None
    position = 0

    def peek():
        return tokens[position] if position < len(tokens) else (None, None)

    def operand():
        nonlocal position
        kind, value = peek()
        position += 1
        if kind == "var":
            return variables.get(value, _UNKNOWN) if value in variables else _UNKNOWN
        if kind in ("str", "re"):
            return (kind, value)
        if kind == "null":
            return None
        raise ValueError(value)

    def comparison():
        nonlocal position
        kind, value = peek()
        if (kind, value) == ("op", "("):
            position += 1
            result = disjunction()
            if peek() != ("op", ")"):
                raise ValueError(")")
            position += 1
            return result
        left = operand()
        kind, op = peek()
        if kind == "op" and op in ("==", "!=", "=~", "!~"):
            position += 1
            right = operand()
            if left is _UNKNOWN or right is _UNKNOWN:
                return None
            if op in ("==", "!="):
                l_text = left[1] if isinstance(left, tuple) else left
                r_text = right[1] if isinstance(right, tuple) else right
                return (l_text == r_text) == (op == "==")
            if not isinstance(right, tuple) or right[0] != "re":
                return None
            pattern = right[1]
            body, flags = pattern[1:pattern.rindex("/")], pattern[pattern.rindex("/") + 1:]
            if left is None:
                return op != "=~"  # no value matches nothing: only `!~` holds
            found = saferegex.search(body.replace("\\/", "/"), left if isinstance(left, str) else left[1], "i" in flags)
            if found is None:
                return None  # a pattern RE2 (GitLab's engine) rejects: unknown
            return found == (op == "=~")
        if left is _UNKNOWN:
            return None
        return bool(left[1] if isinstance(left, tuple) else left)

    def conjunction():
        nonlocal position
        result = comparison()
        while peek() == ("op", "&&"):
            position += 1
            right = comparison()
            result = False if result is False or right is False else None if result is None or right is None else True
        return result

    def disjunction():
        nonlocal position
        result = conjunction()
        while peek() == ("op", "||"):
            position += 1
            right = conjunction()
            result = True if result is True or right is True else None if result is None or right is None else False
        return result

    try:
        result = disjunction()
    except (ValueError, IndexError):
        return None
    return result if position == len(tokens) else None


def _rules_allow(rules: Node, variables: dict) -> bool:
    """Whether `rules:` may add the job (or create the pipeline) here: the first rule whose
    `if` holds decides (`when: never` excludes); no match excludes. An `if` that cannot be
    evaluated may or may not match, so it never excludes for sure."""
    if not isinstance(rules.value, list):
        return True  # not something trustlint can read (a !reference, a variable): may run
    for rule in rules.value:
        if not isinstance(rule.value, dict):
            return True  # a `!reference [...]` to rules elsewhere: they may add the job here
        when = text_of(rule.get("when")) or "on_success"
        condition = rule.get("if")
        verdict = True if condition is None else evaluate_rule_if(text_of(condition) or "", variables)
        if condition is None and (rule.get("changes") is not None or rule.get("exists") is not None):
            verdict = None  # depends on the files
        if verdict is True:
            return when != "never"
        if verdict is None and when != "never":
            return True
    return False


def _ref_matches(entry: str, kind: str, branch: str | None, variables: dict) -> bool | None:
    """One `only:`/`except:` refs entry against a pipeline."""
    keywords = {"branches": kind in ("push", "web", "schedule"), "tags": kind == "tag",
                "merge_requests": kind == "merge_request", "schedules": kind == "schedule",
                "pushes": kind in ("push", "tag"), "web": kind == "web", "api": False, "triggers": False,
                "pipelines": False, "external": False, "chat": False, "external_pull_requests": False}
    if entry in keywords:
        return keywords[entry]
    if kind == "merge_request":
        return False
    name = branch if branch is not None else variables.get("CI_COMMIT_TAG")
    if entry.startswith("/") and entry.rstrip("i").endswith("/") and len(entry) > 1:
        if name is None:
            return False
        return saferegex.search(entry[1:entry.rstrip("i").rindex("/")], name)
    if "@" in entry:
        return None  # refs of another project path
    return name == entry


def _only_except_allow(job: Node, kind: str, branch: str | None, variables: dict) -> bool:
    def refs_and_variables(node: Node | None):
        if node is None:
            return None, []
        if isinstance(node.value, dict):
            refs = node.get("refs")
            expressions = [text_of(v) or "" for v in node.get("variables").as_list()] if node.get("variables") is not None else []
            return ([text_of(r) or "" for r in refs.as_list()] if refs is not None else None), expressions
        return [text_of(r) or "" for r in node.as_list()], []

    only_refs, only_vars = refs_and_variables(job.get("only"))
    if only_refs is None:  # GitLab's default, with or without except:
        only_refs = ["branches", "tags"]
    if only_refs is not None:
        matches = [_ref_matches(r, kind, branch, variables) for r in only_refs]
        if not any(m is not False for m in matches):
            return False
    if only_vars and all(evaluate_rule_if(v, variables) is False for v in only_vars):
        return False
    except_refs, except_vars = refs_and_variables(job.get("except"))
    if except_refs is not None and any(_ref_matches(r, kind, branch, variables) is True for r in except_refs):
        return False
    if except_vars and any(evaluate_rule_if(v, variables) is True for v in except_vars):
        return False
    return True


def _named_branches(text: str) -> list[str]:
    names = re.findall(r"\$CI_COMMIT_(?:BRANCH|REF_NAME)\s*==\s*[\"']([^\"']+)[\"']", text)
    names += re.findall(r"[\"']([^\"']+)[\"']\s*==\s*\$CI_COMMIT_(?:BRANCH|REF_NAME)", text)
    return names


def _regex_label(entry: str) -> str:
    """A readable branch pattern for an `only:` regex: /^release-.*$/ -> release-*."""
    body = entry[1:entry.rstrip("i").rindex("/")]
    return body.lstrip("^").rstrip("$").replace(".*", "*").replace("\\", "") or entry


def _triggers(job: Node, workflow_rules: Node | None = None) -> dict:
    """The pipelines a job can run in, as triggers: merge_request, push (branches, none for any
    branch), tag, schedule. The job's `rules:` (or `only:`/`except:`) and the pipeline's
    `workflow:rules` are evaluated against each kind of pipeline."""
    rules = job.get("rules")
    text = _text(rules) + "\n" + _text(job.get("only")) + "\n" + _text(workflow_rules)
    only = job.get("only")
    only_refs = only.get("refs") if only is not None and isinstance(only.value, dict) else only
    regexes = [text_of(r) or "" for r in only_refs.as_list()] if only_refs is not None and rules is None else []
    named = _named_branches(text) + [r for r in regexes if r and not r.startswith("/") and r not in (
        "branches", "tags", "merge_requests", "schedules", "pushes", "web", "api", "triggers", "pipelines",
        "external", "chat", "external_pull_requests")]
    triggers: dict = {}
    branches: list[str] = []
    any_branch = False
    for kind, branch, variables in _contexts(named):
        if workflow_rules is not None and not _rules_allow(workflow_rules, variables):
            continue
        if rules is not None:
            allowed = _rules_allow(rules, variables)
        else:
            allowed = _only_except_allow(job, kind, branch, variables)
        if not allowed:
            continue
        if kind in ("merge_request", "tag", "schedule"):
            triggers[kind] = {}
        elif branch == _PROBE:
            any_branch = True
        elif branch is not None and branch not in branches:
            branches.append(branch)
    if rules is None:  # `only:` regexes name branch families the probes above cannot
        for entry in regexes:
            if entry.startswith("/") and len(entry) > 1 and entry.rstrip("i").endswith("/") and not any_branch:
                label = _regex_label(entry)
                if label not in branches:
                    branches.append(label)
    if any_branch:
        triggers["push"] = {}
    elif branches:
        triggers["push"] = {"branches": branches}
    return triggers


def _inherit(job: Node, document: Node, default: Node | None, depth: int = 0, missing: list | None = None) -> Node:
    """The job with what it inherits: `default:` keywords, then `extends:` templates
    (`.hidden` jobs), the job's own keys winning, as GitLab merges them (one level deep)."""
    merged: dict = {}
    if default is not None and isinstance(default.value, dict) and depth == 0:
        merged.update({k: v for k, v in default.items() if k in ("id_tokens", "before_script", "variables")})
    extends = job.get("extends")
    for entry in extends.as_list() if extends is not None and depth < 5 else []:
        name = text_of(entry)
        base = document.get(name or "")
        if base is not None and isinstance(base.value, dict):
            merged.update(_inherit(base, document, None, depth + 1, missing).value)
        elif missing is not None:
            missing.append((entry, name or "?"))
    for key, value in job.items():
        if key == "variables" and isinstance(value.value, dict) and isinstance(merged.get(key), Node) and isinstance(merged[key].value, dict):
            value = Node({**merged[key].value, **value.value}, value.span, value.key_span)
        merged[key] = value
    return Node(merged, job.span, job.key_span)


def _within(node: Node, job: Node) -> bool:
    return job.span.line <= node.span.line <= job.span.end_line


_VARIABLE_REF = lazy(r"^\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?$")


def _variable_origin(name: str, kind: str, text: str) -> str | None:
    """Where a static-key variable's value comes from, in words; None when it is no key:
    a test double (LocalStack's `test`), a predefined CI_ variable, or for
    GOOGLE_APPLICATION_CREDENTIALS a path the job builds (`$CI_BUILDS_DIR/creds.json`, the
    federation credential configuration `gcloud iam workload-identity-pools create-cred-config`
    writes). A value that is one project variable (`$GCP_KEY_FILE`, a File variable holding
    the key) is a stored key."""
    reference = _VARIABLE_REF.match(text)
    if reference:
        if reference.group(1).startswith(("CI_", "GITLAB_")):
            return None
        return "a CI/CD variable"
    if "$" in text:
        if name.upper() == "GOOGLE_APPLICATION_CREDENTIALS" or "/" in text:
            return None  # a path built from other variables
        return "a CI/CD variable"
    if name.upper() == "GOOGLE_APPLICATION_CREDENTIALS" or not looks_like_real_key(kind, name, text):
        return None  # a literal path, or a dummy value
    return "a literal value"


def scan_gitlab_ci(document: Node, source: SourceFile) -> ScanModel:
    model = ScanModel()
    path = source.path
    global_variables = document.get("variables")
    default = document.get("default")
    workflow = document.get("workflow")
    workflow_rules = workflow.get("rules") if workflow is not None and isinstance(workflow.value, dict) else None
    extended = {text_of(e) for _, job in document.items() if isinstance(job.value, dict) and job.get("extends") is not None
                for e in job.get("extends").as_list()}
    for job_id, job in document.items():
        if job_id in _RESERVED or not isinstance(job.value, dict):
            continue
        if job_id.startswith(".") and (job_id in extended or not _JOB_KEYS & set(job.value) and job.get("script") is None):
            continue  # a template this file's jobs extend (judged in them), or not a job template at all
        missing: list = []
        job = _inherit(job, document, default, missing=missing)
        for entry, name in missing:
            # A template from an included file: what it sets (variables, id_tokens, script)
            # is not joined to this job yet. Listed, never silently dropped.
            model.unknowns.append((Location(path, entry.span), f"extends: {name}",
                                   "a template not defined in this file (an included file's): what it sets is not "
                                   "judged with this job"))
        tokens = job.get("id_tokens")
        # id_tokens inherited (extends:, default:, a YAML anchor) are reported at the job that
        # receives them, not at the template every such job shares.
        own_tokens = tokens is not None and _within(tokens, job)
        environment = job.get("environment")
        if environment is not None and isinstance(environment.value, dict):
            environment = environment.get("name")
        workload = Workload(
            platform="gitlab",
            path=path,
            job_id=job_id,
            location=Location(path, _header(job)),
            triggers=_triggers(job, workflow_rules),
            trigger_location=None,
            environment=text_of(environment) if environment is not None else None,
            environment_location=Location(path, environment.span) if environment is not None else None,
            id_token="write" if tokens is not None else "none",
            id_token_level="job" if tokens is not None else "",
            id_token_location=(Location(path, tokens.key_span or tokens.span) if own_tokens else Location(path, _header(job)))
            if tokens is not None else None,
            names=[job_id],
        )
        script = _text(job.get("script")) + "\n" + _text(job.get("before_script")) + "\n" + _text(job.get("variables"))
        cloud = next((c for pattern, c in _CLOUD_HINTS if pattern.search(script)), "unknown")
        roles = sorted(set(_ROLE_ARN.findall(script)))
        for name, spec in tokens.items() if tokens is not None and isinstance(tokens.value, dict) else []:
            audience = spec.get("aud") if isinstance(spec.value, dict) else None
            # The role the job assumes with the token, when the script or variables name one.
            target = roles[0] if cloud == "aws" and len(roles) == 1 else name
            workload.credentials.append(CredentialUse(
                cloud=cloud, action="id_tokens", federated=True,
                location=Location(path, spec.key_span or spec.span) if own_tokens else Location(path, _header(job)),
                target=target, audience=_text(audience) or None,
                audience_location=Location(path, audience.span) if audience is not None else None))
        for variables in (job.get("variables"), global_variables if tokens is not None or job.get("script") else None):
            for name, value in variables.items() if variables is not None and isinstance(variables.value, dict) else []:
                kind = _STATIC.get(name.upper())
                if isinstance(value.value, dict):  # {value: ..., description: ...}
                    value = Node(value.get("value").value if value.get("value") is not None else "", value.span, value.key_span)
                text = _text(value).strip()
                if kind is None:
                    continue
                # Declared blank, the value comes from the project's CI/CD settings, which take
                # precedence over the file: a stored key all the same.
                origin = _variable_origin(name, kind, text) if text else "the project's CI/CD settings (declared blank here)"
                if origin is None:
                    continue
                _add_key(model, StaticCredential(
                    kind, job_id, "gitlab-job", "static cloud key", f"{name} from {origin}",
                    Location(path, value.key_span or value.span), names=[path]))
        if tokens is None and not _WEB_IDENTITY.search(script):
            _referenced_keys(job, job_id, path, model)
        if workload.credentials:
            model.workloads.append(workload)
    return model


_WEB_IDENTITY = lazy(r"assume-role-with-web-identity|AWS_WEB_IDENTITY_TOKEN_FILE|workload-identity|"
                           r"--federated-token|ID_TOKEN|CI_JOB_JWT")
_KEY_REFERENCE = lazy(r"\$\{?(AWS_SECRET_ACCESS_KEY|AWS_ACCESS_KEY_ID|GOOGLE_CREDENTIALS|GCP_SA_KEY|"
                            r"ARM_CLIENT_SECRET|AZURE_CLIENT_SECRET)\b")


_KEY_ASSIGNED = lazy(r"\b(AWS_SECRET_ACCESS_KEY|AWS_ACCESS_KEY_ID|GOOGLE_CREDENTIALS|GCP_SA_KEY|ARM_CLIENT_SECRET|"
                           r"AZURE_CLIENT_SECRET)=")


def _referenced_keys(job: Node, job_id: str, path: str, model: ScanModel) -> None:
    """A key the script reads that the file never sets, in a job with no OIDC exchange: it
    comes from the project's CI/CD settings, a stored key."""
    defined = {k.upper() for k in (job.get("variables").value if job.get("variables") is not None
                                   and isinstance(job.get("variables").value, dict) else {})}
    for key in ("before_script", "script"):  # set by the script itself (from Vault, a login's output)
        lines = job.get(key)
        for line in lines.as_list() if lines is not None else []:
            defined |= {m.group(1) for m in _KEY_ASSIGNED.finditer(text_of(line) or "")}
    for key in ("before_script", "script", "after_script"):
        lines = job.get(key)
        for line in lines.as_list() if lines is not None else []:
            text = text_of(line) or ""
            for match in _KEY_REFERENCE.finditer(text):
                name = match.group(1)
                if name in defined:
                    continue
                _add_key(model, StaticCredential(
                    _STATIC.get(name, "aws" if name.startswith("AWS") else "azure" if "CLIENT" in name else "gcp"),
                    job_id, "gitlab-job", "static cloud key", f"{name} from the project's CI/CD settings",
                    Location(path, line.span), names=[path]))


def _add_key(model: ScanModel, credential: StaticCredential) -> None:
    from .github_workflow import add_job_key

    add_job_key(model, credential, lambda c: f"passes a long-lived {c.provider.upper()} key ({c.owner})")
