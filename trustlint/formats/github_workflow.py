"""GitHub Actions workflows and composite actions: the jobs that obtain cloud credentials.

Reads triggers, environments, `permissions` (id-token), and the steps that log in:
aws-actions/configure-aws-credentials, google-github-actions/auth, azure/login, and CLI
calls such as `aws sts assume-role-with-web-identity`; static keys passed as inputs or
environment variables become StaticCredentials, requested lifetimes Lifetimes.
"""

from __future__ import annotations

import posixpath
import re

from ..model import CredentialUse, Lifetime, Location, ScanModel, StaticCredential, Workload
from ..source import SourceFile, Span
from ..values import Node, text_of
from ..lazy_re import lazy

# The login actions and what they take.
_ACTIONS = {
    "aws-actions/configure-aws-credentials": "aws",
    "google-github-actions/auth": "gcp",
    "azure/login": "azure",
    "azure/actions/login": "azure",  # the old name of azure/login
}
# A fork, a mirror or a local copy of a login action is known by what it takes.
_LOGIN_INPUTS = (("aws", ("role-to-assume", "aws-access-key-id", "aws-secret-access-key")),
                 ("gcp", ("workload_identity_provider", "credentials_json")))
_STATIC_INPUTS = {
    "aws": ("aws-access-key-id", "aws-secret-access-key"),
    "gcp": ("credentials_json",),
    "azure": ("creds", "client-secret"),
}
_STATIC_ENV = {
    "AWS_ACCESS_KEY_ID": "aws", "AWS_SECRET_ACCESS_KEY": "aws",
    "GOOGLE_CREDENTIALS": "gcp", "GOOGLE_APPLICATION_CREDENTIALS_JSON": "gcp", "GCP_SA_KEY": "gcp",
    "ARM_CLIENT_SECRET": "azure", "AZURE_CLIENT_SECRET": "azure", "AZURE_CREDENTIALS": "azure",
}
_CLI_WEB_IDENTITY = lazy(r"assume-role-with-web-identity|AWS_WEB_IDENTITY_TOKEN_FILE|ACTIONS_ID_TOKEN_REQUEST")
# The actions read a number's whole part (`43200.0` is 43200: parseInt, Go's duration).
_DURATION = lazy(r"^\s*(\d+)(?:\.\d*)?\s*(s|m|h)?\s*$")


def is_workflow(document: Node, path: str) -> bool:
    """A GitHub workflow, wherever it lies (a template folder, an export, scanned from inside
    .github/workflows): recognised by its content, an `on` trigger and jobs that run on a
    runner or call a reusable workflow; or by its place, with jobs."""
    if not isinstance(document.value, dict):
        return False
    if "/.github/workflows/" in f"/{path}" and "jobs" in document.value:
        return True
    if _looks_like_workflow(document):
        return True
    runs = document.get("runs")
    return path.rsplit("/", 1)[-1] in ("action.yml", "action.yaml") and runs is not None and text_of(runs.get("using")) == "composite"


def _looks_like_workflow(document: Node) -> bool:
    keys = document.value
    if not ({"on", "true", True} & set(keys)) or "jobs" not in keys:  # YAML 1.1 reads a bare `on` as true
        return False
    jobs = keys["jobs"]
    if not isinstance(jobs.value, dict) or not jobs.value:
        return False
    return all(isinstance(job.value, dict) and ({"runs-on", "uses"} & set(job.value)) for job in jobs.value.values())


def _span(node: Node | None, fallback: Span) -> Span:
    return node.span if node is not None else fallback


def _header(node: Node, source: SourceFile) -> Span:
    key = node.key_span or node.span
    return Span(key.line, key.column, key.line, key.end_column)


def _id_token(permissions: Node | None) -> tuple[str | None, Node | None]:
    """('write'|'none', node) from a permissions block; None when it says nothing of id-token."""
    if permissions is None:
        return None, None
    if isinstance(permissions.value, str):
        return ("write" if permissions.value == "write-all" else "none"), permissions
    if isinstance(permissions.value, dict):
        node = permissions.get("id-token")
        if node is not None:
            return ("write" if text_of(node) == "write" else "none"), node
        return "none", permissions  # listing permissions without id-token removes it
    return None, None


