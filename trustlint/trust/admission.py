"""Admission decided from the patterns themselves: which workloads a subject pattern admits.

Each issuer's `sub` claim has a grammar (`claim_grammars.py`): literal text and slots such as
OWNER, NAME or BRANCH, each slot with its character class and its scope (tenant, repository,
workload). A trust's conditions on `sub` are glob patterns (IAM StringLike, Azure `matches`)
or exact values (StringEquals, classic FICs, Deny exemptions). The search walks the product of
the grammar with every pattern of one conjunction, character by character, breadth first:

- Slot characters are drawn from the patterns' own literal characters plus one *fresh*
  character that no pattern names. A fresh character can only be consumed by a wildcard, so a
  path that puts one in a slot proves the slot is open: another value fits there (a fresh
  character stands for every character no pattern names, which is what makes the search
  exact rather than sampled).
- The first accepting path with a fresh character in a tenant slot is a witness for "another
  account/organisation", in a repository slot for "another repository of the owner", in a
  workload slot (or several contexts accepted) for "another branch/context of the workload".
- A pattern set that accepts exactly one grammar string names one workload: no witness.

Witness strings are rendered with readable attacker values where a `*` allows it, turned into
full tokens (every claim consistent with the sub) and then confirmed by the trust's own
evaluator (`TrustRelationship.admits`), so every reported witness is one the cloud admits.
The search is linear in pattern length times grammar length for the usual shapes and is
bounded by MAX_STATES; a search that hits the bound is reported, never passed silently.
"""

from __future__ import annotations

import re
import time
from collections import deque
from dataclasses import dataclass
from functools import lru_cache

from .claim_grammars import (OPAQUE, PER_RUN, REPOSITORY, REPOSITORY_ID, REPOSITORY_NAME, TENANT, TENANT_ID, TENANT_NAME, WORKLOAD,
                             Alternative, Slot, custom_template_alternatives, grammar_for)
from .glob import STAR as _GLOB_STAR
from .glob import _Literal, tokens

# Pattern items: a character (str) or one of these (distinct from a literal '*' or '?').
STAR, ONE = object(), object()


@dataclass(frozen=True)
class CharClass:
    """A pattern item for one character of a set (a regular expression's `[a-z]`, `.`, `\\d`),
    or any run of them (`star`). `negated`: every character but those listed. `unknown`:
    whether a placeholder for a value not known statically counts as a member (it does for
    `.` and negated sets, which take any character)."""

    chars: frozenset
    negated: bool = False
    star: bool = False
    unknown: bool = False

    def accepts(self, char: str) -> bool:
        if OPAQUE <= char <= "\uf8ff":
            return self.unknown
        return (char in self.chars) != self.negated


ANY_RUN = CharClass(frozenset(), negated=True, star=True, unknown=True)  # a regular expression's `.*`

SCOPE_ORDER = {TENANT: 0, REPOSITORY: 1, WORKLOAD: 2}  # widest first
MAX_STATES = 200_000  # product states per conjunction: far above real patterns (a few thousand)
_FRESH_CANDIDATES = "xqzjkvwyubgfhmnpclrtsoiade0123456789"


class SearchLimit(Exception):
    """The product search exceeded MAX_STATES: the trust's breadth could not be decided."""


@dataclass(frozen=True)
class Witness:
    """A grammar string every pattern of a conjunction accepts, with its slot values."""

    text: str
    alternative: Alternative
    slots: dict
    scope: str  # TENANT | REPOSITORY | WORKLOAD: the widest open slot (or several contexts)
    fixed_prefix: frozenset = frozenset()  # slots whose value starts with the patterns' literal text


# -- patterns as character automata -----------------------------------------------------------

def _compile(value: str, like: bool, ignore_case: bool) -> tuple:
    """A pattern as a tuple of items: a character, STAR or ONE. Placeholders for values not
    known statically (⟨var.x⟩) become one opaque character: an unknown never varies."""
    items: list = []
    for token in (tokens(value) if like else (_Literal(value),)):
        if isinstance(token, _Literal):
            items.extend(_opaque(str(token).lower() if ignore_case else str(token)))
        else:
            items.append(STAR if token == _GLOB_STAR else ONE)
    return tuple(items)


def _opaque(text: str) -> list[str]:
    out, i = [], 0
    while i < len(text):
        if text[i] == "\u27e8":
            end = text.find("\u27e9", i)
            if end != -1:
                out.append(OPAQUE)
                i = end + 1
                continue
        out.append(text[i])
        i += 1
    return out


def _closure(union: tuple, states) -> frozenset:
    """States of a union of patterns are (value index, position) pairs; a `*` also stands
    for the position after it."""
    out = set(states)
    stack = list(states)
    while stack:
        v, i = stack.pop()
        items = union[v]
        if i < len(items) and _skippable(items[i]) and (v, i + 1) not in out:
            out.add((v, i + 1))
            stack.append((v, i + 1))
    return frozenset(out)


