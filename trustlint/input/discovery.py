"""Finding the files to analyse: bounded, never following links out of the repository,
and cheap: a byte-level pre-filter skips files with no federation-relevant token."""

from __future__ import annotations

import fnmatch
import functools
import os
import posixpath
import re
import stat
from dataclasses import dataclass, field

from ..model import Location, Problem
from ..source import FILE_START, SourceFile, read_up_to
from ..lazy_re import lazy

CONFIG_FILES = (".trustlint.yaml", ".trustlint.yml")
SKIP_DIRS = {".git", ".terraform", "node_modules", ".venv", "venv", "__pycache__", ".tox", ".mypy_cache", ".pytest_cache"}
# OpenTofu reads .tofu files as Terraform's .tf (and a.tofu replaces a.tf beside it); the
# JSON syntax of both is read beside them, as part of the same directory's configuration.
TERRAFORM_JSON_SOURCES = (".tf.json", ".tofu.json")
TERRAFORM_SOURCES = (".tf", ".tofu", *TERRAFORM_JSON_SOURCES)
FORMATS = {".tf": "terraform", ".tofu": "terraform", ".json": "json", ".yaml": "yaml", ".yml": "yaml", ".template": "yaml",
           ".bicep": "bicep"}
DEFAULT_MAX_BYTES = 5 * 1024 * 1024

# Any of these in a file's bytes makes it worth parsing (matched in any case).
RELEVANT_WORDS = (
    "AssumeRole", "oidc-provider", "openid_connect_provider", "OIDCProvider", "OpenIdConnectProvider",
    "aws_iam_access_key", "AWS::IAM::AccessKey", "assume_role_policy", "AssumeRolePolicyDocument",
    "aws_iam_role", "AWS::IAM::Role",
    "workload_identity_pool", "workloadIdentityPool", "google_service_account_key", "external_account",
    "federated_identity_credential", "federatedIdentityCredentials", "AzureADTokenExchange",
    "azuread_application_password", "azuread_service_principal_password", "azuread_application_certificate",
    "azuread_service_principal_certificate", "claimsMatchingExpression",
    # Issuers: a file that names one is about federation, whatever its shape.
    "token.actions.githubusercontent.com", ".oic.prod-aks.", "app.terraform.io", "oidc.eks.",
    "vstoken.dev.azure.com", "oidc.circleci.com",
    # CI side: jobs that log in to a cloud, hold id-token permissions or pass static keys.
    "id-token", "id_tokens", "configure-aws-credentials", "google-github-actions/auth", "azure/login",
    "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "GOOGLE_CREDENTIALS", "ARM_CLIENT_SECRET", "AZURE_CLIENT_SECRET",
    "credentials_json", "aws_access_key_id", "aks-set-context", "k8s-set-context", "azure/actions/login",
    "AZURE_CREDENTIALS", "GCP_SA_KEY", "activate-service-account", "--service-principal", "_json_key", ".azurecr.io",
    ".dkr.ecr.",
    # GCP grants to federated principals (the pool path may only be in a .tfvars file).
    "workloadIdentityUser", "serviceAccountTokenCreator", "serviceAccountOpenIdTokenCreator",
    "principalSet://", "principal://iam.googleapis.com",
    # Registry modules modelled by their inputs.
    "iam-github-oidc-role", "iam-role-for-service-accounts", "iam-assumable-role-with-oidc", "oidc-github", "gh-oidc", "enable_github_oidc",
)
# Local Terraform module calls: the trust may live in the module. A directory whose only
# token is such a call is read when the module (or one it calls) holds a federation token.
# Likewise a Bicep file calling a local module: parsed only when that module names federation
# (formats.bicep), so its parameters reach the module.
# Blanks spelled out: Python's bytes \s holds \v, RE2's does not (both engines run these, below).
RELEVANT_PATTERNS = (rb'source[ \t\n\r\f\v]*=[ \t\n\r\f\v]*"\.\.?/',
                     rb"module[ \t\n\r\f\v]+[0-9A-Za-z_]+[ \t\n\r\f\v]+'[^'\n]*\.bicep'")