def _triggers(document: Node) -> tuple[dict, Node | None]:
    on = document.get("on") or document.get("true")
    if on is None:
        return {}, None
    if isinstance(on.value, str):
        return {on.value: {}}, on
    if isinstance(on.value, list):
        return {text_of(e) or "": {} for e in on.value}, on
    triggers = {}
    for event, spec in on.items():
        filters = {}
        if isinstance(spec.value, dict):
            for key in ("branches", "branches-ignore", "tags", "tags-ignore", "types"):
                value = spec.get(key)
                if value is not None:
                    filters[key] = [text_of(v) or "" for v in value.as_list()]
        triggers[event] = filters
    return triggers, on


_IF_TERM = lazy(
    r"^\(*\s*(?:(github\.(?:ref|ref_name|event_name))\s*==\s*'([^']*)'|'([^']*)'\s*==\s*(github\.(?:ref|ref_name|event_name)))\s*\)*$")


def _if_pins(expression: str | None) -> dict:
    """What a job's `if:` plainly pins: {'github.ref': ..., 'github.event_name': {...}}, read
    conjunct by conjunct: a conjunct of exact equalities pins, one that is a disjunction of
    event names pins the set of them, and any other conjunct (a negation, another `||`, a
    function) is left out, which only ever keeps more runs than the job really has."""
    if not expression:
        return {}
    text = expression.strip()
    if text.startswith("${{") and text.endswith("}}"):
        text = text[3:-2].strip()
    if "${{" in text:
        return {}
    pins: dict = {}
    pending = _split_top(text, "&&")
    while pending:
        conjunct = _unwrap(pending.pop(0).strip())
        inner = _split_top(conjunct, "&&")
        if len(inner) > 1:  # a parenthesised conjunction: its conjuncts are this one's
            pending = inner + pending
            continue
        disjuncts = _split_top(conjunct, "||")
        if len(disjuncts) > 1:
            events = [_pin(_unwrap(d.strip())) for d in disjuncts]
            if all(e is not None and e[0] == "github.event_name" for e in events):
                pins["github.event_name"] = pins.get("github.event_name", {e[1] for e in events}) & {e[1] for e in events}
            continue
        pin = None if re.search(r"!(?!=)", conjunct) else _pin(conjunct)
        if pin is None:
            continue
        context, value = pin
        if context == "github.event_name":
            pins[context] = pins.get(context, {value}) & {value}
        elif context in pins and pins[context] != value:
            return {"never": True}
        else:
            pins[context] = value
    if pins.get("github.event_name") == set():
        return {"never": True}
    return pins


def _pin(term: str) -> tuple[str, str] | None:
    match = _IF_TERM.match(term)
    if not match:
        return None
    context, value = (match.group(1), match.group(2)) if match.group(1) else (match.group(4), match.group(3))
    if context == "github.ref_name":
        context, value = "github.ref", f"refs/heads/{value}"
    return context, value


def _split_top(text: str, operator: str) -> list[str]:
    """`text` split at `operator` outside parentheses and quotes."""
    parts, depth, quote, start, i = [], 0, None, 0, 0
    while i < len(text):
        char = text[i]
        if quote:
            if char == quote:
                quote = None
        elif char in "'\"":
            quote = char
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif depth == 0 and text.startswith(operator, i):
            parts.append(text[start:i])
            start = i + len(operator)
            i = start
            continue
        i += 1
    parts.append(text[start:])
    return parts


def _unwrap(text: str) -> str:
    """Outer parentheses that wrap the whole text, removed."""
    while text.startswith("(") and text.endswith(")"):
        inner, depth = text[1:-1], 0
        for char in inner:
            depth += char == "("
            depth -= char == ")"
            if depth < 0:
                return text
        text = inner.strip()
    return text


def restrict_triggers(triggers: dict, expression: str | None) -> dict:
    """The workflow's triggers as far as a job's `if:` lets them start it: a pinned
    `github.event_name` keeps that event only; a pinned `github.ref == 'refs/heads/X'` rules
    out pull requests (their ref is refs/pull/N/merge) and narrows pushes to X. Events that
    run on the default branch's ref (pull_request_target, workflow_run, comments) are kept."""
    pins = _if_pins(expression)
    if not pins:
        return triggers
    if pins.get("never"):
        return {}
    result = dict(triggers)
    events = pins.get("github.event_name")
    if events is not None:
        result = {e: f for e, f in result.items() if e in events}
    ref = pins.get("github.ref")
    if ref is not None:
        result.pop("pull_request", None)
        if "push" in result:
            if ref.startswith("refs/heads/"):
                result["push"] = {"branches": [ref[len("refs/heads/"):]]}
            elif ref.startswith("refs/tags/"):
                result["push"] = {"tags": [ref[len("refs/tags/"):]]}
    return result


