"""Witnesses of GCP attribute conditions: the GitHub workloads a provider's condition and a
grant's member let in, searched rather than guessed.

The condition (with the member as one more test, and google.subject required) is read by
cel_ways into the ways it can be true. For each way and each kind of GitHub job (branch,
tag, environment run from a branch or a tag, pull request) every test becomes an automaton:

- claims written inside the default `sub` (sub, repository_owner, repository, ref,
  environment) become patterns over the whole sub, each kept inside its own part of it (an
  owner test can only read the owner), and the admission search walks them with the sub's
  grammar: a fresh character in the owner means another account, in the repository name
  another repository of the owner, in the branch another context (admission.py);
- claims the token's holder picks (runner_environment, repository_visibility, event_name,
  workflow, actor, job_workflow_ref, head_ref, ...) are solved on their own: a value every
  test of the way accepts, searched the same way or tried from their few possible values;
- a repository_owner_id (repository_id) only a named value satisfies keeps the witness inside
  that owner (repository); a claim a kind of job lacks fails every test of it (CEL errors);
- a test of `sub` is also searched on the custom templates its text spells (anyone sets one on
  their own repository), each claim read from the part of that sub that spells it.

Each witness becomes a full token (witness._probe) which the trust's evaluator confirms, as
for every probe. Tokens of other issuers are not searched here (the anchored probes judge
them, and gcp.py says so).
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, replace

from .admission import _SCOPE_BITS, ANY_RUN, SCOPE_ORDER, CharClass, SearchLimit, Witness, _accepts, _render, _scope_of, search
from .cel_ways import Unsupported, parse, test_union, ways_true
from .claim_grammars import _GIT_REF, _PRINTABLE, PER_RUN, REPOSITORY, TENANT, WORKLOAD, Alternative, Slot
from .claim_grammars import _OWNER as _OWNER_SLOT
from .claim_grammars import _REPO as _NAME_SLOT
from .claim_grammars import custom_template_alternatives, grammar_for
from .witness import _opaque_values, _probe
from ..lazy_re import lazy

TIME_BUDGET_SECONDS = 2.0  # all searches of one trust; past it, TL000 for what is left
_SIMPLE = lazy(r"\s*assertion\.(\w+)\s*")
_NO_COLON = CharClass(frozenset(":"), negated=True, star=True, unknown=True)
_OWNER_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-")
_REPOSITORY_CHARS = _OWNER_CHARS | frozenset("._/")
_ENVIRONMENT_CHARS = frozenset(c for c in _PRINTABLE + " " if c != ":")
_REF_CHARS = frozenset(_GIT_REF)
_ABSENT = "\0"  # a claim name no token carries (an attribute nothing maps)


# -- where each claim of a GitHub token lives --------------------------------------------------

def _inside(prefix: tuple, chars: frozenset, suffix: tuple):
    """A test of a claim written in the sub between `prefix` and `suffix`, as a pattern over
    the whole sub: its characters and character classes kept to the claim's own characters,
    so it can never read across into another part of the sub."""
    def region(union: tuple) -> tuple:
        out = []
        for items in union:
            kept = _restrict(items, chars)
            if kept is not None:
                out.append(prefix + kept + suffix)
        return tuple(out)
    return region


def _restrict(items: tuple, chars: frozenset) -> tuple | None:
    out = []
    for item in items:
        if isinstance(item, CharClass):
            out.append(CharClass(frozenset(c for c in chars if item.accepts(c)), False, item.star, item.unknown))
        elif item in chars or "\ue000" <= item <= "\uf8ff":
            out.append(item)
        else:
            return None  # a character the claim never holds: the test cannot match it
    return tuple(out)


_REPO = tuple("repo:")
_IN_SUB = {
    "sub": lambda union: union,
    "repository_owner": _inside(_REPO, _OWNER_CHARS, ("/", ANY_RUN)),
    "repository": _inside(_REPO, _REPOSITORY_CHARS, (":", ANY_RUN)),
}
_REF_IN_SUB = _inside(_REPO + (_NO_COLON,) + tuple(":ref:"), _REF_CHARS, ())
_ENVIRONMENT_IN_SUB = _inside(_REPO + (_NO_COLON,) + tuple(":environment:"), _ENVIRONMENT_CHARS, ())


def _free(name: str, chars: str, scope: str = WORKLOAD, word: str | None = None, head: str = "",
          separators: str = "") -> Alternative:
    slot = Slot(name, frozenset(chars), scope, word or f"attacker-{name.replace('_', '-')}", separators)
    return Alternative(((head,) if head else ()) + (slot,), name)


_DIGITS = "0123456789"
_VALUE = _PRINTABLE + " "
# Claims the holder picks, and what they can be. A tuple: the claim's only values.
_CHOSEN = {
    "runner_environment": ("github-hosted", "self-hosted"),
    "ref_protected": ("false", "true"),  # a branch rule in the holder's own repository
    "jti": _free("jti", _VALUE, word="attacker-token-id"),
    "repository_visibility": ("private", "public", "internal"),
    "workflow": _free("workflow", _VALUE, word="deploy"),
    "actor": _free("actor", "abcdefghijklmnopqrstuvwxyz0123456789-", word="attacker"),
    "actor_id": _free("actor_id", _DIGITS, word="4242424244"),
    "job_workflow_ref": _free("job_workflow_ref", _VALUE, word="attacker/workflows/.github/workflows/deploy.yml@refs/heads/main"),
    "aud": _free("aud", _VALUE),
    "run_id": _free("run_id", _DIGITS, word="9000000001"), "run_number": _free("run_number", _DIGITS, word="42"),
    "run_attempt": _free("run_attempt", _DIGITS, word="1"),
    "sha": _free("sha", "0123456789abcdef", word="0" * 40), "workflow_sha": _free("workflow_sha", "0123456789abcdef", word="0" * 40),
    "job_workflow_sha": _free("job_workflow_sha", "0123456789abcdef", word="0" * 40),
    # Ids are not chosen, but another account's (repository's) is any id nobody named.
    "repository_owner_id": _free("repository_owner_id", _DIGITS, TENANT, "4242424242"),
    "repository_id": _free("repository_id", _DIGITS, REPOSITORY, "4242424243"),
}
_EVENTS = ("push", "workflow_dispatch", "schedule", "pull_request_target", "workflow_run", "release", "repository_dispatch",
           "merge_group", "issue_comment", "deployment", "check_run", "registry_package")
# Claims of GitHub tokens that are neither in the sub nor chosen (tenant-level, or the own
# workflow's path which ties the repository to the ref): a test of one is not searched.
_NOT_MODELLED = {"enterprise", "enterprise_id", "workflow_ref", "check_run_id"}
_IDS = {"repository_owner_id", "repository_id"}
# A repository custom property (repo_property_NAME): any organisation defines its own, with any value.
_PROPERTY = "repo_property_"
_ALWAYS = {"sub", "repository", "repository_owner", "repository_owner_id", "repository_id", "ref", "event_name", "workflow", "actor",
           "runner_environment", "repository_visibility", "job_workflow_ref", "iss", "aud"}  # claims every GitHub token has


@dataclass(frozen=True)
class _Job:
    """One kind of GitHub job: its default-sub form and where each claim lives for it."""

    name: str
    context: str  # the grammar alternative's context
    in_sub: dict  # claim -> region over the sub
    fixed: dict  # claim -> its one value for this kind of job
    chosen: dict  # claim -> tuple of values | Alternative (a grammar to search)
    ref_head: str = "refs/"  # how this kind of job's ref begins (refs/heads/, refs/tags/, refs/pull/)


def _jobs() -> list[_Job]:
    branch_ref = _free("ref", _GIT_REF, word="attacker-branch", head="refs/heads/", separators="/")
    tag_ref = _free("ref", _GIT_REF, word="attacker-tag", head="refs/tags/", separators="/")
    base = dict(_IN_SUB)
    pushed = {"head_ref": "", "base_ref": "", "iss": "https://token.actions.githubusercontent.com"}
    return [
        _Job("branch", "branch", dict(base, ref=_REF_IN_SUB), dict(pushed, ref_type="branch"), dict(_CHOSEN, event_name=_EVENTS),
             "refs/heads/"),
        _Job("tag", "tag", dict(base, ref=_REF_IN_SUB), dict(pushed, ref_type="tag"), dict(_CHOSEN, event_name=_EVENTS),
             "refs/tags/"),
        _Job("environment from a branch", "environment", dict(base, environment=_ENVIRONMENT_IN_SUB), dict(pushed, ref_type="branch"),
             dict(_CHOSEN, event_name=_EVENTS + ("pull_request",), ref=branch_ref)),
        _Job("environment from a tag", "environment", dict(base, environment=_ENVIRONMENT_IN_SUB), dict(pushed, ref_type="tag"),
             dict(_CHOSEN, event_name=_EVENTS, ref=tag_ref)),
        _Job("pull request", "pull_request", base,
             {"ref": "refs/pull/1/merge", "ref_type": "branch", "event_name": "pull_request",
              "iss": "https://token.actions.githubusercontent.com"},
             dict(_CHOSEN, head_ref=_free("head_ref", _GIT_REF, word="attacker-branch", separators="/"),
                  base_ref=_free("base_ref", _GIT_REF, word="main", separators="/"))),
        # pull_request_target runs on the base branch (its ref) with the pull request's branches
        # set; its sub is not documented: the branch form and the pull_request form are both tried.
        _Job("pull request target", "branch", dict(base, ref=_REF_IN_SUB), dict(_TARGET, ref_type="branch"), _TARGET_CHOSEN,
             "refs/heads/"),
        _Job("pull request target", "pull_request", base, dict(_TARGET, ref_type="branch"), dict(_TARGET_CHOSEN, ref=branch_ref)),
    ]


_TARGET = {"event_name": "pull_request_target", "iss": "https://token.actions.githubusercontent.com"}
_TARGET_CHOSEN = dict(_CHOSEN, head_ref=_free("head_ref", _GIT_REF, word="attacker-branch", separators="/"),
                      base_ref=_free("base_ref", _GIT_REF, word="main", separators="/"))


_JOBS = _jobs()
# A custom sub template (include_claim_keys), which anyone sets on their own repository: the sub
# is its keys' values, so a test of `sub` is also searched on the forms its own text spells, the
# way the admission analysis does for AWS patterns. A claim the form spells is read from its part
# of the sub; one it does not is the job's own choice (environment, ref, event) or, for the
# repository and owner, not searched (the form names none of it).
_OWN_REPOSITORY = Alternative((_OWNER_SLOT, "/", _NAME_SLOT), "repository")  # the job's own, when the sub does not say
_OWNER_IN_REPOSITORY = _inside((), _OWNER_CHARS, ("/", ANY_RUN))
_CUSTOM_FREE = dict(_CHOSEN, repository=_OWN_REPOSITORY)
_CUSTOM_FREE.update(event_name=_EVENTS + ("pull_request",), ref_type=("branch", "tag"),
                    ref=_free("ref", _GIT_REF, word="attacker-branch", head="refs/heads/", separators="/"),
                    environment=_free("environment", "".join(sorted(_ENVIRONMENT_CHARS)), word="attacker-env"),
                    head_ref=_free("head_ref", _GIT_REF, word="attacker-branch", separators="/"),
                    base_ref=_free("base_ref", _GIT_REF, word="main", separators="/"))


# The kinds of job a template's sub may be written for, as the default forms' jobs: the event,
# the ref and its type and a pull request's branches hold together as GitHub writes them (picked
# one by one, a condition only contradictory values meet was reported).
_CUSTOM_KINDS = (
    ("branch", "refs/heads/", {"ref_type": "branch", "head_ref": "", "base_ref": ""}, {"event_name": _EVENTS}),
    ("tag", "refs/tags/", {"ref_type": "tag", "head_ref": "", "base_ref": ""},
     {"event_name": _EVENTS, "ref": _free("ref", _GIT_REF, word="attacker-tag", head="refs/tags/", separators="/")}),
    ("pull request", "refs/pull/", {"ref_type": "branch", "event_name": "pull_request", "ref": "refs/pull/1/merge"}, {}),
)


def _custom_jobs(form: Alternative) -> list[_Job]:
    cells = [c for part in form.parts for c in (part if isinstance(part, str) else (part,))]
    in_sub = {"sub": lambda union: union}
    for claim, (start, end) in _spelled_claims(cells).items():
        in_sub[claim] = _span(cells, start, end)
    jobs = []
    for kind, head, fixed, chosen in _CUSTOM_KINDS:
        # A claim the template writes is read from the sub, whatever the kind says of it.
        fixed = {claim: value for claim, value in fixed.items() if claim not in in_sub}
        free = {claim: value for claim, value in dict(_CUSTOM_FREE, **chosen).items() if claim not in in_sub and claim not in fixed}
        jobs.append(_Job(f"custom template, {kind}", form.context, in_sub,
                         dict(fixed, iss="https://token.actions.githubusercontent.com"), free, head))
    return jobs


def _spelled_claims(cells: list) -> dict[str, tuple[int, int]]:
    """claim -> (first cell, cell after) of its value in a custom form's sub."""
    spans: dict[str, tuple[int, int]] = {}
    for i, cell in enumerate(cells):
        if not isinstance(cell, Slot):
            continue
        name = {"owner": "repository_owner", "owner_id": "repository_owner_id"}.get(cell.name, cell.name)
        if cell.name == "repository" and i >= 2 and isinstance(cells[i - 2], Slot):
            spans["repository"] = (i - 2, i + 1)  # OWNER/NAME
            continue
        if cell.name in ("branch", "tag"):  # the default tail: ref:refs/heads/BRANCH
            head = len("refs/heads/" if cell.name == "branch" else "refs/tags/")
            spans["ref"] = (i - head, i + 1)
            continue
        spans[name] = (i, i + 1)
    return spans


