"""Soundness of the whole decision, against the evaluator on many tokens.

Hypothesis writes AWS trust policies: one or two Allow statements whose `sub` condition is
StringLike or StringEquals over one or two values (GitHub subjects with random wildcards),
and sometimes a Deny exempting one or two subjects (StringNotLike / StringNotEquals). Each
policy is judged as a scan judges it (trust facts: TL001/TL002), then every token of a
universe built around its values is run through the trust's own evaluator:

- whenever a value of the policy lets in two or more different tokens, not all of them
  written exactly in the policy, the analysis must report a finding (a silent pass is the
  failure this guards against);
- every reported witness is a token the evaluator admits.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trustlint.engine.facts import Settings, trust_facts
from trustlint.trust.glob import glob_match, has_wildcard

from .conftest import DERANDOMIZE
from .test_admission import _variants, wildcarded
from .test_iam_evaluation import ISSUER, PROVIDER, trust_of

OWNERS = ["acme", "ab", "app"]
NAMES = ["app", "api", "a"]
BRANCHES = ["main", "ma", "release", "rel/v1"]  # a slash: no branch begins or ends with one, or holds two
# A GitHub default subject with up to three random spans replaced by a wildcard (the same
# generator the admission analysis is checked with against its own brute-force oracle).
subject = wildcarded().map(lambda case: case[0])


statements = st.lists(st.tuples(st.sampled_from(["StringLike", "StringEquals"]), st.lists(subject, min_size=1, max_size=2)),
                      min_size=1, max_size=2)
denies = st.one_of(st.none(), st.tuples(st.sampled_from(["StringNotLike", "StringNotEquals"]),
                                        st.lists(subject, min_size=1, max_size=2)))


def universe() -> list[str]:
    owners = set().union(*(_variants(o) for o in OWNERS))
    names = set().union(*(_variants(n) for n in NAMES))
    branches = set().union(*(_variants(b) for b in BRANCHES))
    contexts = [f":ref:refs/heads/{b}" for b in branches] + [f":environment:{b}" for b in branches] + [":pull_request"]
    return sorted(f"repo:{o}/{n}{c}" for o in owners for n in names for c in contexts
                  if all(ch.isalnum() or ch == "-" for ch in o))


UNIVERSE = universe()


def policy(allows, deny) -> list[dict]:
    out = [{"Effect": "Allow", "Principal": {"Federated": PROVIDER}, "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {"StringEquals": {f"{ISSUER}:aud": "sts.amazonaws.com"}, operator: {f"{ISSUER}:sub": values}}}
           for operator, values in allows]
    if deny is not None:
        out.append({"Effect": "Deny", "Principal": {"Federated": PROVIDER}, "Action": "sts:AssumeRoleWithWebIdentity",
                    "Condition": {deny[0]: {f"{ISSUER}:sub": deny[1]}}})
    return out


def _matches(operator: str, value: str, sub: str) -> bool:
    return glob_match(value, sub) if "Like" in operator else value == sub


def _written_exactly(allows, deny) -> set[str]:
    exact = {v for operator, values in allows for v in values if "Equals" in operator or not has_wildcard(v)}
    if deny is not None:
        exact |= {v for v in deny[1] if "Equals" in deny[0] or not has_wildcard(v)}
    return exact


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large], derandomize=DERANDOMIZE)
@given(statements, denies)
def test_every_value_that_admits_more_than_it_names_is_a_finding(allows, deny):
    (trust,) = trust_of(*policy(allows, deny)).trusts
    fact = trust_facts(trust, Settings())
    reported = fact["wildcard"]["present"] or fact["unconstrained"]["present"]
    # Every Allow statement needs one of its values: a token matching none is not admitted (an
    # exact shortcut in front of the evaluator, which decides every other token).
    candidates = [sub for sub in UNIVERSE if any(_matches(op, v, sub) for op, values in allows for v in values)]
    admitted = [sub for sub in candidates if trust.admits({"sub": sub, "aud": "sts.amazonaws.com"}).admitted]
    exact = _written_exactly(allows, deny)
    for operator, values in allows:
        for value in values:
            let_in = {sub for sub in admitted if _matches(operator, value, sub)}
            if len(let_in) >= 2 and not let_in <= exact:
                assert reported, (allows, deny, value, sorted(let_in)[:4])
    if fact["wildcard"]["present"]:
        witness = fact["wildcard"]["subject"]
        assert trust.admits({"sub": witness, "aud": "sts.amazonaws.com"}).admitted, (allows, deny, witness)


def test_the_universe_is_large_enough_to_mean_something():
    # 200 policies x this many tokens: millions of (trust, token) pairs per run.
    assert len(UNIVERSE) > 10_000


# -- the other grammars: GitLab and HCP Terraform ----------------------------------------------

PLATFORMS = {
    # Branches only: a tag pattern with a literal start (ref:v*) is a release-tag family by design.
    "gitlab": ("gitlab.com", "project_path:{a}/{b}:ref_type:{kind}:ref:{c}", ["acme", "ab"], ["app", "ap"], ["main", "v1"],
               ["branch"]),
    "terraform-cloud": ("app.terraform.io", "organization:{a}:project:{b}:workspace:{c}:run_phase:{kind}", ["acme", "ab"],
                        ["infra", "in"], ["prod", "pr"], ["plan", "apply"]),
}


@st.composite
def other_subject(draw, platform: str):
    _, template, first, second, third, kinds = PLATFORMS[platform]
    text = list(template.format(a=draw(st.sampled_from(first)), b=draw(st.sampled_from(second)),
                                c=draw(st.sampled_from(third)), kind=draw(st.sampled_from(kinds))))
    for _ in range(draw(st.integers(0, 3))):
        start = draw(st.integers(0, len(text) - 1))
        end = draw(st.integers(start, min(len(text), start + 6)))
        text[start:end] = [draw(st.sampled_from(["*", "?"]))]
    return "".join(text)


def other_universe(platform: str) -> list[str]:
    _, template, first, second, third, kinds = PLATFORMS[platform]

    def names(words):
        return sorted(set().union(*(_variants(w) for w in words)) - {"attacker"} | {"attacker"})

    return [template.format(a=a, b=b, c=c, kind=k) for a in names(first) for b in names(second) for c in names(third)
            for k in kinds]


OTHER_UNIVERSES = {platform: other_universe(platform) for platform in PLATFORMS}


@pytest.mark.parametrize("platform", sorted(PLATFORMS))
def test_other_grammars_every_open_value_is_a_finding(platform):
    issuer = PLATFORMS[platform][0]
    provider = f"arn:aws:iam::123456789012:oidc-provider/{issuer}"

    @settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=DERANDOMIZE)
    @given(st.lists(other_subject(platform), min_size=1, max_size=2), st.sampled_from(["StringLike", "StringEquals"]))
    def check(values, operator):
        statement = {"Effect": "Allow", "Principal": {"Federated": provider}, "Action": "sts:AssumeRoleWithWebIdentity",
                     "Condition": {"StringEquals": {f"{issuer}:aud": "x"}, operator: {f"{issuer}:sub": values}}}
        model = trust_of(statement)
        (trust,) = model.trusts
        fact = trust_facts(trust, Settings())
        reported = fact["wildcard"]["present"] or fact["unconstrained"]["present"]
        exact = {v for v in values if operator == "StringEquals" or not has_wildcard(v)}
        for value in values:
            let_in = {sub for sub in OTHER_UNIVERSES[platform] if _matches(operator, value, sub)
                      and trust.admits({"sub": sub, "aud": "x"}).admitted}
            if len(let_in) >= 2 and not let_in <= exact:
                assert reported, (values, value, sorted(let_in)[:4])
        if fact["wildcard"]["present"]:
            assert trust.admits({"sub": fact["wildcard"]["subject"], "aud": "x"}).admitted

    check()
