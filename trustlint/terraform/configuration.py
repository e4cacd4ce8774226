"""Terraform (HCL): roles, trust policies, OIDC providers, access keys, and the GCP and
Azure resources, read as Terraform would evaluate them: per module directory (variables,
locals, terraform.tfvars and *.auto.tfvars), per count/for_each instance, and through local
module calls, whose findings are addressed `module.NAME.type.name` and name the call site.
"""

from __future__ import annotations

import itertools
import json
import os
import posixpath
import re
from typing import Callable

from ..errors import AnalysisError
from ..input.discovery import DEFAULT_MAX_BYTES, TERRAFORM_SOURCES, is_terraform_json, opentofu_replaced
from ..model import Location, Problem, ScanModel
from ..resources import AwsRole, AzureCredentials
from ..source import SourceFile, read_up_to
from ..values import Node, without_places
from .aws import oidc_providers, read_access_key, read_role
from .azure import is_azure_resource, read_azure
from .evaluator import Evaluator, Module
from .gcp import is_gcp_resource, read_gcp
from .hcl import Block, parse_hcl, source_outline
from .instances import evaluated_instances
from .modules import registry_module
from .privileges import grants_privileges, read_privileges
from ..lazy_re import lazy

_MAX_MODULE_DEPTH = 5
_MAX_MODULE_INSTANCES = 1000  # module instances analysed per scan: for_each fan-out multiplies per level


class Configuration:
    """All Terraform directories of a scan, parsed once."""

    def __init__(self, root: str, variable_files: list[str] = (), variables: dict[str, str] | None = None):
        self.root = root
        self.directories: dict[str, list[Block]] = {}
        self.model = ScanModel()
        self.variable_files = list(variable_files)
        self.variables = variables or {}
        self.module_instances = 0
        self.instantiated: set[str] = set()  # module directories some call instantiated

    def blocks(self, directory: str, sources: list[SourceFile] | None = None) -> list[Block]:
        if directory not in self.directories:
            if sources is None:
                sources = _read_directory(self.root, directory, self.model)
            blocks: list[Block] = []
            outlines = [source_outline(source) if SKIP_UNNEEDED_BLOCKS and not is_terraform_json(source.path) else None
                        for source in sources]
            keep = _needed_blocks(sources, outlines) if SKIP_UNNEEDED_BLOCKS else None
            for source, items in zip(sources, outlines):
                try:
                    # no outline (JSON, or not a plain run of blocks): parsed whole, once
                    blocks.extend(self._parse(source, keep if items is not None else None, items))
                except AnalysisError as exc:
                    self.model.problems.append(Problem(Location(source.path, exc.span), exc.message))
            self.directories[directory] = blocks
        return self.directories[directory]

    def _parse(self, source: SourceFile, keep, items) -> list[Block]:
        if not is_terraform_json(source.path):
            return parse_hcl(source, keep, items)
        from .json_syntax import parse_json_syntax  # only when a directory holds one

        try:
            blocks, problems = parse_json_syntax(source, _json_keep(source) if SKIP_UNNEEDED_BLOCKS else None)
        except AnalysisError:
            raise
        except RecursionError:
            raise AnalysisError("JSON nested too deeply to read") from None
        except Exception as exc:  # noqa: BLE001 - a reader's bug is TL000 for its file, never a stopped scan
            from ..errors import internal_error

            raise AnalysisError(internal_error(exc)) from None
        self.model.problems.extend(Problem(Location(source.path, p.span), p.message) for p in problems)
        return blocks


# What trustlint reads of a module: every top-level block but resources and data sources,
# and of those only the types below. AWS: roles, OIDC providers, access keys and their users;
# a policy document is a trust only with principals, or through the documents it merges.
# GCP: pools, providers, keys, service accounts and IAM grants (*_iam_member/binding/policy,
# data google_iam_policy). Azure wholly (azurerm, azuread, azapi): a role assignment's scope
# or a credential's parent may be any resource, and its name gives the trust's tier.
# Anything else (buckets, instances, networks, permission policies) is left unparsed unless
# its text names a federation token (discovery.RELEVANT).
_READ_PREFIXES = ("azurerm_", "azuread_", "azapi_")
# Blast radius: what a role, service account or identity may do (terraform/privileges.py).
_READ_TYPES = {"aws_iam_role_policy_attachment", "aws_iam_role_policy_attachments_exclusive", "aws_iam_role_policy",
               "aws_iam_policy_attachment",
               "aws_iam_role", "aws_iam_access_key", "aws_iam_openid_connect_provider", "aws_iam_user",
               "google_iam_workload_identity_pool", "google_iam_workload_identity_pool_provider",
               "google_service_account", "google_service_account_key"}