def scan_workflow(document: Node, source: SourceFile) -> ScanModel:
    model = ScanModel()
    path = source.path
    triggers, on_node = _triggers(document)
    workflow_token, workflow_token_node = _id_token(document.get("permissions"))
    workflow_env = document.get("env")
    jobs = document.get("jobs")
    if jobs is None:  # a composite action: one pseudo-job made of its steps
        runs = document.get("runs")
        jobs = Node({"action": Node({"steps": runs.get("steps") or Node([], runs.span)}, runs.span, runs.key_span)}, runs.span)
    for job_id, job in jobs.items():
        if not isinstance(job.value, dict):
            continue
        job_token, job_token_node = _id_token(job.get("permissions"))
        token, token_node, level = (job_token, job_token_node, "job") if job_token is not None else (
            workflow_token or "none", workflow_token_node, "workflow")
        environment = job.get("environment")
        if environment is not None and isinstance(environment.value, dict):
            environment = environment.get("name")
        workload = Workload(
            platform="github-actions",
            path=path,
            job_id=job_id,
            location=Location(path, _header(job, source)),
            triggers=restrict_triggers(triggers, text_of(job.get("if")) if job.get("if") is not None else None),
            trigger_location=Location(path, _header(on_node, source)) if on_node is not None else None,
            environment=text_of(environment) if environment is not None else None,
            environment_location=Location(path, environment.span) if environment is not None else None,
            id_token=token or "none",
            id_token_level=level if token_node is not None else "",
            id_token_location=Location(path, token_node.span) if token_node is not None else None,
            names=[job_id, text_of(job.get("name")) or ""],
        )
        first = len(model.credentials)
        _read_steps(job, workload, source, model, [job.get("env")])
        _mark_fallbacks(workload, model, first)
        workload.may_use_oidc = bool(workload.credentials) or _may_use_oidc(job)
        model.workloads.append(workload)
    # A workflow-level env reaches every job, but it is one key in one place: reported once,
    # at the env entry, with the workflow as its address.
    env_workload = Workload(platform="github-actions", path=path, job_id=path,
                            location=Location(path, Span(1, 1, 1, 1)), triggers=triggers, trigger_location=None)
    first = len(model.credentials)
    _static_env(workflow_env, env_workload, path, model)
    env_workload.credentials = [c for w in model.workloads if w.path == path for c in w.credentials]
    _mark_fallbacks(env_workload, model, first)
    return model


# Steps that cannot mint OIDC tokens; anything else (a local or third-party action, a
# reusable workflow, PyPI trusted publishing, signing) might, so its job needs id-token.
_NO_OIDC_ACTIONS = ("actions/checkout", "actions/setup-", "actions/cache", "actions/upload-artifact",
                    "actions/download-artifact", "actions/github-script", "actions/labeler", "actions/stale")
_OIDC_IN_RUN = lazy(r"ACTIONS_ID_TOKEN|id-token|--provenance|cosign|sigstore|oidc", re.IGNORECASE)


def _may_use_oidc(job: Node) -> bool:
    if job.get("uses") is not None:
        return True  # a reusable workflow
    steps = job.get("steps")
    for step in steps.as_list() if steps is not None and isinstance(steps.value, list) else []:
        if not isinstance(step.value, dict):
            continue
        uses = (text_of(step.get("uses")) or "").lower()
        if uses and not uses.startswith(_NO_OIDC_ACTIONS):
            return True
        if _OIDC_IN_RUN.search(text_of(step.get("run")) or ""):
            return True
    return False