_LOCAL_CALL = lazy(rb'\bsource\s*=\s*"(\.\.?/[^"\n]*)"')
# The same call in the JSON syntax (`"module": {"x": {"source": "./x"}}`); only looked for in
# .tf.json files, so a package.json naming a "source" costs nothing.
# JSON may escape the slash (`"..\/modules\/x"`): the call is the decoded string.
_JSON_LOCAL_CALL = lazy(rb'"source"\s*:\s*"(\.\.?(?:/|\\/)(?:[^"\\\n]|\\.)*)"')


def _trie_pattern(words: list[bytes]) -> bytes:
    """The words as one regex, one alternative per distinct first byte, recursively: a prefix
    tree (RE2's automaton is the same either way; the pattern is shorter to compile, and re,
    which tries a flat alternation branch by branch, runs it 3.6x faster)."""
    by_first: dict[bytes, list[bytes]] = {}
    for word in words:
        by_first.setdefault(word[:1], []).append(word[1:])
    branches = []
    for first, rests in sorted(by_first.items()):
        if b"" in rests:  # a word ends here: any longer one is matched by it already
            branches.append(re.escape(first))
        elif len(rests) == 1:
            branches.append(re.escape(first + rests[0]))
        else:
            branches.append(re.escape(first) + b"(?:" + _trie_pattern(rests) + b")")
    return b"|".join(branches)


# Two engines, the same answers (tests/test_prefilter_equivalence.py). A few files (a
# pre-commit hook): each word is a substring test and each pattern a small re, nothing to
# import and little to compile (the words' regex alone cost 1.6 ms of every start-up). A large
# tree: RE2, one automaton for everything, reading each byte once (re tried ~80 words at every
# offset: 0.21 s of a 2,000-file tree's 0.31 s of pre-filtering; RE2 0.04 s). Only whether
# something occurs is asked, never where, and the patterns are literals and byte classes, so
# the engines cannot differ: RE2 reads the bytes as Latin-1 (a byte is a character, as for re
# on bytes).
LINEAR_ENGINE_MIN_FILES = 64  # importing and compiling RE2 costs ~5 ms, saved on ~50 files
_linear_engine = False


def use_linear_engine() -> None:
    """From now on, in this process and the ones it forks, the pre-filter runs on RE2."""
    global _linear_engine
    _linear_engine = True


class _Prefilter:
    """`found(lowered bytes)`: whether any word or pattern occurs, on either engine (above).
    Words and patterns are in lower case and matched against lowered bytes: re's IGNORECASE
    on a long alternation cost ~2 ms a file, nine times the lowering and a case-sensitive search."""

    def __init__(self, words: list[bytes], patterns: tuple[bytes, ...] = ()):
        self._words, self._patterns = words, patterns
        self._re: list | None = None
        self._re2 = None

    def found(self, data: bytes) -> bool:
        if _linear_engine:
            if self._re2 is None:
                self._re2 = _linear(b"|".join(b"(?:" + p + b")" for p in (_trie_pattern(self._words), *self._patterns)))
            return self._re2.search(data) is not None
        if any(word in data for word in self._words):
            return True
        if self._re is None:
            self._re = [re.compile(p) for p in self._patterns]
        return any(pattern.search(data) is not None for pattern in self._re)


def _linear(pattern: bytes):
    import re2

    options = re2.Options()
    options.encoding = re2.Options.Encoding.LATIN1
    options.log_errors = False
    options.max_mem = 64 << 20  # room for the DFA of ~80 words: it never falls back to the slower NFA
    return re2.compile(pattern, options)


_WORDS = sorted({w.lower().encode() for w in RELEVANT_WORDS})
FEDERATION = _Prefilter(_WORDS)
RELEVANT = _Prefilter(_WORDS, RELEVANT_PATTERNS)


# A .tf file without federation content is still read beside one that has it when it may
# define a value the trust uses: variables, locals, data sources, module calls, and GCP/Azure
# resources (service accounts, identities, role-assignment scopes name a trust's tier). Files
# of plain AWS resources, most of a large module, are not parsed.
# A block may follow a comment on its line (`/* x */ locals {`): the pattern must still see it.
# Linear on any line (a scanned file controls it): a block starts a line or follows the end
# of a comment on it (`/* x */ locals {`); aws_iam_role_policy also covers attachments_exclusive.
_DEFINES_VALUES_PATTERN = (r'(?:^|\*/)[ \t]*(?:(?:variable|locals|data|module)\b'
                           r'|resource[ \t]+"(?:google|azurerm|azuread)_'
                           r'|resource[ \t]+"aws_iam_(?:role_policy|policy_attachment|policy)")')