_READ_SUFFIXES = ("_iam_member", "_iam_binding", "_iam_policy")
_TRUST_DOCUMENT_HINTS = ("principals", "source_policy_documents", "override_policy_documents", "source_json", "override_json")


def may_matter(block_type: str, first_label: str, text: str, file_relevant: bool = True) -> bool:
    """Whether a top-level block can take part in the analysis. `file_relevant`: whether the
    file's text names a federation token at all (if not, no block of it can)."""
    if block_type not in ("resource", "data") or first_label in _READ_TYPES or first_label.startswith(_READ_PREFIXES):
        return True
    if first_label.startswith("google_") and first_label.endswith(_READ_SUFFIXES):
        return True
    if first_label == "aws_iam_policy_document" and any(hint in text for hint in _TRUST_DOCUMENT_HINTS):
        return True
    return file_relevant and _names_a_federation_token(text)


def _json_keep(source: SourceFile) -> Callable[[str, str, str], bool]:
    """parse_json_syntax's `keep`: the resources and data sources that may matter, as for a
    .tf file; every permission policy too (a .tf file keeps one a kept block names, which the
    JSON text does not tell block by block), and any block whose text holds a JSON `\\u`
    escape (a federation word may hide behind one)."""
    relevant = _names_a_federation_token(source.text)

    def keep(block_type: str, resource_type: str, text: str) -> bool:
        return (resource_type in ("aws_iam_policy", "aws_iam_policy_document") or "\\u" in text
                or may_matter(block_type, resource_type, text, relevant))

    return keep


def _names_a_federation_token(text: str) -> bool:
    from ..input.discovery import RELEVANT

    return RELEVANT.found(text.lower().encode("utf-8", "replace"))


_VARIABLE_REFERENCE = lazy(r"\bvar\.([A-Za-z_][\w-]*)")
_ROOT_MARKER = lazy(rb'^[ \t]*(?:provider[ \t]+"|backend[ \t]+"|cloud[ \t]*\{)', re.MULTILINE)
# The JSON syntax's provider / backend / cloud blocks (an object or array; a resource's
# `"provider": "aws.west"` is a string, not a root marker).
_JSON_ROOT_MARKER = lazy(rb'"(?:provider|backend|cloud)"\s*:\s*[\[{]')
_POLICY_REFERENCE = lazy(r"\b((?:data\.)?aws_iam_policy(?:_document)?\.[A-Za-z_][\w-]*)")
_RESOURCE_NAME = lazy(r'^\s*(?:resource|data)\s+"[^"]*"\s+"([^"]+)"')
SKIP_UNNEEDED_BLOCKS = True  # off only in the tests proving that skipping changes no finding


def _needed_blocks(sources: list[SourceFile], outlines: list) -> Callable[[str, str, str], bool]:
    """parse_hcl's `keep` for one module directory: the blocks that may matter, and of the
    variables only those a kept block names (`var.x` is the only way to read one; values a
    caller or a .tfvars file gives do not need the declaration)."""
    decided: dict[tuple[str, str, str], bool] = {}
    used: set[str] = set()
    named: set[str] = set()  # "aws_iam_policy.NAME" / "data.aws_iam_policy_document.NAME" kept blocks name
    deferred = []  # permission policies: they matter only through what attaches them to a role
    for source, items in zip(sources, outlines):
        if items is None:
            used.update(_VARIABLE_REFERENCE.findall(source.text))  # parsed whole
            named.update(_POLICY_REFERENCE.findall(source.text))
            continue
        file_relevant = _names_a_federation_token(source.text)
        for _, _, kind, label, text in items:
            if kind == "variable":
                continue
            if (kind, label) in (("resource", "aws_iam_policy"), ("data", "aws_iam_policy_document")):
                deferred.append((kind, label, text, file_relevant))
                continue
            decided[kind, label, text] = needed = may_matter(kind, label, text, file_relevant)
            if needed:
                used.update(_VARIABLE_REFERENCE.findall(text))
                named.update(_POLICY_REFERENCE.findall(text))
    for wanted in ("resource", "data"):  # policies first: the documents they read are named by them
        for kind, label, text, file_relevant in deferred:
            if kind != wanted:
                continue
            name = _RESOURCE_NAME.search(text)
            reference = f"{'data.' if kind == 'data' else ''}{label}.{name.group(1)}" if name else None
            decided[kind, label, text] = needed = reference in named or may_matter(kind, label, text, file_relevant)
            if needed:
                used.update(_VARIABLE_REFERENCE.findall(text))
                named.update(_POLICY_REFERENCE.findall(text))

    def keep(block_type: str, first_label: str, text: str) -> bool:
        if block_type == "variable":
            return first_label in used
        return decided[block_type, first_label, text]

    return keep


