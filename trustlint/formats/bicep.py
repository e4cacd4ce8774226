"""Bicep source (`.bicep`): federated identity credentials, read as `FicInput`s and judged
exactly like an ARM template's.

- `Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials`: top-level
  with `parent: identity` (an `existing` one too, or a loop instance `ids[i]`) or a name
  `'${identity.name}/github'` / `'id-x/github'`, or nested in the identity
  (`resource fic 'federatedIdentityCredentials@…' = {…}`); `properties.issuer`, `subject`,
  `audiences`, `claimsMatchingExpression.value`.
- Microsoft Graph extension: `Microsoft.Graph/applications/federatedIdentityCredentials`, nested
  in the application or top-level with a `'${app.uniqueName}/x'` name; the same fields at the
  resource's top level.
- Loops (`[for x in list: {…}]`) are expanded from what the file states; a loop over a value
  not known statically, or empty with today's values, is judged as one instance with unknown
  items. A deployment condition (`if (deployFic)`) is judged as if true; one false with the
  parameters' defaults is named in the finding (ScanModel.flags), as CloudFormation's.
- Modules: a local module is read with the parameters its caller passes (when the caller is
  scanned; otherwise alone, with its defaults). The Azure Verified Module
  `avm/res/managed-identity/user-assigned-identity` is modelled by its `federatedIdentityCredentials`.

Addresses are the symbolic names (`fic`, `fics[0]`, `identity::fic`, `module/fic`); every value
points at its own expression in the file. What cannot be known is Unknown with its reason
(--explain-unknowns); a statement pycep-parser cannot read is TL000 when it matters.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field

from ..errors import AnalysisError, internal_error
from ..input.bicep_syntax import BicepFile, Statement
from ..model import Location, Problem, ScanModel
from ..resources import AzureCredentials, FicInput
from ..source import FILE_START, SourceFile, Span
from ..values import Template, Unknown
from .bicep_values import Evaluator, Passed, Ref, Scope, Tree
from ..lazy_re import lazy

IDENTITY = "microsoft.managedidentity/userassignedidentities"
APPLICATION = "microsoft.graph/applications"
FIC_TYPES = {
    f"{IDENTITY}/federatedidentitycredentials": (
        "managed-identity", "Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials"),
    f"{APPLICATION}/federatedidentitycredentials": ("application", "Microsoft.Graph/applications/federatedIdentityCredentials"),
}
_AVM_IDENTITY = lazy(r"^br(?:/public:|:mcr\.microsoft\.com/bicep/)avm/res/managed-identity/user-assigned-identity:",
                           re.IGNORECASE)
_MODULE_PATH = lazy(r"module[ \t]+[A-Za-z_]\w*[ \t]+'")
_FIC_TYPE_TEXT = lazy(r"federatedidentitycredentials(?:@|$)")
_DECLARATION = lazy(r"^[ \t]*resource[ \t]+[A-Za-z_]\w*[ \t]+'", re.MULTILINE)
_IF_WRAPPER = lazy(r"if\s*\(\s*")
_CREDENTIAL_WORDS = lazy(r"federatedidentitycredential|claimsmatchingexpression|azureadtokenexchange", re.IGNORECASE)
MAX_INSTANCES = 500
MAX_MODULE_DEPTH = 10
TIME_LIMIT_SECONDS = 30.0
_ENV_TAGS = ("env", "environment", "stage", "tier")


@dataclass
class Instance:
    """One deployed copy of a resource: its body, loop variables, and the settings it needs."""

    address: str
    body: Tree
    env: dict
    header: Span
    flags: list[str] = field(default_factory=list)


@dataclass
class Parent:
    """The identity or application a credential belongs to."""

    name: str
    kind: str
    names: list[str]


@dataclass
class Located:
    """A value, the span of the expression it comes from, and its tree while it is a literal."""

    value: object
    span: Span
    tree: Tree | None = None


def scan_bicep_files(sources: list[SourceFile]) -> ScanModel:
    """Every Bicep file of the scan: callers pass their parameters to the local modules they
    call; a module no scanned caller reaches is read alone, with its defaults."""
    model = ScanModel()
    files: dict[str, BicepFile] = {}
    for source in sorted(sources, key=lambda s: s.path):
        try:
            files[source.path] = BicepFile(source)
        except AnalysisError as exc:
            model.problems.append(Problem(Location(source.path, exc.span), exc.message))
    calls = {path: _local_calls(file) for path, file in files.items()}
    wanted = {path for path, file in files.items() if _names_federation(file.text)}
    changed = True
    while changed:  # a caller matters when a module it calls (transitively) does
        grown = {path for path, targets in calls.items() if targets & wanted}
        changed = not grown <= wanted
        wanted |= grown
    called = {target for path in wanted for target in calls[path]}
    read: set[str] = set()
    roots = [path for path in sorted(wanted) if path not in called]
    roots += [path for path in sorted(wanted) if path in called]  # a cycle: still read
    wanted_files = {path: files[path] for path in wanted}
    for path in roots:
        if path not in read:
            _read_root(files[path], wanted_files, read, model)
    return model


def _names_federation(text: str) -> bool:
    from ..input.discovery import FEDERATION

    return FEDERATION.found(text.lower().encode("utf-8", "surrogateescape"))


def _local_calls(file: BicepFile) -> set[str]:
    targets = set()
    for statement in file.statements:
        if statement.keyword == "module":
            path = _module_path(file, statement)
            if path is not None and not _is_registry(path):
                targets.add(_resolved(file.source.path, path))
    return targets


def _module_path(file: BicepFile, statement: Statement) -> str | None:
    match = _MODULE_PATH.match(file.normal, statement.keyword_offset)
    literal = file.string_at(match.end() - 1) if match else None
    if literal is None or literal.multiline or literal.interpolations:
        return None
    return file.text[literal.start + 1:literal.end - 1]


def _is_registry(path: str) -> bool:
    return path.lower().startswith(("br:", "br/", "ts:", "ts/"))


def _resolved(caller: str, path: str) -> str:
    return posixpath.normpath(posixpath.join(posixpath.dirname(caller), path))


def _read_root(file: BicepFile, files: dict, read: set, model: ScanModel) -> None:
    from ..deadline import TimeLimitExceeded, time_limit

    path = file.source.path
    try:
        with time_limit(TIME_LIMIT_SECONDS):
            _Reader(file, files, read, model).read()
    except TimeLimitExceeded:
        model.problems.append(Problem(Location(path, FILE_START),
                                      f"reading this Bicep file took over {TIME_LIMIT_SECONDS:.0f} s; not judged"))
    except RecursionError:
        model.problems.append(Problem(Location(path, FILE_START), "Bicep nested too deeply to analyse"))
    except Exception as exc:  # noqa: BLE001 - one file's bug must not stop the scan nor pass silently
        model.problems.append(Problem(Location(path, FILE_START), internal_error(exc)))


class _Reader:
    """One file read once: alone (its defaults) or as a module (what its caller passes)."""

    def __init__(self, file: BicepFile, files: dict, read: set, model: ScanModel, given: dict | None = None,
                 prefix: str = "", call_sites: tuple = (), flags: tuple = (), depth: int = 0):
        self.file, self.files, self.read_files, self.model = file, files, read, model
        self.path = file.source.path
        self.scope = Scope(file, given)
        self.ev = Evaluator(self.scope)
        self.ev.resource_value = self._resource_property
        self.prefix, self.call_sites, self.flags, self.depth = prefix, call_sites, list(flags), depth
        self.fics: list[FicInput] = []
        self._resolved: dict[str, dict[str, tuple[Instance, str]] | None] = {}  # symbol -> its instances

    def read(self) -> None:
        self.read_files.add(self.path)
        for statement in self.file.statements:
            text = self.file.text[statement.start:statement.end]
            if statement.keyword == "resource" and "federatedidentitycredentials" in text.lower():
                self._resource(statement)
            elif statement.keyword == "module":
                self._module(statement, _names_federation(text))
            elif statement.keyword != "resource" and self._embeds_credential(statement):
                # A credential declaration inside another statement: the statements were split
                # where Bicep would not split them. Never judged silently.
                self.model.problems.append(Problem(Location(self.path, self.file.header(statement)),
                                                   "a federated identity credential resource inside this statement "
                                                   "is not read; it is not judged", statement.name))
            elif statement.keyword == "" or statement.keyword == "resource" and _names_federation(text):
                # Text that is no statement, or a resource naming federation in a form not read
                # here, must at least parse (else TL000); declarations matter only through the
                # credentials that use them.
                self.scope.tree(statement, self.prefix + statement.name)
        for path, error, address in self.scope.problems:
            message = f"{address}: {error.message}" if address else error.message
            self.model.problems.append(Problem(Location(path, error.span), message, address))
        for where, (expression, reason) in sorted(self.ev.untaken.items()):
            entry = (Location(self.path, self.file.span(where[0], where[1])), expression, reason)
            if entry not in self.model.unknowns:
                self.model.unknowns.append(entry)
        if self.fics:
            related = [site for site in self.call_sites]
            self.model.resources.append(AzureCredentials(self.fics, related))

    def _embeds_credential(self, statement: Statement) -> bool:
        """Does code of this (non-resource) statement declare a credential resource? (Matched on
        the normalised text: a declaration quoted in a string is no declaration.)"""
        for match in _DECLARATION.finditer(self.file.normal, statement.start, statement.end):
            literal = self.file.string_at(match.end() - 1)
            if literal is not None and "federatedidentitycredentials" in self.file.text[literal.start:literal.end].lower():
                return True
        return False

    # -- resources -------------------------------------------------------------------------------

    def _resource(self, statement: Statement) -> None:
        tree = self.scope.tree(statement, self.prefix + statement.name)
        if tree is None:
            return
        kind = self._type(tree.node.children[2].children[0], tree.base)
        found = len(self.fics)
        for instance in self._instances(Tree(tree.node.children[-1], tree.base), {}, self.prefix + statement.name,
                                        self.file.header(statement), self.flags):
            self._visit(instance, kind, None)
        if len(self.fics) == found and kind not in FIC_TYPES and kind not in (IDENTITY, APPLICATION) \
                and any(_FIC_TYPE_TEXT.search(self._literal(s).lower()) for s in self._strings(statement)):
            self.model.problems.append(Problem(Location(self.path, self.file.header(statement)),
                                               f"{statement.name}: a federated identity credential inside a "
                                               f"{kind or 'resource'} is not read; it is not judged", statement.name))

    def _visit(self, instance: Instance, kind: str, parent: Parent | None) -> None:
        if kind in FIC_TYPES:
            self._fic(instance, kind, parent)
        if kind not in (IDENTITY, APPLICATION):
            return
        own = self._parent(instance, kind)
        for child in instance.body.node.children:
            if hasattr(child, "data") and child.data == "child_resource":
                name, type_token, value = str(child.children[0]), child.children[1], child.children[-1]
                relative = self._type(type_token, instance.body.base)
                child_kind = relative if relative.startswith(kind + "/") else f"{kind}/{relative}"
                line, column = self.file.source.position(instance.body.base + child.meta.start_pos)
                header = Span(line, column, line, len(self.file.source.line_text(line)) + 1)
                for nested in self._instances(Tree(value, instance.body.base), instance.env,
                                              f"{instance.address}::{name}", header, instance.flags):
                    self._visit(nested, child_kind, own)

    def _type(self, token, base: int) -> str:
        literal = self.file.string_at(base + token.start_pos)
        text = self._literal(literal) if literal is not None else ""
        return text.split("@")[0].lower()

    def _literal(self, literal) -> str:
        value = self.ev.string(literal, {})
        return value if isinstance(value, str) else value.render() if isinstance(value, Template) else ""

    def _strings(self, statement: Statement) -> list:
        return [s for start, s in self.file.strings.items() if statement.start <= start < statement.end]

    # -- instances: loops and conditions ---------------------------------------------------------

    def _instances(self, value: Tree, env: dict, address: str, header: Span, flags: list[str],
                   record: bool = True) -> list[Instance]:
        """The instances a resource (or module) body makes; `record`: explain what is not known."""
        node = value.node
        kind = node.data if hasattr(node, "data") else ""
        if kind == "object":
            return [Instance(address, value, env, header, list(flags))]
        if kind == "deploy_condition":
            condition, body = node.children
            flags = self._condition(Tree(condition, value.base), env, header, flags, record)
            return self._instances(Tree(body, value.base), env, address, header, flags, record)
        if kind == "loop":
            return self._loop(value, env, address, header, flags, record)
        if record:
            self.model.problems.append(Problem(Location(self.path, header), f"{address}: resource body not read", address))
        return []

    def _condition(self, condition: Tree, env: dict, header: Span, flags: list[str], record: bool = True) -> list[str]:
        """Judged as if deployed: a condition false today is named, one not known explained."""
        verdict = self.ev.condition(condition, env)
        text = self.ev.text(condition)
        wrapped = _IF_WRAPPER.match(text)  # a loop filter's tree holds its `if(…)`
        text = text[wrapped.end():-1].strip() if wrapped and text.endswith(")") else text
        if verdict is False:
            return [*flags, f"if ({text}) (false with the parameters' defaults)"]
        if verdict is None and record:
            self.model.unknowns.append((Location(self.path, header), f"if ({text})",
                                        "deployment condition not known statically: judged as deployed"))
        return flags

    def _loop(self, loop: Tree, env: dict, address: str, header: Span, flags: list[str], record: bool) -> list[Instance]:
        envs, iterable, condition = self.ev.loop_items(loop, env)
        body = Tree(loop.node.children[2], loop.base)
        source = self.ev.text(Tree(loop.node.children[0].children[-1], loop.base))
        if not envs:
            literal = hasattr(loop.node.children[0].children[-1], "data") and loop.node.children[0].children[-1].data == "array"
            if isinstance(iterable, list) and literal:
                return []
            names = [str(c) for c in loop.node.children[0].children if not hasattr(c, "data")]
            unknown_env = {**env, **{n: Unknown(n, f"an item of {source}, not known statically") for n in names}}
            if isinstance(iterable, list):
                flags = [*flags, f"the loop over {source} (empty with the parameters' defaults)"]
            elif record:
                self.model.unknowns.append((Location(self.path, header), f"for … in {source}",
                                            "loop over a value not known statically: judged as one instance with unknown items"))
            envs = [unknown_env]
        if len(envs) > MAX_INSTANCES:
            if record:
                self.model.problems.append(Problem(Location(self.path, header), f"{address}: more than "
                                                   f"{MAX_INSTANCES} loop instances; the rest are not judged", address))
            envs = envs[:MAX_INSTANCES]
        out = []
        for index, scope in enumerate(envs):
            own = self._condition(Tree(condition, loop.base), scope, header, flags, record) if condition is not None else flags
            suffix = f"[{index}]" if len(envs) > 1 or isinstance(iterable, list) and iterable else ""
            out.extend(self._instances(body, scope, f"{address}{suffix}", header, own, record))
        return out

    # -- parents ---------------------------------------------------------------------------------

    def _parent(self, instance: Instance, kind: str) -> Parent:
        body = Located(None, instance.header, instance.body)

        def member(key: str):
            found = self._get(body, key, instance.env)
            return found.value if found is not None else None

        if kind == APPLICATION:
            name = _text(member("uniqueName")) or _text(member("displayName")) or instance.address
            names = [name, _text(member("displayName")) or ""]
            return Parent(name, "application", [n for n in names if n])
        name = _text(member("name")) or Unknown(instance.address + ".name").placeholder()
        tags = member("tags")
        env_tags = [v for k, v in (tags.items() if isinstance(tags, dict) else []) if k.lower() in _ENV_TAGS and isinstance(v, str)]
        return Parent(name, "managed-identity", [name, *env_tags])

    def _parent_of(self, ref, kind: str) -> Parent | None:
        if not isinstance(ref, Ref) or ref.kind != "resource":
            return None
        resolved = self._instance_of(ref)
        if resolved is None:
            shown = ref.symbol if ref.index is None else f"{ref.symbol}[{_text(ref.index) or '?'}]"
            return Parent(Unknown(f"{shown}.name").placeholder(), kind, [])
        instance, parent_kind = resolved
        return self._parent(instance, parent_kind)

    def _instance_of(self, ref: Ref) -> tuple[Instance, str] | None:
        """The resource instance a reference names, or None when it cannot be told."""
        if ref.child:
            return None
        if ref.symbol not in self._resolved:
            self._resolved[ref.symbol] = self._all_instances(ref.symbol)
        instances = self._resolved[ref.symbol]
        if instances is None:
            return None
        if ref.index is None:
            return instances.get(self.prefix + ref.symbol)
        return instances.get(f"{self.prefix}{ref.symbol}[{ref.index}]") if isinstance(ref.index, int) else None

    def _all_instances(self, symbol: str) -> dict[str, tuple[Instance, str]] | None:
        statement = self.scope.symbols.get(symbol)
        if statement is None or statement.keyword != "resource":
            return None
        try:
            tree = Tree(self.file.parse(statement), statement.start)
        except AnalysisError as exc:  # TL000 only if a credential's own fields depend on it
            self.scope.unreadable_part(symbol, (self.path, exc))
            return None
        kind = self._type(tree.node.children[2].children[0], tree.base)
        instances = self._instances(Tree(tree.node.children[-1], tree.base), {}, self.prefix + symbol,
                                    self.file.header(statement), [], record=False)
        return {instance.address: (instance, kind) for instance in instances}

    def _resource_property(self, ref: Ref, name: str):
        """`identity.name`, `app.uniqueName`: what the body states; anything else (its id, its
        properties after deployment, a module's outputs) is known only after deployment."""
        shown = f"{ref.symbol}{'' if ref.index is None else f'[{ref.index}]'}{''.join('::' + c for c in ref.child)}.{name}"
        if ref.kind == "module":
            return Unknown(shown, "a module's output, not read")
        resolved = self._instance_of(ref) if name.lower() in ("name", "uniquename", "displayname") else None
        found = self._get(Located(None, resolved[0].header, resolved[0].body), name, resolved[0].env) if resolved else None
        return found.value if found is not None else Unknown(shown, "a resource property known after deployment")

    # -- credentials -----------------------------------------------------------------------------

    def _fic(self, instance: Instance, kind: str, parent: Parent | None) -> None:
        parent_kind, resource_type = FIC_TYPES[kind]
        body = Located(None, self.file.span(*self.ev.offsets(instance.body)), instance.body)
        if parent is None:
            reference = self._get(body, "parent", instance.env)
            parent = self._parent_of(reference.value, parent_kind) if reference is not None else None
        if parent is None:  # `name: 'id-x/github'`: the identity or application is its first part
            name = self._get(body, "name", instance.env)
            text = (_text(name.value) if name is not None else None) or instance.address
            owner = text.partition("/")[0] if "/" in text else text
            parent = Parent(owner, parent_kind, [owner])
        fields = self._get(body, "properties", instance.env) if parent_kind == "managed-identity" else body
        self._credential(instance, resource_type, parent, fields)

    def _credential(self, instance: Instance, resource_type: str, parent: Parent, fields: Located | None) -> None:
        """One credential from the object holding its issuer, subject (or expression) and audiences."""
        env = instance.env
        with self.scope.needed():
            issuer, subject = self._get(fields, "issuer", env), self._get(fields, "subject", env)
            audiences, matching = self._get(fields, "audiences", env), self._get(fields, "claimsMatchingExpression", env)
            expression = self._get(matching, "value", env)
        if issuer is None or (subject is None and expression is None):
            self.model.problems.append(Problem(Location(self.path, instance.header),
                                               f"{instance.address}: no issuer, or neither subject nor "
                                               "claimsMatchingExpression, read; not judged", instance.address))
            return
        for label, part in (("issuer", issuer), ("subject", subject), ("claimsMatchingExpression", expression),
                            ("audiences", audiences)):
            self._explain(label, part)
        issuer_text = _text(issuer.value)
        # An expression not known statically is no expression to parse (TL000 would blame its
        # syntax): the trust layer explains it as not known and judges nothing from it.
        expression_text = _text(expression.value) if expression is not None else None
        expression_text = None if expression_text is not None and "\u27e8" in expression_text else expression_text
        self.fics.append(FicInput(
            address=instance.address,
            resource_type=resource_type,
            location=Location(self.path, instance.header),
            parent=parent.name,
            parent_kind=parent.kind,
            issuer=None if issuer_text is None or "\u27e8" in issuer_text else issuer_text,
            issuer_span=issuer.span,
            subject=_text(subject.value) if subject is not None else None,
            subject_span=subject.span if subject is not None else None,
            audiences=[(_text(a.value) or "", a.span) for a in self._elements(audiences)],
            expression=expression_text,
            expression_span=expression.span if expression is not None else None,
            names=parent.names,
        ))
        if instance.flags:
            self.model.flags[instance.address] = "; ".join(instance.flags)

    def _get(self, located: Located | None, key: str, env: dict) -> Located | None:
        """A member of an object: its own expression while the object is a literal in the source."""
        if located is None:
            return None
        node = located.tree.node if located.tree is not None else None
        if node is not None and hasattr(node, "data") and node.data == "object":
            for pair in node.children:
                if hasattr(pair, "data") and pair.data == "pair" and \
                        str(self.ev.key(pair, located.tree.base, env)).lower() == key.lower():
                    value = Tree(pair.children[1], located.tree.base)
                    return Located(self.ev.value(value, env), self.file.span(*self.ev.offsets(value)), value)
            return None
        value = self.ev.value(located.tree, env) if located.tree is not None else located.value
        if isinstance(value, dict):
            match = next((v for k, v in value.items() if k.lower() == key.lower()), None)
            return Located(match, located.span) if match is not None else None
        if isinstance(value, (Unknown, Template)):
            shown = value.expr if isinstance(value, Unknown) else value.render()
            return Located(Unknown(f"{shown}.{key}", getattr(value, "reason", "not known statically")), located.span)
        return None

    def _elements(self, located: Located | None) -> list[Located]:
        if located is None:
            return []
        node = located.tree.node if located.tree is not None else None
        if node is not None and hasattr(node, "data") and node.data == "array":
            trees = [Tree(c, located.tree.base) for c in node.children if hasattr(c, "data")]
            return [Located(v, self.file.span(*self.ev.offsets(t)), t) for t, v in zip(trees, located.value)]
        if isinstance(located.value, list):
            return [Located(v, located.span) for v in located.value]
        return []

    def _explain(self, label: str, part: Located | None) -> None:
        """Why a part of a credential is not known (the trust layer says that it is not)."""
        if part is None:
            return
        seen = set()
        for leaf in _unknown_leaves(part.value):
            if (leaf.expr, leaf.reason) not in seen:
                seen.add((leaf.expr, leaf.reason))
                self.model.unknowns.append((Location(self.path, part.span), f"{label}: {leaf.expr}", leaf.reason))

    # -- modules ---------------------------------------------------------------------------------

    def _module(self, statement: Statement, names_federation: bool) -> None:
        path = _module_path(self.file, statement)
        header = self.file.header(statement)
        if path is None:
            if names_federation:
                self.scope.tree(statement)
            return
        if _AVM_IDENTITY.match(path):
            self._avm_identity(statement, header)
        elif _is_registry(path):
            if names_federation and _CREDENTIAL_WORDS.search(self.file.text[statement.start:statement.end]):
                self.model.unknowns.append((Location(self.path, header), f"module {statement.name} '{path}'",
                                            "a registry module is not read; the federation it is given is not judged"))
                self.scope.tree(statement)
        else:
            self._local_module(statement, _resolved(self.path, path), header)

    def _local_module(self, statement: Statement, target: str, header: Span) -> None:
        if target.startswith("../") or target == "..":
            self.model.unknowns.append((Location(self.path, header), f"module {statement.name}",
                                        "module outside the repository; not read"))
            return
        module = self.files.get(target)
        if module is None:
            return  # neither it nor a module it calls names federation (or the scan excludes it)
        if self.depth >= MAX_MODULE_DEPTH or any(site.path == target for site in self.call_sites) or target == self.path:
            self.model.problems.append(Problem(Location(self.path, header), f"{statement.name}: module {target} calls "
                                               f"itself or nests over {MAX_MODULE_DEPTH} deep; not judged", statement.name))
            return
        tree = self.scope.tree(statement, self.prefix + statement.name)
        if tree is None:
            return
        for instance in self._instances(Tree(tree.node.children[-1], tree.base), {}, self.prefix + statement.name,
                                        header, self.flags):
            given = self._passed(instance)
            site = Location(self.path, header, f"module call {instance.address}")
            _Reader(module, self.files, self.read_files, self.model, given, instance.address + "/",
                    (*self.call_sites, site), instance.flags, self.depth + 1).read()

    def _passed(self, instance: Instance) -> dict:
        """The `params` of a module call, each evaluated when the module uses it."""
        for pair in _pairs(instance.body.node):
            if str(self.ev.key(pair, instance.body.base, instance.env)).lower() != "params":
                continue
            value = Tree(pair.children[1], instance.body.base)
            if hasattr(value.node, "data") and value.node.data == "object":
                return {str(self.ev.key(p, value.base, instance.env)): Passed(self.ev, Tree(p.children[1], value.base), instance.env)
                        for p in _pairs(value.node)}
            evaluated = self.ev.value(value, instance.env)
            return evaluated if isinstance(evaluated, dict) else {}
        return {}

    def _avm_identity(self, statement: Statement, header: Span) -> None:
        """br/public:avm/res/managed-identity/user-assigned-identity: `name`, `tags` and a list of
        `federatedIdentityCredentials` ({name, issuer, subject | claimsMatchingExpression, audiences})."""
        tree = self.scope.tree(statement, self.prefix + statement.name)
        if tree is None:
            return
        for instance in self._instances(Tree(tree.node.children[-1], tree.base), {}, self.prefix + statement.name,
                                        header, self.flags):
            params = self._get(Located(None, header, instance.body), "params", instance.env)
            name = self._get(params, "name", instance.env)
            tags = self._get(params, "tags", instance.env)
            owner = _text(name.value) if name is not None else None
            owner = owner or Unknown(f"{instance.address}.name").placeholder()
            env_tags = [v for k, v in (tags.value.items() if tags is not None and isinstance(tags.value, dict) else [])
                        if k.lower() in _ENV_TAGS and isinstance(v, str)]
            parent = Parent(owner, "managed-identity", [owner, *env_tags])
            credentials = self._get(params, "federatedIdentityCredentials", instance.env)
            self._explain("federatedIdentityCredentials", credentials)  # a list not known statically
            for index, item in enumerate(self._elements(credentials)):
                label = self._get(item, "name", instance.env)
                suffix = _text(label.value) if label is not None and isinstance(label.value, str) else f"[{index}]"
                self._credential(Instance(f"{instance.address}/{suffix}", item.tree or Tree(None, 0), instance.env, header,
                                          instance.flags), FIC_TYPES[f"{IDENTITY}/federatedidentitycredentials"][1],
                                 parent, item)


def _pairs(node) -> list:
    if not hasattr(node, "data") or node.data != "object":
        return []
    return [pair for pair in node.children if hasattr(pair, "data") and pair.data == "pair"]


def _text(value) -> str | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (str, int)):
        return str(value)
    if isinstance(value, Template):
        return value.render()
    if isinstance(value, Unknown):
        return value.placeholder()
    return None


def _unknown_leaves(value) -> list[Unknown]:
    if isinstance(value, Unknown):
        return [value]
    if isinstance(value, Template):
        return [p for p in value.parts if isinstance(p, Unknown)]
    if isinstance(value, list):
        return [leaf for item in value for leaf in _unknown_leaves(item)]
    if isinstance(value, dict):
        return [leaf for item in value.values() for leaf in _unknown_leaves(item)]
    return []