def _span(cells: list, start: int, end: int):
    """A test of the claim between cells `start` and `end` as a pattern over the whole sub."""
    def loose(cell):
        return CharClass(cell.chars, star=True, unknown=True) if isinstance(cell, Slot) else cell

    prefix, suffix = tuple(loose(c) for c in cells[:start]), tuple(loose(c) for c in cells[end:])
    chars = frozenset(ch for c in cells[start:end] for ch in (c.chars if isinstance(c, Slot) else (c,)))
    return _inside(prefix, chars, suffix)


def _alternative(context: str) -> Alternative:
    # The default (mutable) form: an attacker's own repository uses it unless they change it.
    return next(a for a in grammar_for("github-actions", "sub") if a.context == context and not any(
        isinstance(p, Slot) and p.name == "owner_id" for p in a.parts))


# -- the condition, prepared -------------------------------------------------------------------

@dataclass(frozen=True)
class Prepared:
    """A trust's condition and member as the ways to be true, tests resolved to claims."""

    ways: list  # [frozenset of ((claim, operator, values), wanted)]


def prepare(mapping: dict[str, str], condition: str | None, member_kind: str, selector: str | None) -> Prepared:
    """The ways the trust admits a token; Unsupported (with what) beyond the searchable subset."""
    resolve = _resolver(mapping)
    tree = ("test", ("google", "subject"), "present", ())  # GCP rejects a token without google.subject
    if member_kind == "attribute":
        name, _, value = (selector or "").partition("=")
        tree = ("and", tree, ("test", ("attribute", name), "==", (value,)))
    elif member_kind == "subject":
        tree = ("and", tree, ("test", ("google", "subject"), "==", (selector or "",)))
    elif member_kind != "all":
        raise Unsupported(f"a {member_kind} member")
    if condition is not None:
        tree = ("and", tree, parse(condition))
    ways = [frozenset(((resolve(test[1]), test[2], test[3]), wanted) for test, wanted in way) for way in ways_true(tree)]
    tests = {test for way in ways for test, _ in way}
    claims = {claim for claim, _, _ in tests}
    if claims & _NOT_MODELLED:
        raise Unsupported(f"the claim {sorted(claims & _NOT_MODELLED)[0]}")
    for _, operator, values in tests:
        test_union(operator, values)  # a regular expression beyond the subset is said now, not met mid-search
    for way in ways:
        for form in _custom_forms(way):
            for job in _custom_jobs(form):
                beside = {claim for (claim, operator, _), wanted in way if not (operator == "present" and wanted and claim in _ALWAYS)}
                beside -= set(job.in_sub) | set(job.chosen) | set(job.fixed) | {_ABSENT, "repository_owner"}
                beside = {claim for claim in beside if not claim.startswith(_PROPERTY)}
                if beside:
                    raise Unsupported(f"a sub in a custom template ({form.context[len('custom:'):]}) tested beside "
                                      f"{sorted(beside)[0]}")
    return Prepared(ways)