def inside_repository(root: str, directory: str) -> bool:
    """A module directory trustlint may read: inside the repository, not reached through a link."""
    real_root = os.path.realpath(root)
    real = os.path.realpath(os.path.join(root, directory))
    return not directory.startswith("..") and (real == real_root or real.startswith(real_root + os.sep))


def _read_directory(root: str, directory: str, model: ScanModel) -> list[SourceFile]:
    full = os.path.join(root, directory)
    sources = []
    if not inside_repository(root, directory):
        return []
    try:
        names = opentofu_view(sorted(n for n in os.listdir(full) if n.endswith(TERRAFORM_SOURCES)))
    except OSError:
        return []
    for name in names:
        path = os.path.join(full, name)
        rel = posixpath.join(directory, name) if directory else name
        why = _unreadable(root, path, follow_links=False)
        if why:
            if why != "a symbolic link":  # links are judged where discovery meets them
                model.problems.append(Problem(Location(rel, _start()), f"{why}; not analysed"))
            continue
        try:
            with open(path, encoding="utf-8-sig") as handle:
                sources.append(SourceFile(rel, handle.read()))
        except (OSError, UnicodeDecodeError) as exc:
            model.problems.append(Problem(Location(rel, _start()), f"cannot read file: {exc}"))
    return sources


def opentofu_view(names: list[str]) -> list[str]:
    """The files of a directory as OpenTofu reads them: a.tofu replaces a.tf beside it, and
    a.tofu.json a.tf.json."""
    replaced = opentofu_replaced(names)
    return [n for n in names if n not in replaced]


def _unreadable(root: str, path: str, follow_links: bool = True) -> str | None:
    """Why a file read for context must not be read: a link (out of the repository), not a
    regular file (a FIFO or device would block or never end), or too large."""
    if os.path.islink(path):
        real = os.path.realpath(path)
        real_root = os.path.realpath(root)
        if not follow_links:
            return "a symbolic link"
        if not real.startswith(real_root + os.sep):
            return "a symbolic link out of the repository"
    if not os.path.isfile(path):
        return "not a regular file"
    if os.path.getsize(path) > DEFAULT_MAX_BYTES:
        return f"over the {DEFAULT_MAX_BYTES}-byte limit"
    return None


def scan_configuration(context: dict[str, list[SourceFile]], root: str, variable_files: list[str] = (),
                       variables: dict[str, str] | None = None) -> ScanModel:
    """Analyse every root module directory; directories called as local modules are read
    through their calls (with the inputs the caller gives). A called directory is judged as a
    root too when no call instantiates it (a decoy `module { source = "../envs/prod" count = 0 }`
    must not hide envs/prod) or when it is a root of its own (tfvars, a backend, a provider)."""
    configuration = Configuration(root, variable_files, variables)
    for directory, sources in context.items():
        configuration.blocks(directory, sources)
    called = {target for directory in context for target in _local_calls(directory, configuration.blocks(directory))}
    for directory in sorted(context):
        if directory not in called:
            _analyse_root(directory, configuration)
    for directory in sorted(context):
        if directory in called and (directory not in configuration.instantiated or _is_a_root(root, directory, configuration)):
            _analyse_root(directory, configuration)
            # Its findings come from its own values (variable defaults, tfvars), not a caller's: say so.
            configuration.model.flags[f"root:{directory}"] = (
                "judged as a root with its own values; it is also called as a module" if directory in configuration.instantiated
                else "judged as a root: the only calls to it create no instance")
    return configuration.model