def _read_steps(job: Node, workload: Workload, source: SourceFile, model: ScanModel, envs: list) -> None:
    path = source.path
    steps = job.get("steps")
    # A job that talks to a local emulator (LocalStack, MinIO, moto on localhost): its literal
    # keys are the emulator's dummies. Keys from secrets are reported all the same.
    emulated = bool(_LOCAL_ENDPOINT.search(_text_of_job(job)))
    for env in envs:
        _static_env(env, workload, path, model, emulated)
    for index, step in enumerate(steps.as_list() if steps is not None and isinstance(steps.value, list) else []):
        if not isinstance(step.value, dict):
            continue
        _static_env(step.get("env"), workload, path, model, emulated)
        uses = text_of(step.get("uses")) or ""
        action = uses.split("@", 1)[0].lower()
        if uses.startswith("./"):
            workload.local_actions.append(posixpath.normpath(uses[2:] or "."))  # "." for the repository's own
        cloud = _ACTIONS.get(action) or _cloud_by_inputs(step, action)
        if cloud is not None:
            _login_step(step, cloud, action, workload, path, model)
        elif action.startswith("azure/"):
            _azure_creds(step, workload, path, model)  # azure/aks-set-context@v1, k8s-set-context: creds
        elif action == "docker/login-action" or action.startswith("./") or action.endswith("/login-action"):
            _registry_login(step, workload, path, model)
        run = step.get("run")
        run_text = text_of(run) or ""
        if _CLI_WEB_IDENTITY.search(run_text):
            workload.credentials.append(CredentialUse("aws" if "assume-role" in run_text else "unknown", "run",
                                                      Location(path, step.span), True))
        if run is not None and run_text:
            _run_keys(run, run_text, source, workload, model)


def _cloud_by_inputs(step: Node, action: str) -> str | None:
    """The cloud of a login action not known by name (a fork, a mirror, `uses: ./`), by its inputs."""
    inputs = step.get("with")
    if not action or inputs is None or not isinstance(inputs.value, dict):
        return None
    names = {k.lower() for k in inputs.value}
    for cloud, keys in _LOGIN_INPUTS:
        if names & set(keys):
            return cloud
    if (action.startswith("azure/") or action.startswith("./")) and (
            "client-id" in names and "tenant-id" in names or action.startswith("./") and "creds" in names):
        return "azure"  # a local copy of azure/login (its own repository tests it with uses: ./)
    return None


def _azure_creds(step: Node, workload: Workload, path: str, model: ScanModel) -> None:
    inputs = step.get("with")
    creds = inputs.get("creds") if inputs is not None and isinstance(inputs.value, dict) else None
    if creds is not None and (text_of(creds) or "").strip():
        _static(model, workload, "azure", "creds", Location(path, creds.key_span or creds.span), text_of(creds) or "")


# Registries that take a cloud key as a docker password (ECR, GCR / Artifact Registry with a
# service account key as `_json_key`, ACR with a service principal's secret).
_REGISTRY = (("aws", re.compile(r"\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com|public\.ecr\.aws", re.IGNORECASE)),
             ("gcp", re.compile(r"(^|\.)gcr\.io|-docker\.pkg\.dev", re.IGNORECASE)),
             ("azure", re.compile(r"\.azurecr\.io", re.IGNORECASE)))


def _registry_login(step: Node, workload: Workload, path: str, model: ScanModel) -> None:
    inputs = step.get("with")
    if inputs is None or not isinstance(inputs.value, dict):
        return
    registry, username, password = (text_of(inputs.get(k)) or "" for k in ("registry", "username", "password"))
    node = inputs.get("password")
    cloud = next((c for c, pattern in _REGISTRY if pattern.search(registry)), None)
    if cloud is None or node is None or not password.strip():
        return
    if cloud == "gcp" and not username.startswith("_json_key"):
        return  # an access token (oauth2accesstoken) from a federated login, not a key
    _static(model, workload, cloud, f"docker login to {registry}", Location(path, node.key_span or node.span), password)


# Bounded quantifiers only: these run on scanned text with Python's backtracking `re`, so a
# long hostile line must not make them quadratic.
_VALUE = r"(?P<value>\$\{\{[^}\n]{0,400}\}\}|\"[^\"\n]{0,400}\"|'[^'\n]{0,400}'|[^\s;&|]{1,400})"
_RUN_ASSIGNMENT = lazy(
    r"\b(?P<name>AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY|ARM_CLIENT_SECRET|AZURE_CLIENT_SECRET|GOOGLE_CREDENTIALS|GCP_SA_KEY)"
    r"[ \t]{0,20}=[ \t]{0,20}" + _VALUE)
_RUN_AWS_CONFIGURE = lazy(r"\baws[ \t]{1,20}configure[ \t]{1,20}set[ \t]{1,20}(?:[\w-]{1,64}\.)?"
                                r"(?P<name>aws_access_key_id|aws_secret_access_key)[ \t]{1,20}" + _VALUE)
