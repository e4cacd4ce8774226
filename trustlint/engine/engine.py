"""The rule engine: evaluates compiled rules over facts and produces findings."""

from __future__ import annotations

import re

from ..errors import AnalysisError
from ..findings import Finding, Related
from ..source import Span
from ..cel_subset import is_plain_json
from .rules import Rule, compile_rule, evaluate
from ..lazy_re import lazy

_PLACEHOLDER = lazy(r"\{([a-z_]+(?:\.[a-z_]+)*)\}")
ERROR_RULE_ID = "TL000"


def lookup(scope: dict, dotted: str):
    value = scope
    for part in dotted.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def render(template: str, scope: dict) -> str:
    def replace(match: re.Match) -> str:
        value = lookup(scope, match.group(1))
        if isinstance(value, list):
            return ", ".join(str(v) for v in value)
        return "" if value is None else str(value)

    return _PLACEHOLDER.sub(replace, template)


def _span(location: dict | None) -> Span:
    if not location:
        return Span(1, 1, 1, 1)
    return Span(location["line"], location["column"], location["end_line"], location["end_column"])


class _CelValues:
    """A fact, and each for_each item of it, converted for cel-python only when some rule
    expression needs cel-python (rules.evaluate), and then once. A fact that is not plain
    JSON is converted up front, so a fact cel-python cannot take fails here as it always did
    (ValueError, OverflowError, TypeError), whether or not a rule would need cel-python."""

    def __init__(self, fact: dict):
        self.fact = fact
        self._fact = None
        self._items: dict[int, tuple] = {}  # id(item) -> (item, converted item)
        if not is_plain_json(fact):
            self._converted_fact()

    def _converted_fact(self):
        if self._fact is None:
            import celpy

            self._fact = celpy.json_to_cel(self.fact)
        return self._fact

    def activation(self, kind: str, item) -> dict:
        activation = {kind: self._converted_fact()}
        if item is not None:
            if id(item) not in self._items:
                import celpy

                self._items[id(item)] = (item, celpy.json_to_cel(item))
            activation["item"] = self._items[id(item)][1]
        return activation


class Engine:
    def __init__(self, rules: list[Rule]):
        self.rules = rules  # compiled on first use: a scan pays only for the kinds it meets

    def run(self, facts: list[dict]) -> list[Finding]:
        findings: list[Finding] = []
        for fact in facts:
            kind = fact["kind"]
            applicable = [r for r in self.rules if kind in r.kinds]
            if not applicable:
                continue
            try:
                converted = _CelValues(fact)
            except (ValueError, OverflowError, TypeError) as exc:
                findings.append(self._rule_failure(applicable[0], fact, AnalysisError(f"facts cannot be evaluated ({exc})")))
                continue
            for rule in applicable:
                try:
                    compile_rule(rule)
                    findings.extend(self._apply(rule, fact, converted))
                except AnalysisError as exc:
                    findings.append(self._rule_failure(rule, fact, exc))
        return findings

    def _apply(self, rule: Rule, fact: dict, converted: _CelValues) -> list[Finding]:
        kind = fact["kind"]
        items = [None]
        if rule.for_each:
            items = lookup({kind: fact}, rule.for_each) or lookup(fact, rule.for_each) or []
        out = []
        for item in items:
            scope = {kind: fact}  # the names rule expressions and message templates read
            if item is not None:
                scope["item"] = item

            def cel_activation(item=item):
                return converted.activation(kind, item)

            if not evaluate(rule, "when", scope, cel_activation):
                continue
            severity = rule.severity
            for index, case in enumerate(rule.severity_cases):
                if evaluate(rule, f"severity_cases/{index}/when", scope, cel_activation):
                    severity = case["severity"]
                    break
            location = lookup(scope, rule.location) or fact.get("location")
            out.append(Finding(
                rule_id=rule.id,
                rule_name=rule.name,
                severity=severity,
                message=render(rule.message, scope),
                path=(location or {}).get("path", fact.get("path", "")),
                span=_span(location),
                address=str(lookup(scope, rule.address) or fact.get("address", "")) if rule.address else fact.get("address", ""),
                fix=render(rule.fix, scope),
                value=str(lookup(scope, rule.value) or "") if rule.value else "",
                admits=str(lookup(scope, rule.admits) or "") if rule.admits else "",
                related=self._related(fact, location, lookup(scope, rule.related) if rule.related else None),
            ))
        return out

    def _related(self, fact: dict, primary: dict | None, extra: list | None = None) -> tuple:
        related = []
        header = fact.get("location")
        if header:
            related.append((header, "resource"))
        related.extend((r, r["label"]) for r in [*fact.get("related", []), *(extra or [])])
        out, seen = [], set()
        for location, label in related:
            key = (location["path"], location["line"], location["column"])
            if location == primary or key in seen or primary and key == (primary["path"], primary["line"], primary["column"]):
                continue
            seen.add(key)
            out.append(Related(location["path"], _span(location), label))
        return tuple(out)

    def _rule_failure(self, rule: Rule, fact: dict, exc: AnalysisError) -> Finding:
        location = fact.get("location") or {}
        return Finding(
            rule_id=ERROR_RULE_ID,
            rule_name="analysis-error",
            severity="high",
            message=f"{fact.get('address') or fact.get('path')}: {exc.message}",
            path=location.get("path", fact.get("path", "")),
            span=_span(location),
            address=fact.get("address", ""),
            value=f"rule:{rule.id}",
        )