def _analyse_root(directory: str, configuration: Configuration) -> None:
    blocks = configuration.blocks(directory)
    if blocks:
        values = _tfvars(configuration.root, directory, configuration)
        _analyse(Module(blocks), blocks, values, "", [], configuration, 0)


def _is_a_root(root: str, directory: str, configuration: Configuration) -> bool:
    """A directory deployed on its own: it has variable values or a backend / provider setup."""
    try:
        names = os.listdir(os.path.join(root, directory))
    except OSError:
        names = []
    if any(n in ("terraform.tfvars", "terraform.tfvars.json") or n.endswith((".auto.tfvars", ".auto.tfvars.json"))
           for n in names):
        return True
    for name in names:
        path = os.path.join(root, directory, name)
        if name.endswith(TERRAFORM_SOURCES) and not _unreadable(root, path, follow_links=False):
            marker = _JSON_ROOT_MARKER if is_terraform_json(name) else _ROOT_MARKER
            with open(path, "rb") as handle:
                if marker.search(read_up_to(handle, DEFAULT_MAX_BYTES)):
                    return True
    return False


def _local_calls(directory: str, blocks: list[Block]) -> list[str]:
    targets = []
    for block in blocks:
        if block.type != "module" or "source" not in block.attributes:
            continue
        source = _literal(block, "source")
        if source and source.startswith(("./", "../")):
            target = posixpath.normpath(posixpath.join(directory, source))
            target = "" if target == "." else target
            if target != directory:  # a module calling itself is still analysed (and the cycle reported)
                targets.append(target)
    return targets


def _literal(block: Block, name: str) -> str | None:
    node = Evaluator(Module([]), block.source).attribute(block, name)
    return node.value if node is not None and isinstance(node.value, str) else None


def _tfvars(root: str, directory: str, configuration: Configuration) -> dict[str, Node]:
    """terraform.tfvars(.json), *.auto.tfvars(.json) (in Terraform's order), then --var-file and --var."""
    full = os.path.join(root, directory)
    try:
        names = sorted(os.listdir(full))
    except OSError:
        names = []
    files = [posixpath.join(directory, n) for n in ("terraform.tfvars", "terraform.tfvars.json") if n in names]
    files += [posixpath.join(directory, n) for n in names if n.endswith((".auto.tfvars", ".auto.tfvars.json"))]
    files += configuration.variable_files
    values: dict[str, Node] = {}
    for path in files:
        why = _unreadable(root, os.path.join(root, path)) if path not in configuration.variable_files else None
        if why:
            configuration.model.problems.append(Problem(Location(path, _start()), f"variables file is {why}; not read"))
            continue
        try:
            with open(os.path.join(root, path), encoding="utf-8-sig") as handle:
                source = SourceFile(path.replace(os.sep, "/"), handle.read())
            read = _json_variables(source) if path.endswith(".json") else {}
            if not path.endswith(".json"):
                evaluator = Evaluator(Module([]), source, root=root)
                read = {name: evaluator.eval(attribute.expr) for name, attribute in _top_attributes(source).items()}
            for name, node in read.items():
                node.inputs = {source.path}  # a change to this file changes what reads the variable
                values[name] = node
        except (OSError, UnicodeDecodeError) as exc:
            configuration.model.problems.append(Problem(Location(path, _start()), f"cannot read variables file: {exc}"))
        except AnalysisError as exc:
            configuration.model.problems.append(Problem(Location(path, exc.span), exc.message))
    for name, text in configuration.variables.items():
        values[name] = Node(text, _start(), origin=["--var"])
    return values


def _json_variables(source: SourceFile) -> dict[str, Node]:
    from ..input.jsonpos import load_json

    document = load_json(source)
    if not isinstance(document.value, dict):
        raise AnalysisError("a .tfvars.json file must hold one JSON object", document.span)
    return dict(document.value)


def _start():
    from ..source import FILE_START

    return FILE_START