_AZ_SECRET_FLAG = lazy(r"(?:^|[ \t])(?:-p|--password|--secret)(?:[ \t]{1,20}|=)" + _VALUE)
_RUN_CLOUD = {"AWS_ACCESS_KEY_ID": "aws", "AWS_SECRET_ACCESS_KEY": "aws", "ARM_CLIENT_SECRET": "azure",
              "AZURE_CLIENT_SECRET": "azure", "GOOGLE_CREDENTIALS": "gcp", "GCP_SA_KEY": "gcp",
              "aws_access_key_id": "aws", "aws_secret_access_key": "aws"}


def _run_keys(run: Node, text: str, source: SourceFile, workload: Workload, model: ScanModel) -> None:
    """Keys a `run:` script sets from a secret or writes literally: `export AWS_ACCESS_KEY_ID=…`,
    `echo "AWS_SECRET_ACCESS_KEY=…" >> $GITHUB_ENV`, `aws configure set aws_access_key_id …`,
    `az login --service-principal -p …`, `gcloud auth activate-service-account --key-file`."""
    first = _first_content_line(run, source)
    for number, line in enumerate(text.split("\n")):
        where = Location(source.path, Span(first + number, 1, first + number, len(line) + 1))
        for pattern in (_RUN_ASSIGNMENT, _RUN_AWS_CONFIGURE):
            for match in pattern.finditer(line):
                value = match.group("value").strip("'\"")
                if value.startswith("$") and "${{" not in value:
                    continue  # a shell variable: where it comes from is not in this line
                _static(model, workload, _RUN_CLOUD[match.group("name")], match.group("name"), where, value)
        if "az" in line and "login" in line and "--service-principal" in line:
            match = _AZ_SECRET_FLAG.search(line)
            if match and not (match.group("value").startswith("$") and "${{" not in match.group("value")):
                _static(model, workload, "azure", "az login --service-principal", where, match.group("value").strip("'\""))
        at = line.find("activate-service-account")
        if at >= 0 and "gcloud" in line[:at] and "--key-file" in line[at:]:
            _key_file(model, workload, where)


def _first_content_line(run: Node, source: SourceFile) -> int:
    """The line of a run script's first line: after the `|` or `>` of a block scalar."""
    head = source.line_text(run.span.line)[run.span.column - 1:].lstrip()
    return run.span.line + 1 if head[:1] in ("|", ">") else run.span.line


def _key_file(model: ScanModel, workload: Workload, where: Location) -> None:
    kind = "GCP service account key"
    _add_static(model, StaticCredential("gcp", workload.job_id, "workflow-job", kind,
                                        "a key file (gcloud auth activate-service-account --key-file)", where,
                                        names=[workload.path]))


_LOCAL_ENDPOINT = lazy(r"localhost|127\.0\.0\.1|\[::1\]|\bminio\b|localstack", re.IGNORECASE)


def _text_of_job(job: Node) -> str:
    """The job's env values and run scripts, bounded (to look for a local emulator)."""
    parts = []
    env = job.get("env")
    parts += [text_of(v) or "" for _, v in (env.items() if env is not None and isinstance(env.value, dict) else [])]
    steps = job.get("steps")
    for step in steps.as_list() if steps is not None and isinstance(steps.value, list) else []:
        if isinstance(step.value, dict):
            parts.append(text_of(step.get("run")) or "")
            step_env = step.get("env")
            parts += [text_of(v) or "" for _, v in (step_env.items() if step_env is not None and isinstance(step_env.value, dict) else [])]
            services = step.get("with")
            parts += [text_of(v) or "" for _, v in (services.items() if services is not None and isinstance(services.value, dict) else [])]
    services = job.get("services")
    parts.append(" ".join(services.value.keys()) if services is not None and isinstance(services.value, dict) else "")
    return "\n".join(parts)[:1 << 20]


def _static_env(env: Node | None, workload: Workload, path: str, model: ScanModel, emulated: bool = False) -> None:
    items = env.items() if env is not None and isinstance(env.value, dict) else []
    # Literal keys beside a local endpoint (LocalStack, MinIO, moto) are the emulator's dummies.
    emulated = emulated or any(_LOCAL_ENDPOINT.search(text_of(v) or "") for _, v in items)
    for name, value in items:
        cloud = _STATIC_ENV.get(name.upper())
        text = text_of(value) or ""
        if cloud is not None and text.strip():
            if emulated and _origin(text) == "a literal value":
                continue
            _static(model, workload, cloud, name, Location(path, value.key_span or value.span), text)