_DEFINES_VALUES = lazy(_DEFINES_VALUES_PATTERN, re.MULTILINE)
# On a large tree (the linear engine, above) RE2 runs it, with re's Unicode word boundary
# spelled out (tested: the same files on generated text with letters of other scripts; should
# a character still differ, RE2 would keep a file re skips, never the reverse).
_defines_values_linear = None
# The same blocks in the JSON syntax: a block type is a key, a resource type a key below it.
_JSON_DEFINES_VALUES = lazy(r'"(?:variable|locals|data|module)"\s*:|"(?:google|azurerm|azuread)_'
                                  r'|"aws_iam_(?:role_policy|policy_attachment|policy)"')


def is_terraform_json(path: str) -> bool:
    """Whether a Terraform source file is in the JSON syntax (by its name, as discovery
    chooses the file's kind: in any case)."""
    return path.lower().endswith(TERRAFORM_JSON_SOURCES)


def _defines_values(source: SourceFile) -> bool:
    global _defines_values_linear
    if is_terraform_json(source.path):
        return _JSON_DEFINES_VALUES.search(source.text) is not None
    if not _linear_engine:
        return _DEFINES_VALUES.search(source.text) is not None
    if _defines_values_linear is None:
        import re2

        options = re2.Options()
        options.log_errors = False
        # re's \b is Unicode's word boundary, RE2's ASCII's: the letters and digits of every script
        # (and _) end the keyword for neither, so both engines keep the same files.
        _defines_values_linear = re2.compile("(?m)" + _DEFINES_VALUES_PATTERN.replace("\\b", r"(?:[^\pL\pN_]|$)"), options)
    return _defines_values_linear.search(source.text) is not None


def opentofu_replaced(names) -> set[str]:
    """The Terraform files OpenTofu ignores: a.tf beside a.tofu, a.tf.json beside a.tofu.json
    (a.tofu does not replace a.tf.json)."""
    out = set()
    for name in names:
        if name.endswith(".tofu"):
            out.add(name[: -len(".tofu")] + ".tf")
        elif name.endswith(".tofu.json"):
            out.add(name[: -len(".tofu.json")] + ".tf.json")
    return out


@dataclass
class Discovered:
    """What discovery found: the files to read, each Terraform directory's context, and what it could
    not read."""

    files: list[tuple[str, SourceFile]] = field(default_factory=list)  # (format, source)
    context: dict[str, list[SourceFile]] = field(default_factory=dict)  # .tf dir -> all its files
    problems: list[Problem] = field(default_factory=list)
    count: int = 0
    configurations: list[str] = field(default_factory=list)  # repo-relative trustlint configuration files met
    unknowns: list = field(default_factory=list)  # (Location, expression, reason): what is not read, said why


def is_configuration(path: str) -> bool:
    """Is this file a trustlint configuration (by name; a pyproject.toml by its table)?"""
    name = os.path.basename(path)
    if name in CONFIG_FILES:
        return True
    if name != "pyproject.toml" or os.path.islink(path) or not os.path.isfile(path):
        return False
    try:
        with open(path, "rb") as handle:
            return b"[tool.trustlint]" in read_up_to(handle, 1 << 20)
    except OSError:
        return False


def where_named(path: str) -> str:
    """The absolute path as named: a link given as an argument stays where it is, not where
    it points (so a link out of the repository is reported, not silently dropped)."""
    absolute = os.path.abspath(path)
    return os.path.join(os.path.realpath(os.path.dirname(absolute)), os.path.basename(absolute))


def find_root(paths: list[str]) -> str:
    """The repository root: the nearest folder holding .git at or above the scanned paths'
    common folder (never the working directory's: findings are the same from anywhere);
    without one, that common folder."""
    targets = [where_named(p) for p in paths]
    common = os.path.commonpath(targets)
    start = common if os.path.isdir(common) else os.path.dirname(common)
    probe = start
    while True:
        if os.path.exists(os.path.join(probe, ".git")):
            return probe
        parent = os.path.dirname(probe)
        if parent == probe:
            return start
        probe = parent