def _top_attributes(source: SourceFile) -> dict:
    from .hcl import _read_body, parse_tree

    tree = parse_tree(source.text)
    attributes, _ = _read_body(tree.children[0], source)
    return attributes


def _instances(block: Block, ev: Evaluator, model: ScanModel) -> list[tuple[str, Evaluator]]:
    """(address suffix, evaluator) per instance of a count/for_each block; one instance with
    each/count unknown when the collection is not known statically or cannot be evaluated
    (reported); none when count is 0."""
    limits: list = []
    try:
        instances = evaluated_instances(block, ev, limits)
        for span, message in limits:
            if span is None:  # behind a flag, judged as if enabled
                model.flags[f"{block.source.path}\x00{'.'.join(block.labels)}"] = message
                continue
            model.problems.append(Problem(Location(block.source.path, span), f"{'.'.join(block.labels)}: {message}"))
        return instances
    except (AnalysisError, RecursionError) as exc:
        model.problems.append(_problem(exc, block, f"count/for_each of {'.'.join(block.labels)}"))
        return [("", ev)]


def _problem(exc: AnalysisError | RecursionError, block: Block, what: str) -> Problem:
    """An evaluation failure in one block, reported there (TL000) while the scan goes on."""
    if isinstance(exc, AnalysisError):
        return Problem(Location(block.source.path, exc.span), f"{what}: {exc.message}")
    return Problem(Location(block.source.path, block.header), f"{what}: expression too deeply nested")


def _analyse(module: Module, blocks: list[Block], values: dict[str, Node], prefix: str, call_sites: list[Location],
             configuration: Configuration, depth: int, inherited: frozenset = frozenset()) -> None:
    """Read one module instance. `inherited`: the files every value of this instance depends on
    (the calls that create it and what their count/for_each read)."""
    model = configuration.model
    _report_duplicates(module, prefix, model)
    evaluator = Evaluator(module, blocks[0].source, values, root=configuration.root)
    evaluator.files_read = model.consumed_files
    evaluator.inputs.clear()
    try:
        providers = oidc_providers(module, evaluator)
    except (AnalysisError, RecursionError):
        providers = {}  # each provider resource is judged (and its error reported) on its own
    provider_inputs = set(evaluator.inputs) if providers else set()  # a role names its issuer through them
    fics: list = []
    for address, block in module.resources.items():
        if block.type != "resource":
            continue
        evaluator.inputs.clear()
        read_before = set(model.consumed_files)
        instances = _instances(block, evaluator.with_source(block.source), model)
        flag = model.flags.pop(f"{block.source.path}\x00{'.'.join(block.labels)}", None)
        if flag is not None:
            for suffix, _ in instances:
                model.flags[prefix + address + suffix] = flag
        counted = set(evaluator.inputs)
        for suffix, ev in instances:
            evaluator.inputs.clear()
            evaluator.inputs.update(counted)
            first = len(model.trusts), len(model.credentials), len(model.public)
            _read_each_branch(prefix + address + suffix, block, ev, module, providers, fics, model, call_sites, prefix)
            for item in model.trusts[first[0]:] + model.credentials[first[1]:] + model.public[first[2]:]:
                item.related.extend(call_sites)
            files = evaluator.inputs | provider_inputs | inherited | (model.consumed_files - read_before) | {block.source.path}
            record_inputs(model, block.source.path, [prefix + address + suffix, prefix + address], files)
    if fics:
        model.resources.append(AzureCredentials(fics, list(call_sites)))
    for block in blocks:
        if block.type == "module" and block.labels:
            try:
                _call(block, evaluator.with_source(block.source), prefix, call_sites, configuration, depth, inherited)
            except (AnalysisError, RecursionError) as exc:
                model.problems.append(_problem(exc, block, f"{prefix}module.{block.labels[0]}"))


def record_inputs(model: ScanModel, path: str, addresses: list[str], files: set[str]) -> None:
    """What a resource's findings depend on, by its file and address (changed-file modes)."""
    for address in addresses:
        model.inputs.setdefault(f"{path}\x00{address}", set()).update(files)
    model.inputs.setdefault(path, set()).update(files)