# Environment variables a login action exports with the short-lived session it obtained:
# `${{ env.AWS_ACCESS_KEY_ID }}` hands that session on, it is no stored key.
_SESSION_ENV = lazy(r"\benv\.(AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY|AWS_SESSION_TOKEN)\b")
# What a real key looks like when written literally (test doubles such as LocalStack's or
# moto's `test`, `testing`, `dummy` do not).
_REAL_AWS_KEY_ID = lazy(r"\b(AKIA|ASIA)[A-Z0-9]{16}\b")
_DUMMY = lazy(r"^(test(ing)?|dummy|fake|foo(bar)?|bar|mock|localstack|minio(admin)?|example|changeme|"
                    r"x+|none|null|secret|password|key|access[-_]?key|secret[-_]?key|admin|"
                    r"minio123|AKIAIOSFODNN7EXAMPLE|wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY)$", re.IGNORECASE)


def looks_like_real_key(cloud: str, name: str, text: str) -> bool:
    """Whether a literal value could be a real key. Real AWS key ids (AKIA/ASIA...) always
    count; the well-known dummies of local emulators (LocalStack's and moto's `test`,
    `testing`, `foobar`, `dummy`, `fake`, MinIO's `minioadmin`, AWS's documentation
    example keys) and values too short to be any cloud's key (under 8 characters) do not.
    Anything else written literally is reported: a key committed in plain text is worse
    than one in a secret."""
    value = text.strip().strip("'\"").strip()
    if _REAL_AWS_KEY_ID.search(value):
        return "EXAMPLE" not in value
    if not value or _DUMMY.match(value) or len(value) < 8 or len(set(value)) == 1:
        return False
    return not value.startswith(("/", "./", "~/"))  # a path to a file is no key either


def _origin(text: str) -> str | None:
    """Where a value comes from, in words; None for an earlier step's output or the session a
    login exported (short-lived credentials handed on, not a stored key)."""
    if "steps." in text and ".outputs." in text:
        return None
    if _SESSION_ENV.search(text) and not re.search(r"secrets\.|vars\.|inputs\.|needs\.", text):
        return None
    for marker, words in (("secrets.", "a secret"), ("vars.", "a variable"), ("inputs.", "an input"),
                          ("env.", "an environment value"), ("needs.", "another job's output")):
        if marker in text:
            return words
    return "an expression" if "${{" in text else "a literal value"


def _static(model: ScanModel, workload: Workload, cloud: str, name: str, location: Location, text: str) -> None:
    source = _origin(text)
    if source is None and cloud == "azure" and "steps." in text:
        source = "another step's output (a secret store)"  # an Azure client secret has no short-lived form
    if source is None:
        return
    if source == "an input" and workload.job_id == "action":
        return  # a composite action forwarding its input: the jobs passing the key are reported
    if source == "a literal value" and not looks_like_real_key(cloud, name, text):
        return  # a test double (LocalStack's `test`) or a placeholder, not a key
    if source == "a literal value" and cloud == "gcp" and _FILE_NAME.search(text.strip()):
        return  # the name of a key file an earlier step writes (from a federated login, or not: not here)
    kind = {"aws": "AWS access key", "gcp": "GCP service account key", "azure": "Azure client secret"}[cloud]
    _add_static(model, StaticCredential(cloud, workload.job_id, "workflow-job", kind, f"{name} from {source}",
                                        location, names=[workload.path]))


_FILE_NAME = lazy(r"^[\w./-]+\.(json|p12|pem|key)$", re.IGNORECASE)


def _add_static(model: ScanModel, credential: StaticCredential) -> None:
    add_job_key(model, credential, lambda c: f"passes a long-lived {c.kind} ({c.owner})")


def add_job_key(model: ScanModel, credential: StaticCredential, usage) -> None:
    """One finding per key a CI job passes (GitHub and GitLab): the id and the secret of one
    key pair (and the lines that pass it again) are one credential, its other places related;
    the same variable from another source is a second key. `usage(credential)` words it."""
    name = (credential.owner or "").split(" from ", 1)[0]
    for existing in model.credentials:
        if (existing.address, existing.location.path, existing.provider, existing.resource_type) != (
                credential.address, credential.location.path, credential.provider, credential.resource_type):
            continue
        owners = (existing.owner or "").split(", ")
        if name in {part.split(" from ", 1)[0] for part in owners} and (credential.owner or "") not in owners:
            continue  # the same variable from another source: a second key of the job
        if credential.owner and credential.owner not in owners:
            existing.owner = f"{existing.owner}, {credential.owner}"
        existing.related.append(Location(credential.location.path, credential.location.span, "also passed here"))
        existing.usage = usage(existing)
        return
    credential.usage = usage(credential)
    model.credentials.append(credential)


