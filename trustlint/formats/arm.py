"""ARM templates (JSON, including Bicep output): user-assigned identities' federated
identity credentials, top-level or nested, with template expressions evaluated from
parameter defaults and variables where possible (unknown otherwise, never a wildcard)."""

from __future__ import annotations

import re

from ..model import Location
from ..resources import FicInput
from ..source import SourceFile, Span
from ..values import Node, Unknown

FIC_TYPE = "microsoft.managedidentity/userassignedidentities/federatedidentitycredentials"
IDENTITY_TYPE = "microsoft.managedidentity/userassignedidentities"
_MAX_DEPTH = 30


def is_arm_template(document: Node) -> bool:
    schema = document.get("$schema")
    resources = document.get("resources")
    return resources is not None and (
        (schema is not None and "deploymentTemplate" in str(schema.value)) or document.get("contentVersion") is not None
    )


class _Expressions:
    """A small evaluator for ARM template expressions: `[func('a', 1).prop[0]]`."""

    _TOKEN = re.compile(r"\s*(?:(?P<string>'(?:[^']|'')*')|(?P<number>-?\d+)|(?P<name>[A-Za-z_][A-Za-z0-9_]*)|(?P<punct>[(),.\[\]]))")

    def __init__(self, parameters: Node | None, variables: Node | None):
        self.parameters = parameters
        self.variables = variables
        self.depth = 0

    def value(self, node: Node):
        """A string, number, list, dict, or Unknown for what cannot be known."""
        value = node.value
        if isinstance(value, str) and value.startswith("[") and not value.startswith("[[") and value.endswith("]"):
            return self.expression(value[1:-1])
        if isinstance(value, str) and value.startswith("[["):
            return value[1:]
        if isinstance(value, dict):
            return {k: self.value(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.value(v) for v in value]
        return value

    def expression(self, text: str):
        tokens = [(m.lastgroup, m.group(m.lastgroup)) for m in self._TOKEN.finditer(text)]
        if "".join(t[1] for t in tokens).replace(" ", "") != text.replace(" ", ""):
            return Unknown(text, "unparsable template expression")
        # variables() may hold expressions too: keep the enclosing parse's state aside.
        saved = getattr(self, "tokens", None), getattr(self, "position", 0)
        self.position = 0
        self.tokens = tokens
        try:
            result = self._term()
            complete = self.position == len(tokens)
        except (IndexError, ValueError, KeyError, TypeError, RecursionError):
            result, complete = None, False
        finally:
            self.tokens, self.position = saved
        return result if complete else Unknown(text, "template expression not evaluated")

    def _next(self):
        token = self.tokens[self.position]
        self.position += 1
        return token

    def _term(self):
        kind, text = self._next()
        if kind == "string":
            value = text[1:-1].replace("''", "'")
        elif kind == "number":
            value = int(text)
        elif kind == "name":
            args = []
            if self.position < len(self.tokens) and self.tokens[self.position][1] == "(":
                self._next()
                while self.tokens[self.position][1] != ")":
                    args.append(self._term())
                    if self.tokens[self.position][1] == ",":
                        self._next()
                self._next()
            value = self._call(text.lower(), args)
        else:
            raise ValueError(text)
        while self.position < len(self.tokens) and self.tokens[self.position][1] in (".", "["):
            _, punct = self._next()
            if punct == ".":
                key = self._next()[1]
                value = value.get(key, Unknown(key)) if isinstance(value, dict) else Unknown(f".{key}")
            else:
                index = self._term()
                self._next()  # ]
                value = value[index] if isinstance(value, (list, dict)) and not isinstance(index, Unknown) else Unknown("[]")
        return value

    def _call(self, name: str, args: list):
        if name in ("parameters", "variables") and args and isinstance(args[0], str):
            source = self.parameters if name == "parameters" else self.variables
            entry = source.get(args[0]) if source is not None else None
            if entry is None:
                return Unknown(f"{name}('{args[0]}')", "not declared")
            if name == "parameters":
                entry = entry.get("defaultValue")
                if entry is None:
                    return Unknown(f"parameters('{args[0]}')", "parameter without a default")
            self.depth += 1
            try:
                return self.value(entry) if self.depth < _MAX_DEPTH else Unknown(args[0], "too deep")
            finally:
                self.depth -= 1
        if any(isinstance(a, Unknown) for a in args):
            return Unknown(name, "depends on an unknown value")
        if name == "concat":
            if all(isinstance(a, list) for a in args):
                return [item for a in args for item in a]
            return "".join(str(a) for a in args)
        if name == "format" and args and isinstance(args[0], str):
            return re.sub(r"\{(\d+)(?::[^}]*)?\}", lambda m: str(args[int(m.group(1)) + 1]), args[0])
        if name in ("tolower", "toupper"):
            return args[0].lower() if name == "tolower" else args[0].upper()
        if name == "string":
            return str(args[0])
        return Unknown(f"{name}(...)", f"{name}() is evaluated at deployment")


def _nested_expressions(properties: Node, inner: Node, outer: _Expressions) -> _Expressions:
    """ARM evaluates a nested template's expressions in the parent's scope unless
    expressionEvaluationOptions.scope is "inner"; then its parameters take the values the
    deployment passes (evaluated in the parent), else their own defaults."""
    options = properties.get("expressionEvaluationOptions")
    scope = (options.get("scope").value if options is not None and options.get("scope") is not None else "outer")
    if str(scope).lower() != "inner":
        return outer
    passed = properties.get("parameters")
    declared = inner.get("parameters")
    merged: dict[str, Node] = {}
    for name, declaration in declared.items() if declared is not None else []:
        value = passed.get(name) if passed is not None else None
        given = value.get("value") if value is not None else None
        if given is not None:
            resolved = outer.value(given)
            merged[name] = Node({"defaultValue": _as_node(resolved, given.span)}, declaration.span)
        else:
            merged[name] = declaration
    return _Expressions(Node(merged, declared.span if declared is not None else inner.span), inner.get("variables"))


def _as_node(value, span: Span) -> Node:
    """An evaluated value back as located Nodes (unknown parts stay unknown placeholders)."""
    if isinstance(value, Unknown):
        return Node(value.placeholder(), span)
    if isinstance(value, dict):
        return Node({k: _as_node(v, span) for k, v in value.items()}, span)
    if isinstance(value, list):
        return Node([_as_node(v, span) for v in value], span)
    return Node(value, span)


def _text(value) -> str | None:
    if isinstance(value, Unknown):
        return value.placeholder()
    if isinstance(value, (str, int)):
        return str(value)
    return None


def _resources(container: Node):
    """Resources of a template: a list, or (languageVersion 2.0) an object keyed by symbolic name."""
    resources = container.get("resources")
    if resources is None:
        return []
    if isinstance(resources.value, dict):
        return [(name, r) for name, r in resources.items()]
    return [(None, r) for r in resources.as_list()]


def scan_arm(document: Node, source: SourceFile) -> list[FicInput]:
    expressions = _Expressions(document.get("parameters"), document.get("variables"))
    fics: list[FicInput] = []
    _walk(document, expressions, source, None, fics, 0)
    return fics


def _walk(container: Node, expressions: _Expressions, source: SourceFile, parent_name, fics: list, depth: int,
          identity_tags: dict | None = None) -> None:
    if depth > _MAX_DEPTH:
        return
    identity_tags = {} if identity_tags is None else identity_tags
    for symbolic, resource in _resources(container):
        if not isinstance(resource.value, dict):
            continue
        kind = (_text(expressions.value(resource.get("type") or Node("", resource.span))) or "").lower()
        name = _text(expressions.value(resource.get("name") or Node("", resource.span))) or ""
        full_kind = kind if "/" in kind and kind.count("/") >= 2 or parent_name is None else f"{IDENTITY_TYPE}/{kind}"
        if kind == IDENTITY_TYPE or kind.endswith("/userassignedidentities"):
            tags = expressions.value(resource.get("tags")) if resource.get("tags") is not None else {}
            identity_tags[name] = [str(v) for k, v in (tags.items() if isinstance(tags, dict) else [])
                                   if k.lower() in ("env", "environment", "stage", "tier") and isinstance(v, str)]
            _walk(resource, expressions, source, name, fics, depth + 1, identity_tags)
        elif full_kind == FIC_TYPE or kind == "federatedidentitycredentials":
            fic = _fic(resource, name, parent_name, symbolic, expressions, source, identity_tags)
            if fic is not None:
                fics.append(fic)
        elif kind == "microsoft.resources/deployments":
            properties = resource.get("properties")
            inner = properties.get("template") if properties is not None else None
            if inner is not None and isinstance(inner.value, dict):
                _walk(inner, _nested_expressions(properties, inner, expressions), source, None, fics, depth + 1, identity_tags)


def _fic(resource: Node, name: str, parent_name, symbolic, expressions: _Expressions, source: SourceFile,
         identity_tags: dict) -> FicInput | None:
    properties = resource.get("properties")
    if properties is None or not isinstance(properties.value, dict):
        return None
    if parent_name is None:
        parent_name, _, short = name.partition("/")
    else:
        short = name
    issuer = properties.get("issuer")
    subject = properties.get("subject")
    audiences = properties.get("audiences")
    matching = properties.get("claimsMatchingExpression")
    expression = matching.get("value") if matching is not None and isinstance(matching.value, dict) else None
    if issuer is None or (subject is None and expression is None):
        return None
    key = resource.key_span or resource.span
    header = Span(key.line, key.column, key.line, len(source.line_text(key.line)) + 1)
    issuer_value = _text(expressions.value(issuer))
    audience_values = expressions.value(audiences) if audiences is not None else []
    return FicInput(
        address=symbolic or f"{parent_name}/{short}",
        resource_type="Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials",
        location=Location(source.path, header),
        parent=parent_name,
        parent_kind="managed-identity",
        issuer=None if issuer_value is None or "\u27e8" in issuer_value else issuer_value,
        issuer_span=issuer.span,
        subject=_text(expressions.value(subject)) if subject is not None else None,
        subject_span=subject.span if subject is not None else None,
        audiences=[(_text(a) or "", node.span) for a, node in zip(
            audience_values if isinstance(audience_values, list) else [],
            audiences.value if audiences is not None and isinstance(audiences.value, list) else [audiences] * 99)],
        expression=_text(expressions.value(expression)) if expression is not None else None,
        expression_span=expression.span if expression is not None else None,
        names=[parent_name, *identity_tags.get(parent_name, [])],
    )


def is_fic_file(document: Node) -> bool:
    """A credential body for `az ad app federated-credential create --parameters` /
    `az identity federated-credential create`: issuer, subject (or an expression), audiences."""
    keys = {k.lower() for k in document.value} if isinstance(document.value, dict) else set()
    return "issuer" in keys and ("subject" in keys or "claimsmatchingexpression" in keys) and "audiences" in keys


def scan_fic_file(document: Node, source: SourceFile) -> list[FicInput]:
    items = {k.lower(): v for k, v in document.items()}
    name = items.get("name")
    matching = items.get("claimsmatchingexpression")
    expression = matching.get("value") if matching is not None and isinstance(matching.value, dict) else None
    subject = items.get("subject")
    audiences = items.get("audiences")
    header = Span(document.span.line, document.span.column, document.span.line, document.span.column + 1)
    file_name = source.path.rsplit("/", 1)[-1]
    return [FicInput(
        address=(name.value if name is not None and isinstance(name.value, str) else file_name),
        resource_type="federated-identity-credential",
        location=Location(source.path, header),
        parent=file_name,
        parent_kind="application",
        issuer=items["issuer"].value if isinstance(items["issuer"].value, str) else None,
        issuer_span=items["issuer"].span,
        subject=subject.value if subject is not None and isinstance(subject.value, str) else None,
        subject_span=subject.span if subject is not None else None,
        audiences=[(a.value, a.span) for a in audiences.as_list() if isinstance(a.value, str)] if audiences is not None else [],
        expression=expression.value if expression is not None and isinstance(expression.value, str) else None,
        expression_span=expression.span if expression is not None else None,
        names=[file_name, source.path.rsplit("/", 1)[0] if "/" in source.path else ""],
    )]