def _report_duplicates(module: Module, prefix: str, model: ScanModel) -> None:
    """A name defined twice is TL000 at both places: Terraform rejects the configuration, and
    whichever one trustlint kept would hide the other (a wildcard beside an exact trust)."""
    for address, (first, first_block), (second, second_block) in module.duplicates:
        places = [(first, first_block), (second, second_block)]
        where = " and ".join(f"{b.source.path}:{_span_of(i, b).line}" for i, b in places)
        for item, block in places:
            model.problems.append(Problem(Location(block.source.path, _span_of(item, block)),
                                          f"{prefix}{address} is defined twice ({where}); Terraform rejects this "
                                          "configuration, and one definition would hide the other", prefix + address))


# A resource whose values depend on conditions not known statically is read once per branch
# (both sides of up to this many conditions: 2**3 reads); further ones stay unknown (explained).
MAX_BRANCH_POINTS = 3
_READ_INTO = ("trusts", "credentials", "public", "problems", "lifetimes", "gcp_providers", "gcp_grants", "grants",
              "resources", "unknowns")


def _read_each_branch(address, block, ev, module, providers, fics, model, call_sites, prefix="") -> None:
    """Read a resource; when a conditional it reads has a condition not known statically
    (`terraform.workspace == "prod" ? exact : ["repo:acme/*"]`), read it again with each branch
    taken, so the risky branch is judged whatever today's values are, and say so on its findings.
    Each reading is its own trust: one branch never lends its values to the other. Conditions
    met only inside a branch (nested) are found by reading the branches; past MAX_BRANCH_POINTS
    (the trust's own attributes first, a name or tags last) the rest stay unknown, listed."""
    mark = _mark(model, fics)
    ev.branch_points.clear()
    _read_resource(address, block, ev, module, providers, fics, model, call_sites, prefix)
    if not ev.branch_points:
        return
    _rollback(model, fics, mark)

    def read(assumed: dict) -> None:
        _read_resource(address, block, ev.with_assumptions(assumed), module, providers, fics, model, call_sites, prefix)

    points = _all_points(ev, model, fics, read, lambda point: _cosmetic(point, block))
    explored = points[:MAX_BRANCH_POINTS]
    _explain_unexplored(points[MAX_BRANCH_POINTS:], address, model)
    if in_each_branch(explored, model, read, (fics,)):
        model.flags[f"branch:{address}"] = branch_note(explored)


_COSMETIC = {"name", "name_prefix", "description", "path", "tags", "tags_all", "display_name"}


def _cosmetic(point, block: Block) -> bool:
    """A condition written in a resource's name, description or tags: read both ways last."""
    _, (_, path, span) = point
    if span is None or block.source is None or path != block.source.path:
        return False
    for name in _COSMETIC & set(block.attributes):
        inside = block.attributes[name].span
        if (inside.line, inside.column) <= (span.line, span.column) and (span.end_line, span.end_column) <= (inside.end_line, inside.end_column):
            return True
    return False


def _mark(model: ScanModel, fics: list) -> tuple:
    return {name: len(getattr(model, name)) for name in _READ_INTO}, len(fics)


def _rollback(model: ScanModel, fics: list, mark: tuple) -> None:
    lengths, fic_count = mark
    for name, length in lengths.items():
        del getattr(model, name)[length:]
    del fics[fic_count:]


def _all_points(ev, model: ScanModel, fics: list, read: Callable[[dict], None], later: Callable) -> list:
    """The branch points of a resource, nested ones too: each reading may meet conditions the
    unknown outer one hid; found by reading the branches (and forgetting what they read)."""
    known = dict(ev.branch_points)
    for _ in range(MAX_BRANCH_POINTS):
        chosen = sorted(known.items(), key=later)[:MAX_BRANCH_POINTS]
        for choice in itertools.product((True, False), repeat=len(chosen)):
            mark = _mark(model, fics)
            problems = len(model.problems)
            read({key: value for (key, _), value in zip(chosen, choice)})
            _rollback(model, fics, mark)
            del model.problems[problems:]
        if set(ev.branch_points) <= set(known):
            break
        known = dict(ev.branch_points)
    return sorted(known.items(), key=later)


def _explain_unexplored(points: list, address: str, model: ScanModel) -> None:
    for _, (text, path, span) in points:
        where = Location(path, span) if span is not None else Location(path, _start())
        model.unknowns.append((where, text, f"{address}: a condition not known statically, past the {MAX_BRANCH_POINTS} "
                                            "read both ways: what depends on it is judged unknown"))


