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

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trustlint.engine.facts import Settings, trust_facts
from trustlint.trust.glob import glob_match, has_wildcard

from .test_admission import _variants, wildcarded
from .test_iam_evaluation import ISSUER, PROVIDER, trust_of

OWNERS = ["acme", "ab", "app"]
NAMES = ["app", "api", "a"]
BRANCHES = ["main", "ma", "release"]
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


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
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
