"""AWS IAM policy documents: reading statements and evaluating conditions faithfully.

Semantics (IAM policy evaluation logic, condition operators reference):
- several values under one key: OR (for negated operators: the value must match none);
- several keys or operators in one Condition block: AND;
- several Allow statements: OR; a matching Deny statement wins;
- a key absent from the request: false, except for negated operators, `...IfExists`,
  `ForAllValues:` (vacuously true) and `Null: true`;
- StringLike: `*` and `?` are the only wildcards; StringEquals compares exactly, so `*` there is
  a literal asterisk. Condition keys are case-insensitive, values case-sensitive.
Results are three-valued: True, False, or None when trustlint cannot know (an unmodelled key).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import AnalysisError
from ..source import SourceFile, Span
from ..values import Node, Template, Unknown, text_of
from .glob import glob_match, has_wildcard

_STRING_OPERATORS = {
    "stringequals": ("equals", True, False),
    "stringnotequals": ("equals", False, False),
    "stringequalsignorecase": ("equals", True, True),
    "stringnotequalsignorecase": ("equals", False, True),
    "stringlike": ("like", True, False),
    "stringnotlike": ("like", False, False),
    "arnequals": ("like", True, False),
    "arnlike": ("like", True, False),
    "arnnotequals": ("like", False, False),
    "arnnotlike": ("like", False, False),
}


@dataclass
class Clause:
    """One key under one operator of a Condition block."""

    operator: str  # as written
    base: str  # lower-case operator without qualifier/IfExists, e.g. "stringlike"
    qualifier: str | None  # "forallvalues" | "foranyvalue" | None
    if_exists: bool
    key: str  # as written
    values: list[Node]
    span: Span  # of the key
    operator_span: Span

    @property
    def positive(self) -> bool:
        spec = _STRING_OPERATORS.get(self.base)
        return spec[1] if spec else True

    @property
    def vacuous_when_missing(self) -> bool:
        return self.if_exists or self.qualifier == "forallvalues"

    def texts(self) -> list[str]:
        return [text_of(v) or "" for v in self.values]


@dataclass
class Statement:
    """One statement of an IAM policy document, its conditions as clauses."""

    effect: str
    span: Span
    principal: Node | None
    not_principal: Node | None
    actions: list[Node]
    not_actions: list[Node]
    clauses: list[Clause] = field(default_factory=list)
    unknown_condition: bool = False  # the Condition block itself could not be read
    sid: str | None = None


# -- reading ------------------------------------------------------------------------------------

def _lower_keys(node: Node) -> dict[str, tuple[str, Node]]:
    return {k.lower(): (k, v) for k, v in node.items()}


def policy_from_node(node: Node, path: str) -> tuple[Node, str]:
    """A policy document as a mapping Node, and the file its spans refer to: JSON text
    (a heredoc, a file() read, a string) is parsed here."""
    if isinstance(node.value, dict):
        return node, path
    if isinstance(node.value, str):
        from ..input.jsonpos import load_json

        embedded = node.embedded
        if embedded is None:
            # A JSON string written inline: spans are relative to the string, so anchor
            # everything at the string itself rather than report wrong positions.
            embedded = _AnchoredSource(path, node.value, node.span)
        try:
            return load_json(embedded), embedded.path
        except AnalysisError as exc:
            if embedded.path != path:
                raise AnalysisError(f"{embedded.path}: {exc.message}", node.span) from None
            raise
    raise AnalysisError("trust policy is not a JSON object", node.span)


class _AnchoredSource(SourceFile):
    def __init__(self, path: str, text: str, anchor: Span):
        object.__setattr__(self, "path", path)
        object.__setattr__(self, "text", text)
        object.__setattr__(self, "_anchor", anchor)

    def position(self, offset: int) -> tuple[int, int]:
        return self._anchor.line, self._anchor.column


def read_statements(policy: Node) -> list[Statement]:
    """The statements of a policy document; raises AnalysisError when its shape is wrong."""
    keys = _lower_keys(policy)
    if "statement" not in keys:
        raise AnalysisError("policy document has no Statement", policy.span)
    raw = keys["statement"][1]
    if isinstance(raw.value, (Unknown,)):
        raise AnalysisError(f"Statement is not known statically ({raw.value.expr})", raw.span)
    statements = []
    for item in raw.as_list():
        if isinstance(item.value, (Unknown, Template)):
            continue  # a statement known only after apply cannot be judged: never a finding
        if not isinstance(item.value, dict):
            raise AnalysisError("a Statement must be an object (or a list of objects)", item.span)
        statements.append(_read_statement(item))
    return statements


def _read_statement(node: Node) -> Statement:
    keys = _lower_keys(node)

    def get(name: str) -> Node | None:
        return keys[name][1] if name in keys else None

    effect_node = get("effect")
    effect = text_of(effect_node) if effect_node is not None else "Allow"
    if effect is None or effect.lower() not in ("allow", "deny"):
        if effect_node is not None and not effect_node.is_known:
            effect = "Unknown"  # decided at deploy time: neither grants nor blocks here
        else:
            raise AnalysisError("Effect must be \"Allow\" or \"Deny\"", effect_node.span if effect_node is not None else node.span)
    statement = Statement(
        effect=effect,
        span=node.span,
        principal=get("principal"),
        not_principal=get("notprincipal"),
        actions=get("action").as_list() if get("action") else [],
        not_actions=get("notaction").as_list() if get("notaction") else [],
        sid=text_of(get("sid")),
    )
    condition = get("condition")
    if condition is not None:
        if not isinstance(condition.value, dict):
            statement.unknown_condition = condition.value is not None
        else:
            for operator, block in condition.items():
                if not isinstance(block.value, dict):
                    statement.unknown_condition = True
                    continue
                for key, values in block.items():
                    statement.clauses.append(_clause(operator, block, key, values))
    return statement


def _clause(operator: str, block: Node, key: str, values: Node) -> Clause:
    lowered = operator.lower()
    qualifier = None
    if ":" in lowered:
        qualifier, _, lowered = lowered.partition(":")
    if_exists = lowered.endswith("ifexists")
    base = lowered[: -len("ifexists")] if if_exists else lowered
    items = values.as_list() if values.value is not None else []
    return Clause(operator, base, qualifier, if_exists, key, items, values.key_span or values.span,
                  block.key_span or block.span)


# -- evaluating ---------------------------------------------------------------------------------

ABSENT = object()
FREE = object()  # the caller chooses the value (e.g. sts:RoleSessionName, a token's aud)
UNKNOWN = object()


@dataclass
class ClauseResult:
    """How one condition clause answered for one token (None: not knowable statically)."""

    value: bool | None
    matched_index: int | None = None  # which policy value matched (positive operators)
    exact: bool = False
    vacuous: bool = False


def evaluate_clause(clause: Clause, request) -> ClauseResult:
    """Evaluate one clause against the request's value for its key: a list of strings,
    ABSENT, FREE or UNKNOWN."""
    if request is FREE:
        return ClauseResult(True)
    if request is UNKNOWN:
        return ClauseResult(None)
    if clause.base == "null":
        wants_absent = [t.lower() == "true" for t in clause.texts()]
        absent = request is ABSENT
        return ClauseResult(any(w == absent for w in wants_absent))
    spec = _STRING_OPERATORS.get(clause.base)
    if spec is None:
        return ClauseResult(None)  # numeric, date, IP, bool: not modelled for token claims
    if request is ABSENT or request == []:
        if clause.vacuous_when_missing:
            return ClauseResult(True, vacuous=True)
        if clause.qualifier == "foranyvalue":
            return ClauseResult(False)
        return ClauseResult(not spec[1])
    kind, positive, ignore_case = spec
    patterns = clause.texts()

    def match_one(value: str) -> tuple[int | None, bool]:
        for index, pattern in enumerate(patterns):
            a, b = (pattern.lower(), value.lower()) if ignore_case else (pattern, value)
            if kind == "equals" and a == b:
                return index, True
            if kind == "like" and glob_match(a, b):
                return index, not has_wildcard(pattern)
        return None, False

    results = [match_one(v) for v in request]
    if positive:
        if clause.qualifier == "forallvalues":
            ok = all(index is not None for index, _ in results)
        else:
            ok = any(index is not None for index, _ in results)
        first = next(((i, e) for i, e in results if i is not None), (None, False))
        return ClauseResult(ok, first[0] if ok else None, first[1] if ok else False)
    # Negated operators: true when the value matches none of the policy values.
    if clause.qualifier == "foranyvalue":
        return ClauseResult(any(index is None for index, _ in results))
    return ClauseResult(all(index is None for index, _ in results))


def action_matches(statement: Statement, action: str) -> bool | None:
    def matches(nodes: list[Node]) -> bool | None:
        unknown = False
        for node in nodes:
            if not node.is_known:
                unknown = True
                continue
            if glob_match((text_of(node) or "").lower(), action.lower()):
                return True
        return None if unknown else False

    if statement.not_actions:
        result = matches(statement.not_actions)
        return None if result is None else not result
    return matches(statement.actions)


def principal_entries(statement: Statement) -> list[tuple[str, Node]]:
    """(type, value) pairs of a Principal: ("*", node) for `"*"`, else ("federated", node) etc."""
    principal = statement.principal
    if principal is None:
        return []
    if isinstance(principal.value, str) and principal.value == "*":
        return [("*", principal)]
    entries = []
    for kind, values in principal.items():
        for value in values.as_list():
            entries.append((kind.lower(), value))
    return entries