def branch_note(points: list) -> str:
    return f"judged for each branch of {' and '.join(text for _, (text, *_rest) in points)}, not known statically"


def in_each_branch(points: list, model: ScanModel, read: Callable[[dict], None], extra: tuple = ()) -> bool:
    """Run `read` once per combination of branches of `points` (conditionals not known statically);
    whether the branches read differently (when they all read the same, one reading is kept and
    nothing needs saying). `extra`: lists besides the model's that `read` appends to.

    Problems any branch meets are kept (once). A policy document one branch writes as invalid
    JSON (a template's `%{ if }` comma idiom read the impossible way) is what that branch would
    fail with at apply: dropped when another branch's parses, never judged as a finding."""
    lists = [getattr(model, name) for name in _READ_INTO if name != "problems"] + list(extra)
    per_branch: list[list[Problem]] = []
    readings: list[list[int]] = []
    roles: list[AwsRole] = []
    for choice in itertools.product((True, False), repeat=len(points)):
        problems, resources = len(model.problems), len(model.resources)
        readings.append([len(items) for items in lists])
        read({key: value for (key, _), value in zip(points, choice)})
        per_branch.append(model.problems[problems:])
        del model.problems[problems:]
        roles.extend(r for r in model.resources[resources:] if isinstance(r, AwsRole))
    readings.append([len(items) for items in lists])
    signatures = {repr(without_places([items[start:end] for items, start, end in zip(lists, readings[i], readings[i + 1])]))
                  for i in range(len(readings) - 1)}
    kept: dict = {}
    for branch in per_branch:  # every branch's problems, once each: a limit or an unread file met by
        for problem in branch:  # one branch only is still a place nothing was judged
            kept.setdefault((problem.location, problem.message), problem)
    model.problems.extend(kept.values())
    if len(signatures) == 1:  # every branch read the same: one reading stands for them
        for items, end in zip(lists, readings[1]):
            del items[end:]
        return False
    broken = [r for r in roles if _invalid_json(r.role.policy)]
    if len(broken) < len(roles):
        model.resources[:] = [r for r in model.resources if not any(r is b for b in broken)]
    return True


def _invalid_json(policy: Node | None) -> bool:
    if policy is None or not isinstance(policy.value, str):
        return False
    try:
        json.loads(policy.value)
    except ValueError:
        return True
    return False


def _span_of(item, block):
    return getattr(item, "header", None) or getattr(item, "name_span", None) or block.header


def _read_resource(address, block, ev, module, providers, fics, model, call_sites, prefix="") -> None:
    try:
        kind = block.labels[0]
        if grants_privileges(kind):
            model.grants.extend(read_privileges(address, prefix, block, ev, module))
        if kind == "aws_iam_role":
            role = read_role(address, block, ev, module)
            role.related = list(call_sites)
            model.resources.append(AwsRole(role, providers))
        elif kind == "aws_iam_access_key":
            model.credentials.append(read_access_key(address, block, ev, module))
        elif is_gcp_resource(block):
            read_gcp(address, block, ev, module, model)
        elif is_azure_resource(block):
            read_azure(address, block, ev, module, fics, model.credentials)
    except AnalysisError as exc:
        model.problems.append(Problem(Location(block.source.path, exc.span), f"{address}: {exc.message}", address))
    except RecursionError:
        model.problems.append(Problem(Location(block.source.path, block.header), f"{address}: expression too deeply nested", address))
    except Exception as exc:  # noqa: BLE001 - one resource's bug must not stop the scan
        from ..errors import internal_error

        model.problems.append(Problem(Location(block.source.path, block.header), f"{address}: {internal_error(exc)}", address))