def _custom_forms(way) -> list[Alternative]:
    """The custom-template forms the way's tests of `sub` spell (none for the default form):
    each test's own, and all of them together, starts first and ends last
    (`startsWith('repository_owner_id:') && endsWith(':environment:prod')` is one template with
    both keys, which neither spells alone); and, beside a negated test, templates it leaves out."""
    spelled, starts, middles, ends = [], [], [], []
    single = True  # every test names one value (an `in` names several: one of them, not all together)
    for (claim, operator, values), wanted in way:
        if claim == "sub" and operator != "present" and wanted:  # a token of another form already avoids a negated test
            single = single and len(values) == 1
            for value in values:
                text = value.removeprefix("^").removesuffix("$").replace(".*", "*") if operator == "matches" else value
                spelled.append({"startsWith": f"{text}*", "endsWith": f"*{text}", "contains": f"*{text}*"}.get(operator, text))
                {"startsWith": starts, "endsWith": ends}.get(operator, middles).append(spelled[-1])
    if single and len(spelled) > 1:
        # Every order of the tests between (a way's tests are a set: its order is the hash's),
        # starts first and ends last; a template's keys may come in any of them.
        for order in itertools.islice(itertools.permutations(sorted(middles)), _MAX_ORDERS):
            spelled.append("".join(starts + list(order) + ends))
    if any(claim == "sub" and operator != "present" and not wanted for (claim, operator, _), wanted in way):
        spelled += _ANY_TEMPLATES  # a negated test of sub: a template it does not name avoids it
    return custom_template_alternatives("github-actions", spelled, environment_twice=True)