_GITHUB_REMOTE = lazy(r"github\.com[:/]+([^/]+)/([^/]+?)(?:\.git)?/?$")


def repository_of(root: str, configured: str | None = None) -> str | None:
    """owner/name of the scanned repository: from the configuration, else the origin remote."""
    if configured:
        return configured
    path = os.path.join(root, ".git", "config")
    if not os.path.isfile(path):
        return None
    import configparser

    config = configparser.ConfigParser(strict=False)
    try:
        config.read(path, encoding="utf-8")
        url = config.get('remote "origin"', "url", fallback="")
    except (configparser.Error, OSError, UnicodeDecodeError):
        return None
    match = _GITHUB_REMOTE.search(url)
    return f"{match.group(1)}/{match.group(2)}" if match else None


def _relative(path: str, root: str) -> str:
    """`path` (absolute) relative to the root, with '/' separators."""
    prefix = _root_prefix(root)
    if os.sep == "/" and path.startswith(prefix):
        return path[len(prefix):]  # what relpath gives for a normalised path under the root, without its cost
    return os.path.relpath(path, root).replace(os.sep, "/")


@functools.lru_cache(maxsize=16)
def _root_prefix(root: str) -> str:
    absolute = os.path.abspath(root)
    return absolute if absolute.endswith(os.sep) else absolute + os.sep


def _walk(target: str):
    if os.path.isfile(target) or os.path.islink(target) and not os.path.isdir(target):
        yield target
        return
    for directory, subdirs, names in os.walk(target, followlinks=False):
        subdirs[:] = sorted(d for d in subdirs if d not in SKIP_DIRS)
        for name in sorted(names):
            yield os.path.join(directory, name)


# File kinds trustlint does not read yet: one that names a federation token is TL000 (a trust
# it may define would otherwise pass unjudged), never a silent skip.
_UNREAD = {".bicepparam": "A Bicep parameters file (.bicepparam)"}


def _format_of(path: str) -> str | None:
    lowered = path.lower()
    for suffix in _UNREAD:
        if lowered.endswith(suffix):
            return "unread:" + suffix
    if is_terraform_json(lowered):
        return "terraform"
    return FORMATS.get(os.path.splitext(lowered)[1])


def read_source(path: str, rel: str, max_bytes: int, discovered: Discovered) -> tuple[SourceFile | None, bool | list[str]]:
    """(source, relevant): relevant is a list of local module sources for a .tf file whose only
    token is module calls. Unreadable, oversized, binary or non-UTF-8 relevant files become problems."""
    try:
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode):  # a FIFO or a device would block or never end
            discovered.problems.append(Problem(Location(rel, FILE_START), "not a regular file; not analysed"))
            return None, False
        size = info.st_size
        if size > max_bytes:
            if not _large_file_is_relevant(path, size):
                return None, False  # a large file naming nothing of ours (a lock file, a bundle)
            discovered.problems.append(Problem(Location(rel, FILE_START), f"file is {size} bytes, over the {max_bytes}-byte limit; not analysed"))
            return None, False
        with open(path, "rb") as handle:
            data = read_up_to(handle, max_bytes + 1)
    except OSError as exc:
        discovered.problems.append(Problem(Location(rel, FILE_START), f"cannot read file: {exc.strerror or exc}"))
        return None, False
    # A file with NUL bytes may be UTF-16 (a .gitattributes working-tree-encoding turns the
    # checkout into it): its words are judged without the NULs, so it is reported, not skipped.
    lowered = (data.replace(b"\x00", b"") if b"\x00" in data else data).lower()
    json_syntax = is_terraform_json(rel)
    if json_syntax and b"\\" in lowered:
        lowered = _json_unescaped(lowered)
    relevant = RELEVANT.found(lowered)  # one pass over the bytes for most files
    names_federation = relevant and FEDERATION.found(lowered)
    # RELEVANT_PATTERNS are the native syntax's module calls; the JSON syntax's are looked for here.
    if (relevant or json_syntax) and not names_federation and rel.endswith(TERRAFORM_SOURCES):
        # Only local module calls: relevant when a called module is (decided per directory).
        calls = (_JSON_LOCAL_CALL if json_syntax else _LOCAL_CALL).findall(data)
        relevant = [_unescaped(call) for call in calls] or relevant
    if b"\x00" in data:
        if relevant:
            encoding = " (UTF-16 or UTF-32: trustlint, like Terraform, reads UTF-8)" if data[:2] in (b"\xff\xfe", b"\xfe\xff") else ""
            discovered.problems.append(Problem(Location(rel, FILE_START),
                                               f"binary file (NUL bytes){encoding} with federation-related content; not analysed"))
        return None, False
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if relevant:
            discovered.problems.append(Problem(Location(rel, FILE_START), f"not valid UTF-8 (byte {exc.start}); not analysed"))
        return None, False
    return SourceFile(rel, text), relevant