def _skippable(item) -> bool:
    return item is STAR or (isinstance(item, CharClass) and item.star)


def _start(union: tuple) -> frozenset:
    return _closure(union, {(v, 0) for v in range(len(union))})


def _step(union: tuple, states: frozenset, char: str) -> frozenset:
    nxt = set()
    for v, i in states:
        items = union[v]
        if i >= len(items):
            continue
        item = items[i]
        if item is STAR:
            nxt.add((v, i))
        elif isinstance(item, CharClass):
            if item.accepts(char):
                nxt.add((v, i) if item.star else (v, i + 1))
        elif item is ONE or item == char:
            nxt.add((v, i + 1))
    return _closure(union, nxt) if nxt else frozenset()


def _final(union: tuple, states: frozenset) -> bool:
    return any(i == len(union[v]) for v, i in states)


# -- the product search ------------------------------------------------------------------------

_SCOPE_BITS = {WORKLOAD: 1, REPOSITORY_NAME: 2, REPOSITORY_ID: 4, TENANT_NAME: 8, TENANT_ID: 16,
               REPOSITORY: 2 | 4, TENANT: 8 | 16, PER_RUN: 0}
_SLOT_ORDER = {TENANT: 0, TENANT_NAME: 0, TENANT_ID: 0, REPOSITORY: 1, REPOSITORY_NAME: 1, REPOSITORY_ID: 1, WORKLOAD: 2,
               PER_RUN: 3}


def _fresh_for(slot: Slot, named: set[str], classes: tuple = ()) -> list[str]:
    """Characters no pattern names, one per way the patterns' character classes treat them:
    each stands for every unnamed character its classes agree on (without classes, one)."""
    fresh: dict[tuple, str] = {}
    for char in _candidates(slot):
        if char not in named:
            if not classes:
                return [char]
            fresh.setdefault(tuple(c.accepts(char) for c in classes), char)
    return list(fresh.values())


@lru_cache(maxsize=64)
def _candidates(slot: Slot) -> str:
    """The characters a slot allows, readable ones first (one slot's list, sorted once)."""
    allowed = dict.fromkeys(c for c in _FRESH_CANDIDATES + "".join(sorted(slot.chars)) if slot.allows(c))
    # A separator stands for its kind last: a character without its limits stands better.
    return "".join([c for c in allowed if c not in slot.separators] + [c for c in allowed if c in slot.separators])


def search(alternative: Alternative, patterns: list[tuple], deadline: float | None = None,
           negated: list[tuple] = ()) -> dict[int, list]:
    """Accepting paths of the product, by the set of scope bits their fresh characters set:
    {bits: path}, the first (shortest) path found for each bit set. A path is a list of
    (part index, character, fresh). Stops early once a path opens the alternative's widest
    slot (nothing wider can follow). Raises SearchLimit past MAX_STATES or the deadline."""
    positive = len(patterns)
    patterns = list(patterns) + list(negated)  # a negated clause (StringNotLike): must end unmatched
    named = {c for union in patterns for items in union for c in items if isinstance(c, str)}
    classes = tuple({c for union in patterns for items in union for c in items if isinstance(c, CharClass)})
    fresh = {j: _fresh_for(part, named, classes) for j, part in enumerate(alternative.parts) if isinstance(part, Slot)}
    widest = min((_SLOT_ORDER[part.scope] for part in alternative.parts if isinstance(part, Slot)), default=None)
    start = (0, 0, tuple(_start(union) for union in patterns), 0)
    parents: dict = {start: None}
    queue = deque([start])
    found: dict[int, list] = {}
    parts = alternative.parts
    steps: dict = {}  # (pattern index, states, char) -> states: pattern states recur across the grammar

    def step(index: int, states: frozenset, char: str) -> frozenset:
        key = (index, states, char)
        if key not in steps:
            steps[key] = _step(patterns[index], states, char)
        return steps[key]

    while queue:
        state = queue.popleft()
        j, k, pstates, bits = state
        if j == len(parts):
            if bits not in found and all(_final(union, s) == (index < positive)
                                         for index, (union, s) in enumerate(zip(patterns, pstates))):
                found[bits] = _path(parents, state)
                scope = _scope_of(bits)
                if scope is not None and SCOPE_ORDER[scope] == widest:
                    break
            continue
        part = parts[j]
        moves = []
        if isinstance(part, str):
            nj, nk = (j + 1, 0) if k + 1 == len(part) else (j, k + 1)
            moves.append((part[k], nj, nk, bits, False))
        else:
            # Only characters some pattern names *here* behave differently from the fresh one:
            # every other character is taken by a wildcard exactly as the fresh one is.
            literal = {union[v][i] for union, s in zip(patterns, pstates) for v, i in s if i < len(union[v])}
            for char in sorted(c for c in literal if isinstance(c, str) and part.allows(c)):
                moves.append((char, j, _slot_state(part, k, char), bits, False))
            for char in fresh[j]:
                moves.append((char, j, _slot_state(part, k, char), bits | _SCOPE_BITS[part.scope], True))
            if k == 1:
                moves.append((None, j + 1, 0, bits, False))  # the slot ends (never on a separator)
        for char, nj, nk, nbits, is_fresh in moves:
            if nk is None:
                continue  # a separator first or twice in a row
            if char is None:
                nxt = (nj, nk, pstates, nbits)
            else:
                stepped = tuple(step(index, s, char) for index, s in enumerate(pstates))
                if any(not s for s in stepped[:positive]):
                    continue  # a positive pattern can no longer match (a negated one simply stays unmatched)
                nxt = (nj, nk, stepped, nbits)
            if nxt in parents:
                continue
            parents[nxt] = (state, j, char, is_fresh)
            if len(parents) > MAX_STATES:
                raise SearchLimit(f"more than {MAX_STATES} states")
            if deadline is not None and len(parents) % 1024 == 0 and time.monotonic() > deadline:
                raise SearchLimit("the time budget for one trust was spent")
            queue.append(nxt)
    return found


