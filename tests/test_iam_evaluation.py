"""The IAM trust evaluator: documented semantics, and a property test against an oracle."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from trustlint.trust.aws import RoleInput, build_role
from trustlint.model import ScanModel
from trustlint.terraform.nodes import from_plain
from trustlint.source import Span

from .test_glob import oracle

ISSUER = "token.actions.githubusercontent.com"
PROVIDER = f"arn:aws:iam::123456789012:oidc-provider/{ISSUER}"
SPAN = Span(1, 1, 1, 2)


def trust_of(*statements: dict):
    policy = from_plain({"Version": "2012-10-17", "Statement": list(statements)}, SPAN)
    model = ScanModel()
    build_role(RoleInput("aws_iam_role.r", "aws_iam_role", "main.tf", SPAN, "r", policy), {}, model)
    assert not model.problems, model.problems
    return model


def allow(condition: dict | None = None, principal=None, action="sts:AssumeRoleWithWebIdentity") -> dict:
    statement = {"Effect": "Allow", "Principal": principal or {"Federated": PROVIDER}, "Action": action}
    if condition is not None:
        statement["Condition"] = condition
    return statement


def token(sub: str, **claims) -> dict:
    return {"sub": sub, **claims}


def admitted(model, claims) -> bool:
    (trust,) = model.trusts
    return trust.admits(claims).admitted


def test_string_equals_with_star_is_a_literal_asterisk():
    model = trust_of(allow({"StringEquals": {f"{ISSUER}:sub": "repo:acme/*"}}))
    assert not admitted(model, token("repo:acme/app:ref:refs/heads/main"))
    assert admitted(model, token("repo:acme/*"))


def test_string_like_star_and_several_values_are_or():
    model = trust_of(allow({"StringLike": {f"{ISSUER}:sub": ["repo:acme/app:ref:refs/heads/main", "repo:acme/lib:*"]}}))
    assert admitted(model, token("repo:acme/lib:pull_request"))
    assert admitted(model, token("repo:acme/app:ref:refs/heads/main"))
    assert not admitted(model, token("repo:acme/app:pull_request"))


def test_several_keys_are_and():
    model = trust_of(allow({
        "StringLike": {f"{ISSUER}:sub": "repo:acme/*"},
        "StringEquals": {f"{ISSUER}:repository": "acme/app"},
    }))
    assert admitted(model, token("repo:acme/app:pull_request", repository="acme/app"))
    assert not admitted(model, token("repo:acme/lib:pull_request", repository="acme/lib"))


def test_negated_operator_true_when_value_matches_none():
    model = trust_of(allow({
        "StringLike": {f"{ISSUER}:sub": "repo:acme/app:*"},
        "StringNotLike": {f"{ISSUER}:sub": "repo:acme/app:pull_request"},
    }))
    assert admitted(model, token("repo:acme/app:ref:refs/heads/main"))
    assert not admitted(model, token("repo:acme/app:pull_request"))


def test_missing_key_is_false_but_if_exists_and_forallvalues_are_vacuously_true():
    strict = trust_of(allow({"StringEquals": {f"{ISSUER}:environment": "production"}}))
    assert not admitted(strict, token("repo:acme/app:ref:refs/heads/main"))
    if_exists = trust_of(allow({"StringEqualsIfExists": {f"{ISSUER}:environment": "production"}}))
    assert admitted(if_exists, token("repo:acme/app:ref:refs/heads/main"))
    for_all = trust_of(allow({"ForAllValues:StringEquals": {f"{ISSUER}:environment": "production"}}))
    admission = for_all.trusts[0].admits(token("repo:acme/app:ref:refs/heads/main"))
    assert admission.admitted and [c.key for c in admission.vacuous] == [f"{ISSUER}:environment"]
    for_any = trust_of(allow({"ForAnyValue:StringEquals": {f"{ISSUER}:environment": "production"}}))
    assert not admitted(for_any, token("repo:acme/app:ref:refs/heads/main"))


def test_keys_are_case_insensitive_values_are_not():
    model = trust_of(allow({"StringEquals": {"Token.Actions.GithubUserContent.com:SUB": "repo:acme/app:pull_request"}}))
    assert admitted(model, token("repo:acme/app:pull_request"))
    assert not admitted(model, token("repo:ACME/app:pull_request"))


def test_deny_statement_subtracts():
    model = trust_of(
        allow({"StringLike": {f"{ISSUER}:sub": "repo:acme/*"}}),
        {"Effect": "Deny", "Principal": "*", "Action": "sts:*", "Condition": {"StringLike": {f"{ISSUER}:sub": "*:pull_request"}}},
    )
    assert admitted(model, token("repo:acme/app:ref:refs/heads/main"))
    assert not admitted(model, token("repo:acme/app:pull_request"))


def test_several_allow_statements_are_or():
    model = trust_of(
        allow({"StringEquals": {f"{ISSUER}:sub": "repo:acme/app:environment:production"}}),
        allow({"StringEquals": {f"{ISSUER}:sub": "repo:acme/app:pull_request"}}),
    )
    assert admitted(model, token("repo:acme/app:pull_request"))
    assert admitted(model, token("repo:acme/app:environment:production"))


def test_unmodelled_condition_key_never_admits():
    model = trust_of(allow({"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}))
    assert not admitted(model, token("repo:anyone/anything:ref:refs/heads/main"))


def test_statement_for_another_action_is_ignored():
    model = ScanModel()
    policy = from_plain({"Statement": [allow(None, action="sts:AssumeRole")]}, SPAN)
    build_role(RoleInput("r", "aws_iam_role", "main.tf", SPAN, "r", policy), {}, model)
    assert model.trusts == []


def test_principal_star_without_caller_condition_is_public_with_org_condition_is_not():
    public = ScanModel()
    build_role(RoleInput("r", "t", "p", SPAN, "r", from_plain({"Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}]}, SPAN)), {}, public)
    assert len(public.public) == 1
    pinned = ScanModel()
    build_role(RoleInput("r", "t", "p", SPAN, "r", from_plain({"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole", "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-1"}}}]}, SPAN)), {}, pinned)
    assert pinned.public == []


# -- property test against an independent oracle ---------------------------------------------

KEYS = ["sub", "repository", "environment"]
OPERATORS = ["StringEquals", "StringLike", "StringNotEquals", "StringNotLike",
             "StringEqualsIfExists", "StringLikeIfExists", "ForAllValues:StringLike", "ForAnyValue:StringEquals"]
WORDS = st.text(st.sampled_from(list("ab*?:")), min_size=0, max_size=4)


def oracle_clause(operator: str, patterns: list[str], value: str | None) -> bool:
    qualifier, _, base = operator.rpartition(":")
    if_exists = base.endswith("IfExists")
    base = base.removesuffix("IfExists")
    negated = "Not" in base
    like = "Like" in base
    if value is None:
        if if_exists or qualifier == "ForAllValues":
            return True
        if qualifier == "ForAnyValue":
            return False
        return negated
    hit = any(oracle(p, value) if like else p == value for p in patterns)
    return not hit if negated else hit


clauses = st.lists(st.tuples(st.sampled_from(OPERATORS), st.sampled_from(KEYS), st.lists(WORDS, min_size=1, max_size=3)),
                   min_size=1, max_size=3, unique_by=lambda c: (c[0], c[1]))
requests = st.fixed_dictionaries({k: st.one_of(st.none(), st.text(st.sampled_from(list("ab:*")), max_size=4)) for k in KEYS})


@settings(max_examples=300, deadline=None)
@given(clauses, requests)
def test_evaluator_agrees_with_oracle(generated, request):
    condition: dict = {}
    for operator, key, patterns in generated:
        condition.setdefault(operator, {})[f"{ISSUER}:{key}"] = patterns
    model = trust_of(allow(condition))
    claims = {k: v for k, v in request.items() if v is not None}
    expected = all(oracle_clause(op, pats, request[key]) for op, key, pats in generated)
    assert model.trusts[0].admits(claims).admitted == expected


def test_google_aud_names_the_service_account_not_a_caller_choice(scan_files):
    pinned = scan_files({"trust.json": '{"Statement": [{"Effect": "Allow", "Principal": {"Federated": "accounts.google.com"}, '
                                       '"Action": "sts:AssumeRoleWithWebIdentity", "Condition": {"StringEquals": '
                                       '{"accounts.google.com:aud": "112233445566778899001"}}}]}'})
    assert pinned.findings == []
    open_trust = scan_files({"trust.json": '{"Statement": [{"Effect": "Allow", "Principal": {"Federated": "accounts.google.com"}, '
                                           '"Action": "sts:AssumeRoleWithWebIdentity"}]}'})
    assert "TL002" in [f.rule_id for f in open_trust.findings]


def test_per_claim_key_match_is_named_in_the_message(scan_files):
    result = scan_files({"trust.json": '{"Statement": [{"Effect": "Allow", "Principal": {"Federated": "' + PROVIDER + '"}, '
                                       '"Action": "sts:AssumeRoleWithWebIdentity", "Condition": {"StringEquals": '
                                       '{"' + ISSUER + ':repository_owner": "acme", "' + ISSUER + ':aud": "sts.amazonaws.com"}}}]}'})
    (finding,) = result.findings
    assert finding.rule_id == "TL001" and "through StringEquals repository_owner acme" in finding.message


def test_policy_read_through_file_is_not_scanned_twice(scan_files):
    result = scan_files({
        "main.tf": 'resource "aws_iam_role" "r" {\n  assume_role_policy = file("public.json")\n}\n',
        "public.json": '{"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"}]}\n',
    })
    assert [(f.rule_id, f.path, f.address) for f in result.findings] == [("TL007", "public.json", "aws_iam_role.r")]


def test_circleci_org_audience_without_project_admits_any_project_of_the_org(scan_files):
    issuer = "oidc.circleci.com/org/0b1a2c3d-4e5f-6789-abcd-ef0123456789"
    trust = ('{"Statement": [{"Effect": "Allow", "Principal": {"Federated": "arn:aws:iam::1:oidc-provider/' + issuer + '"}, '
             '"Action": "sts:AssumeRoleWithWebIdentity", "Condition": {"StringEquals": {"' + issuer + ':aud": '
             '"0b1a2c3d-4e5f-6789-abcd-ef0123456789"}}}]}')
    result = scan_files({"trust.json": trust})
    # The organisation pin is a coarse subject condition, like repository_owner on GitHub.
    assert [(f.rule_id, f.severity) for f in result.findings] == [("TL001", "high")]


def test_vacuous_forallvalues_is_called_out(scan_files):
    result = scan_files({"trust.json": '{"Statement": [{"Effect": "Allow", "Principal": {"Federated": "' + PROVIDER + '"}, '
                                       '"Action": "sts:AssumeRoleWithWebIdentity", "Condition": {'
                                       '"StringEquals": {"' + ISSUER + ':aud": "sts.amazonaws.com"}, '
                                       '"ForAllValues:StringEquals": {"' + ISSUER + ':environment": "production"}}}]}'})
    by_rule = {f.rule_id: f for f in result.findings}
    assert f"ForAllValues:StringEquals on {ISSUER}:environment passed only because the token lacks that claim" in by_rule["TL002"].message
    # and any account's "production" environment matches the environment pin itself
    assert by_rule["TL001"].severity == "critical"


statement_lists = st.lists(st.tuples(st.sampled_from(["Allow", "Deny"]), clauses), min_size=1, max_size=3)


@settings(max_examples=300, deadline=None)
@given(statement_lists, requests)
def test_several_statements_and_deny_agree_with_oracle(generated, request):
    """Allow statements OR, a Deny whose every condition holds wins over all of them."""
    statements = []
    for effect, statement_clauses in generated:
        condition: dict = {}
        for operator, key, patterns in statement_clauses:
            condition.setdefault(operator, {})[f"{ISSUER}:{key}"] = patterns
        statements.append(dict(allow(condition), Effect=effect))
    if not any(effect == "Allow" for effect, _ in generated):
        return  # no way in: no trust is built at all
    model = trust_of(*statements)
    claims = {k: v for k, v in request.items() if v is not None}

    def holds(statement_clauses) -> bool:
        return all(oracle_clause(op, pats, request[key]) for op, key, pats in statement_clauses)

    denied = any(effect == "Deny" and holds(c) for effect, c in generated)
    allowed = any(effect == "Allow" and holds(c) for effect, c in generated)
    assert model.trusts[0].admits(claims).admitted == (allowed and not denied)


def test_a_deny_pinning_the_organisation_makes_principal_star_not_public():
    statements = [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"},
                  {"Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole",
                   "Condition": {"StringNotEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}}]
    model = ScanModel()
    build_role(RoleInput("r", "t", "p", SPAN, "r", from_plain({"Statement": statements}, SPAN)), {}, model)
    assert model.public == []
    without_deny = ScanModel()
    build_role(RoleInput("r", "t", "p", SPAN, "r", from_plain({"Statement": statements[:1]}, SPAN)), {}, without_deny)
    assert len(without_deny.public) == 1