# A JSON escape the words could hide behind (`"aws_iam_r\u006fle"`, `principalSet:\/\/`):
# Terraform decodes them, so the pre-filter must too (json.dumps writes \u escapes itself).
_JSON_ESCAPE = lazy(rb"\\(?:u([0-9a-f]{4})|/)")


def _json_unescaped(lowered: bytes) -> bytes:
    def replace(match: re.Match) -> bytes:
        if match.group(1) is None:
            return b"/"
        return chr(int(match.group(1), 16)).lower().encode("utf-8", "surrogatepass")

    return _JSON_ESCAPE.sub(replace, lowered)


_CHUNK = 1 << 20
_OVERLAP = 256  # longer than any relevant word or pattern match: one split across two chunks is still seen
MAX_PREFILTER_BYTES = 256 << 20


def _large_file_is_relevant(path: str, size: int) -> bool:
    """Pre-filter a file too large to analyse by streaming it: only a file that names a
    federation word is reported (TL000); past MAX_PREFILTER_BYTES it is reported unread."""
    if size > MAX_PREFILTER_BYTES:
        return True
    tail = b""
    with open(path, "rb") as handle:
        while True:
            chunk = handle.read(_CHUNK)
            if not chunk:
                return False
            window = (tail + chunk).lower()
            if RELEVANT.found(window):
                return True
            tail = window[-_OVERLAP:]


def _excluded(rel: str, patterns: list[str]) -> bool:
    return any(fnmatch.fnmatch(rel, p) or fnmatch.fnmatch(rel, p.rstrip("/") + "/*") for p in patterns)


def _with_module_context(paths: list[str]) -> list[str]:
    """A .tf file given alone (pre-commit passes changed files) is read with the other .tf
    files of its directory: variables and locals live there."""
    out = list(paths)
    for path in paths:
        if path.endswith(TERRAFORM_SOURCES) and os.path.isfile(path):
            directory = os.path.dirname(path) or "."
            out.extend(os.path.join(directory, n) for n in sorted(os.listdir(directory)) if n.endswith(TERRAFORM_SOURCES))
    return out


_TERRAFORM_INPUTS = (*TERRAFORM_SOURCES, ".tfvars", ".tfvars.json")
_PIPELINES = (".github/workflows", ".gitlab-ci.yml", ".gitlab-ci.yaml")


