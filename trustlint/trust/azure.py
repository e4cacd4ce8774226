"""Azure (Entra) federated identity credentials: managed identities and app registrations.

A classic FIC matches issuer, subject and audience exactly (a `*` is a literal character).
A flexible FIC replaces the subject with `claimsMatchingExpression`, a small language of
`claims['NAME'] matches|eq 'VALUE'` clauses joined by `and` (`matches`: `*` any run, `?` one
character). All FICs of one identity and issuer form one trust: any of them lets a token in.
Sources: ../shared/reference/oidc-claims.md (Azure section).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import AnalysisError
from ..model import Admission, Constraint, Issuer, Location, ScanModel, TrustRelationship
from ..resources import FicInput
from ..source import Span
from .glob import glob_match, has_wildcard
from .platforms import normalise_issuer, platform_of
from ..lazy_re import lazy

EXCHANGE_AUDIENCES = {"api://azureadtokenexchange", "api://azureadtokenexchangeusgov", "api://azureadtokenexchangechina"}


@dataclass
class Clause:
    """One `claims['x'] matches|eq 'v'` test of a flexible federated credential."""

    claim: str
    operator: str  # matches | eq
    value: str


_CLAUSE = lazy(r"\s*claims\s*\[\s*'(?P<claim>[^']+)'\s*\]\s+(?P<op>matches|eq)\s+'(?P<value>(?:[^']|'')*)'\s*", re.IGNORECASE)


def parse_expression(text: str, span: Span) -> list[Clause]:
    """Parse a claimsMatchingExpression; a malformed one is an AnalysisError at its span."""
    clauses = []
    rest = text
    while True:
        match = _CLAUSE.match(rest)
        if not match:
            near = rest.strip()[:40] or "end of expression"
            raise AnalysisError(f"claimsMatchingExpression is malformed near {near!r} "
                                "(expected claims['NAME'] matches|eq 'VALUE', joined by 'and')", span)
        clauses.append(Clause(match.group("claim"), match.group("op").lower(), match.group("value").replace("''", "'")))
        rest = rest[match.end():]
        if not rest.strip():
            return clauses
        joiner = re.match(r"\s*and\s+", rest, re.IGNORECASE)
        if not joiner:
            raise AnalysisError(f"claimsMatchingExpression: expected 'and' near {rest.strip()[:40]!r} (there is no 'or')", span)
        rest = rest[joiner.end():]


def _fic_constraint(fic: FicInput, path: str) -> Constraint:
    if fic.expression is not None:
        span = fic.expression_span or fic.location.span
        return Constraint("sub", "claimsMatchingExpression", "matches", [fic.expression], [span], Location(path, span))
    span = fic.subject_span or fic.location.span
    return Constraint("sub", "subject", "eq", [fic.subject or ""], [span], Location(path, span))


def build_trusts(fics: list[FicInput], model: ScanModel) -> None:
    """Group FICs by (parent, issuer) into trusts."""
    groups: dict[tuple[str, str], list[tuple[FicInput, list[Clause] | None]]] = {}
    for fic in fics:
        _explain_unknown_parts(fic, model)
        clauses = None
        if fic.expression is not None:
            try:
                clauses = parse_expression(fic.expression, fic.expression_span or fic.location.span)
            except AnalysisError as exc:
                from ..model import Problem

                model.problems.append(Problem(Location(fic.location.path, exc.span), f"{fic.address}: {exc.message}", fic.address))
                continue
        elif fic.subject is None:
            continue
        issuer = normalise_issuer(fic.issuer) if fic.issuer else "?"
        groups.setdefault((fic.parent, issuer), []).append((fic, clauses))
    for (parent, issuer), members in sorted(groups.items()):
        model.trusts.append(_trust(parent, issuer, members))


def _explain_unknown_parts(fic: FicInput, model: ScanModel) -> None:
    """What of a credential is not known statically goes to --explain-unknowns: an unknown
    issuer or subject only ever equals itself (never a finding), which must not be silent."""
    where = Location(fic.location.path, fic.location.span)
    if fic.issuer is None:
        model.unknowns.append((where, fic.address, "issuer not known statically: judged as an issuer of its own"))
    if fic.subject is not None and "\u27e8" in fic.subject:
        model.unknowns.append((where, fic.address, f"subject not known statically ({fic.subject}): it only equals itself"))
    if fic.subject is None and fic.expression is None:
        reason = ("claims_matching_expression not known statically" if fic.expression_span is not None
                  else "no subject or claims matching expression")
        model.unknowns.append((where, fic.address, f"{reason}; not judged"))


def _matches(clause: Clause, claims: dict) -> tuple[bool, bool]:
    """(matched, exact) for one clause."""
    value = claims.get(clause.claim)
    if value is None:
        return False, False
    if clause.operator == "eq":
        return value == clause.value, True
    return glob_match(clause.value, value), not has_wildcard(clause.value)


def _trust(parent: str, issuer: str, members: list) -> TrustRelationship:
    first = members[0][0]
    constraints = [(_fic_constraint(fic, fic.location.path), fic, clauses) for fic, clauses in members]

    def admits(claims: dict) -> Admission:
        for constraint, fic, clauses in constraints:
            if clauses is None:
                if claims.get("sub") == fic.subject:  # exact: a '*' in a classic subject is literal
                    return Admission(True, blamed=constraint, blamed_value=0, exact=True, statement=fic.location)
                continue
            results = [_matches(c, claims) for c in clauses]
            if all(matched for matched, _ in results):
                sub_exact = any(c.claim == "sub" and exact for c, (_, exact) in zip(clauses, results))
                return Admission(True, blamed=constraint, blamed_value=0, exact=sub_exact, statement=fic.location)
        return Admission(False)

    url = None if issuer == "?" else issuer
    unchecked_audience = [
        Constraint("aud", "audiences", "eq", [text], [span], Location(fic.location.path, span))
        for fic, _ in members for text, span in fic.audiences
        if text.strip().lower() not in EXCHANGE_AUDIENCES and "\u27e8" not in text
    ]
    platform = platform_of(url)
    anchors: dict[str, list[str]] = {}
    for fic, clauses in members:
        for claim, value in ([(c.claim, c.value) for c in clauses] if clauses else [("sub", fic.subject or "")]):
            anchors.setdefault(claim, []).append(value)
    conjunctions, requirements = [], []
    for fic, clauses in members:
        if clauses is None:
            conjunctions.append([[(fic.subject or "", False, False)]])  # classic: exact, '*' literal
            requirements.append({})
        else:
            conjunctions.append([[(c.value, c.operator.lower() == "matches", False)] for c in clauses if c.claim == "sub"])
            requirements.append({c.claim: [(c.value, c.operator.lower() == "matches")] for c in clauses if c.claim != "sub"})
    return TrustRelationship(
        provider="azure",
        address=first.parent if len(members) > 1 else first.address,
        resource_type=first.resource_type if len(members) == 1 else f"{first.parent_kind} federated credentials",
        principal_kind=first.parent_kind,
        principal_name=parent,
        location=first.location,
        issuer=Issuer(url, platform, Location(first.location.path, first.issuer_span or first.location.span)),
        subject=[c for c, _, _ in constraints],
        audience=[],
        other_conditions=[],
        admits=admits,
        statements=[fic.location for fic, _ in members],
        names=sorted({n for fic, _ in members for n in fic.names}),
        audience_broad=unchecked_audience if platform not in ("google", "cognito", "unknown") else [],
        anchors=anchors,
        related=[Location(fic.location.path, fic.location.span, "federated credential") for fic, _ in members[1:]],
        subject_conjunctions=conjunctions,
        claim_requirements=requirements,
    )