def _slot_state(slot: Slot, k: int, char: str) -> int | None:
    """A slot's state after `char` (k: 0 empty, 1 after a character, 2 after a separator), or
    None when the slot's value cannot hold it there."""
    if char not in slot.separators:
        return 1
    return None if k != 1 else 2


def _path(parents: dict, state) -> list:
    path = []
    while parents[state] is not None:
        previous, j, char, is_fresh = parents[state]
        if char is not None:
            path.append((j, char, is_fresh))
        state = previous
    return path[::-1]


def _render(alternative: Alternative, path: list, patterns: list[tuple],
            negated: list[tuple] = ()) -> tuple[str, dict, frozenset]:
    """The witness string and its slot values. Each run of fresh characters becomes the slot's
    readable attacker word where every pattern still accepts the result (a `*` took the run;
    a `?` keeps its one fresh character)."""
    runs: list[list] = []  # [part index, [chars], is_fresh]
    for j, char, is_fresh in path:
        if runs and runs[-1][0] == j and runs[-1][2] == is_fresh:
            runs[-1][1].append(char)
        else:
            runs.append([j, [char], is_fresh])
    chosen = ["".join(chars) for _, chars, _ in runs]
    for index, (j, _, is_fresh) in enumerate(runs):
        part = alternative.parts[j]
        if not is_fresh or isinstance(part, str):
            continue
        attempt = chosen[:index] + [part.word] + chosen[index + 1:]
        candidate = "".join(attempt)
        if all(_accepts(items, candidate) for items in patterns) and not any(_accepts(items, candidate) for items in negated):
            chosen = attempt
    values: dict[str, str] = {}
    fixed = set()
    for (j, _, is_fresh), text in zip(runs, chosen):
        part = alternative.parts[j]
        if not isinstance(part, str):
            if part.name not in values and not is_fresh:
                fixed.add(part.name)
            values[part.name] = values.get(part.name, "") + text
    return "".join(chosen), values, frozenset(fixed)


def _accepts(union: tuple, text: str) -> bool:
    states = _start(union)
    for char in _opaque(text):
        states = _step(union, states, char)
        if not states:
            return False
    return _final(union, states)


# -- what one conjunction of clauses admits ---------------------------------------------------