def widen_named_files(paths: list[str], root: str) -> list[str]:
    """The files to read when only some files are named (pre-commit passes the changed ones):
    each is judged with what its findings depend on. A Terraform file or tfvars brings its
    directory; so does a link to it, and a file the directory's .tf files name (a policy read
    with file(), a template); and every directory calling one of those as a local module (the
    roots that instantiate it). Any file brings the repository's CI pipelines (a trust is judged
    against the jobs that use it); a changed pipeline brings the whole repository (its jobs may
    use any trust)."""
    named = [where_named(p) for p in paths]
    real_root = os.path.realpath(root)
    relative = [os.path.relpath(p, real_root).replace(os.sep, "/") for p in named]
    if any(r.startswith(_PIPELINES) or "/.github/workflows/" in r for r in relative if not r.startswith("..")):
        return [*paths, root]
    out = list(paths)
    changed_dirs = {os.path.dirname(p) for p in named if p.endswith(_TERRAFORM_INPUTS)}
    inside = [p for p in named if p.startswith(real_root + os.sep)]
    if inside:
        terraform = _terraform_index(real_root)
        others = {os.path.basename(p).encode("utf-8", "surrogateescape") for p in inside
                  if not p.endswith(_TERRAFORM_INPUTS) and os.path.basename(p)}
        targets = {os.path.realpath(p) for p in inside}
        for folder, (data, links) in terraform.items():
            if any(name in data for name in others) or any(os.path.realpath(link) in targets for link in links):
                changed_dirs.add(folder)
        changed_dirs |= _callers(changed_dirs, terraform)
    for directory in sorted(changed_dirs):
        try:
            out.extend(os.path.join(directory, n) for n in sorted(os.listdir(directory)) if n.endswith(TERRAFORM_SOURCES))
        except OSError:
            continue
    for pipeline in (".gitlab-ci.yml", ".gitlab-ci.yaml", ".github/workflows"):
        candidate = os.path.join(real_root, pipeline)
        if os.path.exists(candidate):
            out.append(candidate)
    if any(p.endswith(".bicep") for p in inside):
        # A Bicep module is judged with what its callers pass, a caller with the modules it
        # calls: every Bicep file of the repository is read (pre-filtered, parsed only if it
        # matters), and only findings depending on the named files are reported.
        out.extend(_bicep_files(real_root))
    return out


def _bicep_files(root: str) -> list[str]:
    found = []
    for folder, subdirs, names in os.walk(root, followlinks=False):
        subdirs[:] = sorted(d for d in subdirs if d not in SKIP_DIRS)
        found.extend(os.path.join(folder, name) for name in sorted(names) if name.endswith(".bicep"))
    return found


def _terraform_index(root: str) -> dict[str, tuple[bytes, list[str]]]:
    """Per directory of the repository: its .tf files' bytes (bounded) and its links among
    Terraform inputs. One walk, read once, for the named-files widening."""
    index: dict[str, tuple[bytes, list[str]]] = {}
    for folder, subdirs, names in os.walk(root, followlinks=False):
        subdirs[:] = sorted(d for d in subdirs if d not in SKIP_DIRS)
        chunks, links = [], []
        for name in names:
            if not name.endswith(_TERRAFORM_INPUTS):
                continue
            path = os.path.join(folder, name)
            if os.path.islink(path):
                links.append(path)
                continue
            if not name.endswith(TERRAFORM_SOURCES):
                continue
            try:
                if os.path.getsize(path) > DEFAULT_MAX_BYTES:
                    continue
                with open(path, "rb") as handle:
                    chunks.append(handle.read())
            except OSError:
                continue
        if chunks or links:
            index[folder] = (b"\n".join(chunks), links)
    return index


def _callers(directories: set[str], index: dict[str, tuple[bytes, list[str]]]) -> set[str]:
    """Directories (absolute) whose .tf files call one of `directories` as a local module,
    transitively."""
    calls: dict[str, set[str]] = {}
    for folder, (data, _) in index.items():
        for call in _LOCAL_CALL.findall(data) + _JSON_LOCAL_CALL.findall(data):
            target = os.path.normpath(os.path.join(folder, _unescaped(call)))
            calls.setdefault(target, set()).add(folder)
    found: set[str] = set()
    frontier = set(directories)
    while frontier:
        callers = set().union(*(calls.get(d, set()) for d in frontier)) - found - directories
        found |= callers
        frontier = callers
    return found


def _unescaped(source: bytes) -> str:
    """A module source as HCL reads it (`\\u0065` is `e`): the bytes alone would miss the call."""
    text = source.decode("utf-8", "replace")
    if "\\" not in text:
        return text
    return re.sub(r"\\(u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|.)",
                  lambda m: chr(int(m.group(1)[1:], 16)) if m.group(1)[0] in "uU" and len(m.group(1)) > 1 else m.group(1),
                  text)