_NOT_SLASH = CharClass(frozenset(_GIT_REF) - {"/"}, unknown=True)


def _git_ref_shape(head: str) -> tuple:
    """What a ref claim can hold: its kind's head (refs/heads/, ...) and a name that neither
    begins nor ends with '/'."""
    return (tuple(head) + (_NOT_SLASH,), tuple(head) + (_NOT_SLASH, CharClass(frozenset(_GIT_REF), star=True, unknown=True), _NOT_SLASH))
_MAX_ORDERS = 24  # orders of the tests between a start and an end (four tests: all of them)

# Templates anyone may set, tried when a way only rules some subs out (`!sub.startsWith('repo:acme/')`
# lets in acme's repositories that use a template): one with the owner's id, one without.
_ANY_TEMPLATES = ["repository_owner_id:*:environment:*", "environment:*", "repository_owner_id:*", "ref:*"]


def _resolver(mapping: dict[str, str]):
    """(scope, name) -> the token claim it reads; Unsupported for a mapping that is not a
    plain claim (an expression's value is not searched)."""
    def resolve(ref: tuple[str, str]) -> str:
        scope, name = ref
        if scope == "assertion":
            return name
        target = f"{scope}.{name}"
        if target == "google.subject" and target not in mapping:
            return "sub"
        if target not in mapping:
            if scope == "google" and name != "subject":
                raise Unsupported(f"{target}")
            return _ABSENT  # an attribute nothing maps: never set
        simple = _SIMPLE.fullmatch(mapping[target])
        if simple is None:
            raise Unsupported(f"the mapping of {target} ({mapping[target].strip()[:60]})")
        return simple.group(1)
    return resolve