def _mark_fallbacks(workload: Workload, model: ScanModel, first: int) -> None:
    """Keys kept beside an OIDC login of the same cloud are the 'just in case' fallback."""
    federated = {c.cloud for c in workload.credentials if c.federated}
    for credential in model.credentials[first:]:
        if credential.provider in federated:
            credential.usage += ", kept as a fallback beside its OIDC login"


def _login_step(step: Node, cloud: str, action: str, workload: Workload, path: str, model: ScanModel) -> None:
    inputs = step.get("with")
    get = (lambda key: inputs.get(key)) if inputs is not None and isinstance(inputs.value, dict) else (lambda key: None)
    for name in _STATIC_INPUTS[cloud]:
        node = get(name)
        if node is not None and (text_of(node) or "").strip():
            _static(model, workload, cloud, name, Location(path, node.key_span or node.span), text_of(node) or "")
    target_node = {"aws": get("role-to-assume"), "gcp": get("workload_identity_provider"), "azure": get("client-id")}[cloud]
    federated = target_node is not None and (cloud != "aws" or get("aws-access-key-id") is None or get("web-identity-token-file") is not None)
    if cloud == "aws" and target_node is not None and get("aws-access-key-id") is not None:
        federated = False  # role chaining from static keys
    chained = cloud == "aws" and (text_of(get("role-chaining")) or "").strip().lower() == "true"
    if chained:
        # Assumed with the session of the job's earlier login (sts:AssumeRole), not with an
        # OIDC token: its trust names that role, not the issuer, and is judged there.
        federated = False
        action = f"{action} (role chaining)"
    audience = get("audience")
    account = get("service_account")
    if cloud == "gcp" and account is not None:
        target_node = account  # the service account is what the job assumes
    use = CredentialUse(
        cloud=cloud,
        action=action,
        location=Location(path, step.span),
        federated=federated,
        target=text_of(target_node) if target_node is not None else None,
        target_location=Location(path, target_node.span) if target_node is not None else None,
        service_account=text_of(account) if account is not None else None,
        provider=text_of(get("workload_identity_provider")) if cloud == "gcp" else None,
        audience=text_of(audience) if audience is not None else None,
        audience_location=Location(path, audience.span) if audience is not None else None,
    )
    workload.credentials.append(use)
    lifetime = get("role-duration-seconds") if cloud == "aws" else get("access_token_lifetime") if cloud == "gcp" else None
    seconds = _seconds(text_of(lifetime)) if lifetime is not None else None
    if seconds is not None:
        what = "role sessions" if cloud == "aws" else "access tokens"
        model.lifetimes.append(Lifetime(cloud, workload.job_id, "workflow-job", seconds, Location(path, lifetime.span),
                                        what=f"requested {what}"))


def _seconds(text: str | None) -> int | None:
    match = _DURATION.match(text or "")
    if not match:
        return None
    return int(match.group(1)) * {"s": 1, None: 1, "m": 60, "h": 3600}[match.group(2)]


def link_composite_actions(model: ScanModel) -> None:
    """A job that runs a local composite action (`uses: ./.github/actions/deploy`) logs in with
    the action's steps: their logins become the job's (its triggers, environment and trust
    joins apply), and the action's stand-alone pseudo-job goes."""
    actions = {posixpath.dirname(w.path): w for w in model.workloads if w.job_id == "action"
               and posixpath.basename(w.path) in ("action.yml", "action.yaml")}
    used: set[str] = set()
    for workload in model.workloads:
        for folder in workload.local_actions:
            action = actions.get("" if folder in (".", "") else folder)
            if action is not None and action is not workload:
                workload.credentials.extend(action.credentials)
                workload.may_use_oidc = workload.may_use_oidc or action.may_use_oidc
                used.add(action.path)
    model.workloads[:] = [w for w in model.workloads if not (w.job_id == "action" and w.path in used)]