def discover(paths: list[str], root: str, max_bytes: int = DEFAULT_MAX_BYTES, exclude: list[str] = (),
             every_module_call: bool = False, jobs: int = 1) -> Discovered:
    """The files to analyse. `every_module_call`: a directory calling local modules is read
    whatever they hold (values from --var/--var-file may carry the federation part). `jobs`:
    processes that read the files (0: one per core for a large tree)."""
    discovered = Discovered()
    to_read: list[tuple[str, str, str]] = []  # (real path, repository-relative path, kind), in walk order
    real_dirs: dict[str, str] = {}  # a directory's real path, resolved once for all its files
    paths = _with_module_context(paths)
    real_root = os.path.realpath(root)
    seen: set[str] = set()
    # .tf dir -> (path, source, relevant); source None: the file neither names nor defines anything
    tf_dirs: dict[str, list[tuple[str, SourceFile | None, bool | list[str]]]] = {}
    values_name_federation: set[str] = set()  # directories whose .tfvars name a federation token
    for target in paths:
        if not os.path.exists(target) and not os.path.islink(target):
            discovered.problems.append(Problem(Location(_relative(os.path.abspath(target), root), FILE_START), "path does not exist"))
            continue
        for path in _walk(target):
            if os.path.basename(path) in (*CONFIG_FILES, "pyproject.toml") and is_configuration(path):
                discovered.configurations.append(_relative(os.path.abspath(path), root))
            kind = _format_of(path)
            if path.endswith((".tfvars", ".tfvars.json")) and not os.path.islink(path) and os.path.isfile(path) \
                    and _names_federation(path, max_bytes):
                values_name_federation.add(posixpath.dirname(_relative(os.path.abspath(path), root)))
            if kind is None:
                continue
            real = _real(path, real_dirs)
            rel = _relative(os.path.abspath(path), root)
            if exclude and _excluded(rel, exclude):
                continue
            if os.path.islink(path):
                if not (real == real_root or real.startswith(real_root + os.sep)) or not os.path.exists(real):
                    discovered.problems.append(Problem(Location(rel, FILE_START), "symbolic link points outside the repository or nowhere; not followed"))
                    continue
            if real in seen:
                continue
            mode = _mode(real)
            if mode is not None and stat.S_ISDIR(mode):
                continue
            if mode is None or not stat.S_ISREG(mode):  # a FIFO, socket or device: reading it would block or never end
                discovered.problems.append(Problem(Location(rel, FILE_START), "not a regular file; not analysed"))
                continue
            seen.add(real)
            discovered.count += 1
            to_read.append((real, rel, kind))
    for (real, rel, kind), (read, source, relevant, problems) in zip(to_read, _read_all(to_read, max_bytes, jobs)):
        discovered.problems.extend(problems)
        if not read:
            continue
        if kind == "terraform":
            tf_dirs.setdefault(posixpath.dirname(rel), []).append((rel, source, relevant))
            continue
        if source is None:
            continue
        if kind.startswith("unread:"):
            if relevant or (kind == "unread:.bicepparam" and _sets_a_federated_template(source, real, real_root, max_bytes)):
                discovered.problems.append(Problem(Location(rel, FILE_START), f"{_UNREAD[kind[7:]]} is not read yet; "
                                                   "the federation it names is not judged"))
            continue
        if relevant:
            discovered.files.append((kind, source))
    if every_module_call:
        tf_dirs = {d: [(path, source, relevant and True) for path, source, relevant in entries]
                   for d, entries in tf_dirs.items()}
    relevant_dirs = _directories_reaching_a_trust(tf_dirs, values_name_federation)
    for directory, entries in sorted(tf_dirs.items()):
        if directory in relevant_dirs:
            replaced = opentofu_replaced(path for path, _, _ in entries)
            for path, _, relevant in entries:
                if path in replaced and relevant:
                    # OpenTofu's view: a.tofu(.json) replaces a.tf(.json). Terraform reads the
                    # replaced file instead, so a trust in it is listed, never dropped unsaid.
                    discovered.unknowns.append((Location(path, FILE_START), posixpath.basename(path),
                                                "not read: OpenTofu reads the .tofu file of the same name instead; "
                                                "Terraform would read this one"))
            discovered.context[directory] = [source for path, source, _ in entries
                                             if source is not None and path not in replaced]
    return discovered


def _mode(path: str) -> int | None:
    """The file's mode (following links), or None when it cannot be read."""
    try:
        return os.stat(path).st_mode
    except (OSError, ValueError):
        return None