# -- the search ------------------------------------------------------------------------------

def condition_witnesses(prepared: Prepared, limits: list[str]):
    """Probes for the tokens the condition admits, one search at a time (a generator)."""
    deadline = time.monotonic() + TIME_BUDGET_SECONDS
    placeholders: dict[str, str] = {}
    ways = [[((claim, operator, tuple(_opaque_values(v, placeholders) for v in values)), wanted)
             for (claim, operator, values), wanted in way] for way in prepared.ways]
    back = {char: text for text, char in placeholders.items()}
    for way in ways:
        for job in _JOBS:
            if time.monotonic() > deadline:
                limits.append("the attribute condition could not be decided (the time budget for one trust was spent); "
                              "the ways not reached are unjudged")
                return
            try:
                yield from _witnesses_of(way, job, back, deadline)
            except SearchLimit as exc:
                limits.append(f"the attribute condition could not be decided ({exc}); what was not decided is unjudged")
        for form, job in ((form, job) for form in _custom_forms(way) for job in _custom_jobs(form)):
            try:
                yield from _witnesses_of(way, job, back, deadline, form)
            except SearchLimit as exc:
                limits.append(f"the attribute condition could not be decided ({exc}); what was not decided is unjudged")


def _witnesses_of(way: list, job: _Job, back: dict, deadline: float, form: Alternative | None = None):
    settings = _settle(way, job, deadline)
    if settings is None:
        return
    values, pinned = settings
    positive, negated = [], []
    for (claim, operator, tested), wanted in way:
        if claim in job.in_sub:
            union = job.in_sub[claim](test_union(operator, tested))
            if wanted:
                positive.append(union)
            elif union:
                negated.append(union)
    if "ref" in job.in_sub and any(claim == "ref" for (claim, _, _), _ in way):
        # A test of the ref claim is a test of a git ref (refs/…, never ending in '/'); a test
        # of the sub alone is not (a template may write more keys after the branch).
        positive.append(job.in_sub["ref"](_git_ref_shape(job.ref_head)))
    alternative = form or _pinned(_alternative(job.context), pinned)
    found = search(alternative, positive, deadline, negated)
    for bits in sorted(found, reverse=True):
        # A form that never names the repository (or owner) admits every one of them, unless
        # the job's own repository (owner) is one only a named value satisfies.
        implicit = _SCOPE_BITS.get(alternative.implicit, 0)
        if form is not None and _owner_and_name_named(alternative, bits, pinned):
            implicit = 0  # `repository_owner_id:123:…` with repository `*/app`: that owner's one repository
        scope = _capped(_scope_of(bits | implicit), pinned if form else set())
        if scope is None:
            continue  # the one workload the way names
        text, slots, fixed = _render(alternative, found[bits], positive, negated)
        if _writes_twice(alternative, "environment"):
            repaired = _one_environment(text, slots, positive, negated)
            if repaired is None:
                continue  # only with two different environments: no job writes that sub
            text, slots = repaired
        witness = Witness(text, alternative, slots, scope, fixed)
        probe = _probe("github-actions", witness, back, None)
        claims = dict(probe.claims, **job.fixed, **{claim: _restore(value, back) for claim, value in values.items()})
        if "repository" in values:  # the job's own repository, which the template's sub does not write
            claims["repository_owner"] = claims["repository"].split("/")[0]
        if "ref" not in values and isinstance(job.chosen.get("ref"), Alternative):  # the branch or tag an environment ran from
            head, slot = job.chosen["ref"].parts
            claims["ref"] = head + slot.word
        described = [f"{claim} {claims[claim]}" for claim in values
                     if claim in job.chosen and claim not in _IDS | {"repository"} and claims[claim] != probe.claims.get(claim)]
        description = probe.description + (f", choosing {', '.join(described)}" if described else "")
        # Nobody chooses an id: another account (repository) has it, or the named one does.
        description += "".join(f" ({claim} {values[claim]}{', as named' if claim in pinned else ''})"
                               for claim in sorted(set(values) & _IDS))
        yield replace(probe, id=f"condition-{scope}-{job.context}", claims=claims, description=description)
        if SCOPE_ORDER[scope] == SCOPE_ORDER[TENANT]:
            return