def witnesses(platform: str, claim: str, conjunction: list, deadline: float | None = None,
              excluded: list | None = None) -> list[Witness]:
    """Witnesses outside the named workload for one conjunction of clauses on `claim`, each
    clause a list of (value, like, ignore_case) of which the token must match one (a bare
    tuple is a one-value clause). Widest first; empty when the patterns name one workload or
    accept no string of the grammar. Raises SearchLimit when the search is too large."""
    grammar = grammar_for(platform, claim)
    if grammar is None:
        return []
    clauses = [[c] if isinstance(c, tuple) else list(c) for c in conjunction]
    values = [value for clause in clauses for value, _, _ in clause]
    grammar = tuple(grammar) + tuple(custom_template_alternatives(platform, values))
    patterns = [tuple(_compile(value, like, ic) for value, like, ic in clause) for clause in clauses]
    negated = [tuple(_compile(value, like, ic) for value, like, ic in clause) for clause in (excluded or []) if clause]
    if grammar[0].context == "subject" and any(all(items and isinstance(items[0], str) for items in union) for union in patterns):
        # An issuer whose subject format trustlint does not know: a pattern pinned by literal
        # text at its start may be that format's own way to name one workload (its tail a run
        # or step id). Only a pattern open from its first character is provably open.
        return []
    if patterns and all(len(union) == 1 and all(isinstance(c, str) for c in union[0]) for union in patterns):
        found = _exact_witnesses(grammar, patterns)
        return [w for w in found if not any(_accepts(union, w.text) for union in negated)]
    accepted: list[tuple[Alternative, dict]] = []
    for alternative in grammar:
        found = search(alternative, patterns, deadline, negated)
        if found:
            accepted.append((alternative, found))
    # Several contexts accepted means several workloads only when each clause is one value:
    # across a union they may be different named values (main and pull_request, both exact).
    single = all(len(union) == 1 for union in patterns)
    ranked: list[tuple] = []
    contexts = {alternative.context for alternative, _ in accepted} if single else set()
    for alternative, found in accepted:
        for bits in sorted(found, reverse=True):
            scope = _scope_of(bits | _SCOPE_BITS.get(alternative.implicit, 0))
            if scope is None and len(contexts) < 2:
                continue  # the one workload the patterns name
            text, slots, fixed = _render(alternative, found[bits], patterns, negated)
            # The most natural witness first: the patterns' literal text on the grammar's own
            # literals (repo:*:pull_request is a pull request, not an environment so named).
            aligned = sum(1 for j, _, is_fresh in found[bits] if not is_fresh and not isinstance(alternative.parts[j], str))
            # The default forms first: a custom template is the attacker's choice only where the
            # pattern leaves nothing else.
            custom = alternative.context.startswith("custom:")
            ranked.append((SCOPE_ORDER[scope or WORKLOAD], bits == 0, custom, aligned, len(text),
                           Witness(text, alternative, slots, scope or WORKLOAD, fixed)))
    ranked.sort(key=lambda r: r[:5])
    best: dict[str, Witness] = {}
    for order, *_, witness in ranked:
        # Only the widest scope, one witness per context, so each context's tier (pull
        # requests, other branches) can be judged; narrower witnesses add nothing.
        if order == ranked[0][0]:
            best.setdefault(witness.alternative.context, witness)
    return list(best.values())


@lru_cache(maxsize=4096)
def the_one_workload(platform: str, value: str, like: bool) -> str | None:
    """The one `sub` a single pattern admits when it admits exactly one grammar string (a `?`
    or `*` standing only for the grammar's own literal text: `repo:acme/app:pull_reques?`),
    else None. A probe matching it is matched exactly, whatever wildcard the pattern holds."""
    grammar = grammar_for(platform, "sub")
    if grammar is None or not like or "\u27e8" in value:
        return None
    try:
        if witnesses(platform, "sub", [(value, like, False)]):
            return None
        patterns = [(_compile(value, like, False),)]
        accepted = [(alternative, search(alternative, patterns)) for alternative in grammar]
        accepted = [(alternative, found) for alternative, found in accepted if found]
    except SearchLimit:
        return None
    if len(accepted) != 1 or accepted[0][0].implicit is not None or set(accepted[0][1]) != {0}:
        return None
    alternative, found = accepted[0]
    return _render(alternative, found[0], patterns)[0]


def _exact_witnesses(grammar: tuple, patterns: list) -> list[Witness]:
    """Every clause one exact value: one string at most, which names one workload unless its
    form never names the repository or tenant (a custom template without them)."""
    texts = {"".join(union[0]) for union in patterns}
    if len(texts) != 1:
        return []
    (text,) = texts
    out = []
    for alternative in grammar:
        if alternative.implicit is None:
            continue
        match = _regex(alternative).fullmatch(text)
        if match:
            slots = {part.name: match.group(f"s{j}") for j, part in enumerate(alternative.parts) if isinstance(part, Slot)}
            out.append(Witness(text, alternative, slots, alternative.implicit, frozenset(slots)))
            break
    return out


@lru_cache(maxsize=None)
def _regex(alternative: Alternative):
    pieces = []
    for j, part in enumerate(alternative.parts):
        if isinstance(part, str):
            pieces.append(re.escape(part))
        else:
            chars = "".join(re.escape(c) for c in sorted(part.chars))
            pieces.append(f"(?P<s{j}>[{chars}\\ue000-\\uf8ff]+)")
    return re.compile("".join(pieces), re.DOTALL)


def _scope_of(bits: int) -> str | None:
    """The widest scope a path opened: every bit of it (an immutable subject's owner name and
    id both), else None."""
    for scope in (TENANT, REPOSITORY, WORKLOAD):
        if bits & _SCOPE_BITS[scope] == _SCOPE_BITS[scope]:
            return scope
    return None