def _call(block: Block, ev: Evaluator, prefix: str, call_sites: list[Location], configuration: Configuration, depth: int,
          inherited: frozenset = frozenset()) -> None:
    """A module call: local sources are read with the inputs given; well-known registry
    modules are modelled by their inputs (terraform_modules.py)."""
    source = ev.attribute(block, "source")
    source_text = source.value if source is not None and isinstance(source.value, str) else ""
    name = block.labels[0]
    model = configuration.model
    local = source_text.startswith(("./", "../"))
    directory = posixpath.normpath(posixpath.join(posixpath.dirname(block.source.path), source_text)) if local else ""
    directory = "" if directory == "." else directory  # the root directory is "", as in the scan's context
    if local and not _may_read_module(block, directory, source_text, call_sites, configuration):
        return
    ev.inputs.clear()
    instances = _instances(block, ev, model)
    flag = model.flags.pop(f"{block.source.path}\x00{'.'.join(block.labels)}", None)
    if flag is not None:
        for suffix, _ in instances:
            model.flags[f"{prefix}module.{name}{suffix}."] = flag
    counted = frozenset(ev.inputs) | inherited | {block.source.path}
    for suffix, instance_ev in instances:
        address = f"{prefix}module.{name}{suffix}"
        site = Location(block.source.path, block.header, f"module call {address}")
        configuration.module_instances += 1
        if configuration.module_instances > _MAX_MODULE_INSTANCES:
            if configuration.module_instances == _MAX_MODULE_INSTANCES + 1:
                model.problems.append(Problem(site, f"more than {_MAX_MODULE_INSTANCES} module instances; the rest are not analysed"))
            return
        if local and depth >= _MAX_MODULE_DEPTH:
            model.problems.append(Problem(site, f"{address}: local modules nested more than {_MAX_MODULE_DEPTH} deep; "
                                                "this one is not analysed"))
            continue
        if local:
            configuration.instantiated.add(directory)

        def instantiate(inputs_ev: Evaluator, inputs: dict | None = None, address=address, site=site) -> None:
            inputs = _module_inputs(block, inputs_ev) if inputs is None else inputs
            if local:
                blocks = configuration.blocks(directory)
                if blocks:
                    _analyse(Module(blocks), blocks, {k: v for k, v in inputs.items() if v is not None},
                             address + ".", [*call_sites, site], configuration, depth + 1, counted)
            else:
                registry_module(source_text, address, block, inputs, [*call_sites, site], configuration.model)
                given = set().union(*(getattr(v, "inputs", set()) for v in inputs.values() if v is not None))
                record_inputs(model, block.source.path, [address], given | counted)

        # Inputs chosen by a condition not known statically: the module is read once per branch.
        instance_ev.branch_points.clear()
        inputs = _module_inputs(block, instance_ev)
        if not instance_ev.branch_points:
            instantiate(instance_ev, inputs)  # read once: the inputs just evaluated are the call's
            continue
        points = _all_points(instance_ev, model, [], lambda assumed, ev_=instance_ev: _module_inputs(block, ev_.with_assumptions(assumed)),
                             lambda point: False)
        explored = points[:MAX_BRANCH_POINTS]
        _explain_unexplored(points[MAX_BRANCH_POINTS:], address, model)
        if in_each_branch(explored, model, lambda assumed, ev_=instance_ev, go=instantiate: go(ev_.with_assumptions(assumed))):
            model.flags[f"branch:{address}."] = branch_note(explored)


def _module_inputs(block: Block, ev: Evaluator) -> dict:
    inputs = {}
    for attr in block.attributes:
        if attr in ("source", "version", "count", "for_each", "providers", "depends_on"):
            continue
        ev.inputs.clear()
        inputs[attr] = ev.attribute(block, attr)
        if inputs[attr] is not None:
            inputs[attr].inputs = set(ev.inputs)  # what this input's value was read from
    return inputs


def _may_read_module(block: Block, directory: str, source_text: str, call_sites: list[Location],
                     configuration: Configuration) -> bool:
    """A local module is read unless it lies outside the repository (never read files there)
    or calls itself, directly or through other modules (Terraform rejects such a cycle)."""
    if not inside_repository(configuration.root, directory):
        configuration.model.unknowns.append((Location(block.source.path, block.header), f"source = {source_text!r}",
                                             "module source is outside the repository; not read"))
        return False
    callers = {posixpath.dirname(site.path) for site in call_sites} | {posixpath.dirname(block.source.path)}
    if directory in callers:
        configuration.model.problems.append(Problem(Location(block.source.path, block.header),
                                                    f"module.{block.labels[0]} calls its own module ({source_text}); Terraform rejects this cycle"))
        return False
    return True