def _writes_twice(alternative: Alternative, name: str) -> bool:
    """A template whose `environment` key and `context` both write the job's environment."""
    return sum(isinstance(p, Slot) and p.name == name for p in alternative.parts) > 1


def _one_environment(text: str, slots: dict, positive: list, negated: list) -> tuple[str, dict] | None:
    """The witness with both `environment:` values the same, as GitHub writes them (the search
    treats the two as independent), when the tests still pass it: either value for both."""
    words = text.split(":")  # no value holds ':'
    where = [i + 1 for i, word in enumerate(words[:-1]) if word == "environment" and i % 2 == 0]
    if len(where) < 2:
        return None
    first, last = where[0], where[-1]
    for value in dict.fromkeys((words[first], words[last])):
        candidate = words[:first] + [value] + words[first + 1:last] + [value] + words[last + 1:]
        repaired = ":".join(candidate)
        if all(_accepts(union, repaired) for union in positive) and not any(_accepts(union, repaired) for union in negated):
            return repaired, dict(slots, environment=value)
    return None


def _owner_and_name_named(alternative: Alternative, bits: int, pinned: set[str]) -> bool:
    """A custom template that writes the owner (by name or id) with named text, for a job whose
    own repository (which the template does not write) has a named name: one repository."""
    writes_owner = any(isinstance(p, Slot) and p.name in ("owner", "owner_id") for p in alternative.parts)
    return (alternative.implicit == REPOSITORY and writes_owner and not bits & _SCOPE_BITS[TENANT]
            and _NAMED_REPOSITORY_NAME in pinned)