def _real(path: str, real_dirs: dict[str, str]) -> str:
    """os.path.realpath(path): the directory's real path (once per directory) joined with the
    name, unless the file itself is a link (then resolved whole)."""
    if os.path.islink(path):
        return os.path.realpath(path)
    directory, name = os.path.split(path)
    if directory not in real_dirs:
        real_dirs[directory] = os.path.realpath(directory or ".")
    return os.path.join(real_dirs[directory], name)


def _text_needed(kind: str, source: SourceFile, relevant: bool | list[str]) -> bool:
    """Whether discovery keeps a file's text: what it names, a Terraform file defining values
    (read beside a trust in its directory), and an unread kind (a .bicepparam looks at what
    it gives values to). Two thirds of a large tree are none of these."""
    if kind == "terraform":
        return bool(relevant) or _defines_values(source)
    return bool(relevant) or kind.startswith("unread:")


def _read_all(to_read: list, max_bytes: int, jobs: int) -> list[tuple]:
    """(read, source, relevant, problems) of each file, in order: `read` whether it could be read,
    the source None when its text is not needed (_text_needed); shares read in forked processes when the tree is large (the answer
    is the same: each file is read on its own)."""
    from ..processes import PARALLEL_MIN_FILES, in_processes, jobs_for

    def read(share: list) -> list[tuple]:
        out = []
        for real, rel, kind in share:
            collected = Discovered()
            source, relevant = read_source(real, rel, max_bytes, collected)
            read = source is not None
            if read and not _text_needed(kind, source, relevant):
                source = None  # not sent back from a reader process
            out.append((read, source, relevant, collected.problems))
        return out

    # Reading and pre-filtering is most of discovery: a large tree is read on every core.
    if len(to_read) >= LINEAR_ENGINE_MIN_FILES:
        use_linear_engine()
    count = min(jobs_for(jobs, len(to_read), PARALLEL_MIN_FILES), len(to_read))
    if count <= 1:
        return read(to_read)
    shares = [to_read[index::count] for index in range(count)]  # interleaved: similar sizes
    results = in_processes([lambda share=share: read(share) for share in shares])
    ordered: list = [None] * len(to_read)
    for index, result in enumerate(results):
        ordered[index::count] = result
    return ordered


_USING = lazy(r"^\s*using\s+'([^'\n]{1,500})'", re.M)


def _sets_a_federated_template(source: SourceFile, real: str, real_root: str, max_bytes: int) -> bool:
    """A .bicepparam (`using 'main.bicep'`) giving values to a template that names federation: its
    parameters may be the very subjects, so it is never skipped silently, whatever it names."""
    match = _USING.search(source.text)
    if match is None or not match.group(1).endswith(".bicep"):
        return False
    target = os.path.realpath(os.path.join(os.path.dirname(real), match.group(1)))
    if not target.startswith(real_root + os.sep) or not os.path.isfile(target):
        return False
    return _names_federation(target, max_bytes)


def _names_federation(path: str, max_bytes: int) -> bool:
    try:
        with open(path, "rb") as handle:
            return FEDERATION.found(read_up_to(handle, max_bytes).lower())
    except OSError:
        return False


def _directories_reaching_a_trust(tf_dirs: dict[str, list[tuple[str, SourceFile | None, bool | list[str]]]],
                                  values_name_federation: set[str]) -> set[str]:
    """Terraform directories worth reading: those with a federation token in a .tf file or in
    its .tfvars, and those whose local module calls reach one (transitively). A call to a
    directory not in the scan may reach anything, so it counts as reaching a trust (the
    module is then read, or reported as outside the repository)."""
    calls: dict[str, set[str]] = {}
    reached: set[str] = values_name_federation & tf_dirs.keys()
    for directory, entries in tf_dirs.items():
        for _, _, relevant in entries:
            if relevant is True:
                reached.add(directory)
            elif isinstance(relevant, list):
                targets = (posixpath.normpath(posixpath.join(directory, call)) for call in relevant)
                calls.setdefault(directory, set()).update("" if t == "." else t for t in targets)
    changed = True
    while changed:
        changed = False
        for directory, targets in calls.items():
            if directory not in reached and any(t in reached or t not in tf_dirs for t in targets):
                reached.add(directory)
                changed = True
    return reached