def _restore(text: str, back: dict) -> str:
    return "".join(back.get(c, c) for c in text)


def _settle(way: list, job: _Job, deadline: float):
    """({claim: value} for the claims outside the sub, what only a named value satisfies: the
    ids, or the owner and repository of a custom template's job), or None when this kind of job
    cannot satisfy the way."""
    tests: dict[str, list] = {}
    for (claim, operator, tested), wanted in way:
        if claim in job.in_sub:
            continue
        if operator == "present" and wanted and claim in _ALWAYS:
            continue  # every GitHub token carries it
        shape = None
        if claim == "repository_owner" and job.chosen.get("repository") is _OWN_REPOSITORY:
            claim, shape = "repository", _OWNER_IN_REPOSITORY  # the owner is the repository's first part
        if claim.startswith(_PROPERTY) and claim not in job.chosen:
            job = replace(job, chosen=dict(job.chosen, **{claim: _free(claim, _VALUE, word="attacker-value")}))
        if claim not in job.fixed and claim not in job.chosen:
            if operator == "present" and not wanted:
                continue  # has() of a claim this job lacks is false, as wanted
            return None  # a test of a claim this job lacks is an error, never true or false
        tests.setdefault(claim, []).append((operator, tested, wanted, shape))
    values, pinned = {}, set()
    for claim, claim_tests in tests.items():
        if claim in job.fixed:
            if not all(_holds(op, tested, job.fixed[claim]) == wanted for op, tested, wanted, _ in claim_tests):
                return None
            continue
        solved = _solve(job.chosen[claim], claim_tests, deadline)
        if solved is None:
            return None
        values[claim], bits = solved
        pinned |= _named_parts(claim, bits)
        if claim == "repository" and job.chosen[claim] is _OWN_REPOSITORY and bits & _SCOPE_BITS[TENANT] \
                and _name_only_named(claim_tests, deadline):
            pinned.add(_NAMED_REPOSITORY_NAME)
    return values, pinned


# The job's own repository with its owner closed: what the tests leave open of the name alone.
_NAME_OF_OWN_REPOSITORY = Alternative((replace(_OWNER_SLOT, scope=PER_RUN), "/", _NAME_SLOT), "repository")


def _name_only_named(tests: list, deadline: float) -> bool:
    """Whether the tests of the repository claim admit only named names (`*/app`), whoever the
    owner: the search of the repository stops at the first other owner, which says nothing of
    the name, so the name is searched again with the owner closed."""
    solved = _solve(_NAME_OF_OWN_REPOSITORY, tests, deadline)
    return solved is not None and not solved[1] & _SCOPE_BITS[REPOSITORY]


_NAMED_REPOSITORY_NAME = "the repository's name"  # pinned: the job's own repository name is a named one


def _named_parts(claim: str, bits: int) -> set[str]:
    """What a solved identity claim keeps the witness inside: a value nobody named (a fresh
    character) is another account's or repository's."""
    if claim in _IDS:
        return set() if bits else {claim}
    if claim == "repository" and not bits & _SCOPE_BITS[TENANT]:  # the named owner; its named repository too?
        return {"repository_owner_id"} if bits & _SCOPE_BITS[REPOSITORY] else {"repository_owner_id", "repository_id"}
    return set()


def _solve(domain, tests: list, deadline: float) -> tuple[str, int] | None:
    """(a value every test accepts as wanted, the scope bits of its fresh characters: 0 when
    only named text satisfies them)."""
    if isinstance(domain, tuple):
        value = next((v for v in domain if all(_holds(op, tested, v) == wanted for op, tested, wanted, _ in tests)), None)
        return None if value is None else (value, -1)
    unions = [((shape or (lambda union: union))(test_union(op, tested)), wanted) for op, tested, wanted, shape in tests]
    positive = [union for union, wanted in unions if wanted]
    negated = [union for union, wanted in unions if not wanted and union]
    found = search(domain, positive, deadline, negated)
    if not found:
        return None
    bits = max(found)  # a path through a character nobody named: a value of nobody's
    text, _, _ = _render(domain, found[bits], positive, negated)
    return text, bits


def _holds(operator: str, tested: tuple, value: str) -> bool:
    """One test of a known value, as CEL evaluates it."""
    if operator == "present":
        return True
    if operator in ("==", "in"):
        return value in tested
    (text,) = tested
    if operator == "startsWith":
        return value.startswith(text)
    if operator == "endsWith":
        return value.endswith(text)
    if operator == "contains":
        return text in value
    from ..saferegex import search as regex_search

    return bool(regex_search(text, value))


def _capped(scope: str | None, pinned: set[str]) -> str | None:
    if scope is not None and "repository_id" in pinned:
        return WORKLOAD if SCOPE_ORDER[scope] < SCOPE_ORDER[WORKLOAD] else scope
    if scope == TENANT and "repository_owner_id" in pinned:
        return REPOSITORY
    return scope


def _pinned(alternative: Alternative, pinned: set[str]) -> Alternative:
    """The sub's grammar with the owner (and the repository) no longer open when only a named
    id satisfies the way: its name is whatever that account's is, not the attacker's choice."""
    closed = set()
    if "repository_owner_id" in pinned or "repository_id" in pinned:
        closed.add("owner")
    if "repository_id" in pinned:
        closed.add("repository")
    if not closed:
        return alternative
    parts = tuple(replace(p, scope=PER_RUN) if isinstance(p, Slot) and p.name in closed else p for p in alternative.parts)
    return replace(alternative, parts=parts)

