"""GCP: members, pool joins across files, CEL conditions, and unknowns staying quiet."""

from __future__ import annotations

import pytest

from trustlint.resources import parse_member, pool_keys_of_member

from .conftest import brief

POOL = "principalSet://iam.googleapis.com/projects/123/locations/global/workloadIdentityPools/github"


@pytest.mark.parametrize("member,expected", [
    (POOL + "/*", ("all", None)),
    (POOL + "/attribute.repository/acme/app", ("attribute", "repository=acme/app")),
    ("principal://iam.googleapis.com/projects/123/locations/global/workloadIdentityPools/github/subject/repo:acme/app:ref:refs/heads/main",
     ("subject", "repo:acme/app:ref:refs/heads/main")),
    (POOL + "/group/admins", ("group", "admins")),
    ("principalSet://iam.googleapis.com/locations/global/workforcePools/staff/*", None),
    ("serviceAccount:acme.svc.id.goog[ns/ksa]", None),
])
def test_parse_member(member, expected):
    parsed = parse_member(member)
    assert (parsed[0], parsed[2]) == expected if expected else parsed is None


def test_pool_keys_from_literal_and_reference():
    assert pool_keys_of_member(POOL + "/*") == {"id:github"}
    member = "principalSet://iam.googleapis.com/\u27e8google_iam_workload_identity_pool.gh.name\u27e9/*"
    assert pool_keys_of_member(member, "infra") == {"tf:infra:google_iam_workload_identity_pool.gh"}


PROVIDER_TF = '''
resource "google_iam_workload_identity_pool" "gh" {
  workload_identity_pool_id = "github"
}
resource "google_iam_workload_identity_pool_provider" "gh" {
  workload_identity_pool_id          = google_iam_workload_identity_pool.gh.workload_identity_pool_id
  workload_identity_pool_provider_id = "gh"
  attribute_mapping = {
    "google.subject"       = "assertion.sub"
    "attribute.repository" = "assertion.repository"
  }
  attribute_condition = CONDITION
  oidc {
    issuer_uri = "https://token.actions.githubusercontent.com"
  }
}
'''


def grant(member: str) -> str:
    return f'''
resource "google_service_account_iam_member" "ci" {{
  service_account_id = "projects/p/serviceAccounts/ci@p.iam.gserviceaccount.com"
  role               = "roles/iam.workloadIdentityUser"
  member             = "{member}"
}}
'''


@pytest.mark.parametrize("condition,member,expected", [
    ('"assertion.repository_owner == \'acme\'"', "principalSet://iam.googleapis.com/${google_iam_workload_identity_pool.gh.name}/*", [("TL001", "high")]),
    ('"assertion.repository_owner == \'acme\'"', "principalSet://iam.googleapis.com/${google_iam_workload_identity_pool.gh.name}/attribute.repository/acme/app", []),
    ('"assertion.repository.startsWith(\'acme\')"', "principalSet://iam.googleapis.com/${google_iam_workload_identity_pool.gh.name}/*", [("TL001", "critical")]),
    ('"assertion.ref == \'refs/heads/main\'"', "principalSet://iam.googleapis.com/${google_iam_workload_identity_pool.gh.name}/*", [("TL001", "critical")]),
    ('"assertion.repository in [\'acme/a\', \'acme/b\']"', "principalSet://iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/github/*", []),
    # matches(): the regex's literal prefix is the workload to probe around
    ('"assertion.sub.matches(\'^repo:acme/.*\')"', "principalSet://iam.googleapis.com/${google_iam_workload_identity_pool.gh.name}/*", [("TL001", "high")]),
    ('"assertion.sub.matches(\'^repo:acme/web:ref:refs/heads/main$\')"', "principalSet://iam.googleapis.com/${google_iam_workload_identity_pool.gh.name}/*", []),
    # A regex that is one literal names that repository, as == does (found by the soundness test:
    # it was read as a prefix, and the repository's other refs were a TL001).
    ('"assertion.repository.matches(\'^acme/app$\')"', "principalSet://iam.googleapis.com/${google_iam_workload_identity_pool.gh.name}/*", []),
    ('"assertion.repository.matches(\'^acme/app\\\\.io$\')"', "principalSet://iam.googleapis.com/${google_iam_workload_identity_pool.gh.name}/*", []),
])
def test_conditions_and_members_are_judged_together(scan_files, condition, member, expected):
    result = scan_files({"wif.tf": PROVIDER_TF.replace("CONDITION", condition), "grants.tf": grant(member)})
    assert [(r, s) for r, _, _, _, _, s in brief(result)] == expected


def test_no_condition_and_pool_wide_grant_is_missing_subject(scan_files):
    provider = PROVIDER_TF.replace("  attribute_condition = CONDITION\n", "")
    result = scan_files({"wif.tf": provider + grant("principalSet://iam.googleapis.com/${google_iam_workload_identity_pool.gh.name}/*")})
    assert [(r, p, line, s) for r, p, line, _, _, s in brief(result)] == [("TL002", "wif.tf", 5, "critical")]


def test_condition_with_unknown_function_is_tl000_at_the_condition(scan_files):
    provider = PROVIDER_TF.replace("CONDITION", '"assertion.sub.frobnicate() == 1"')
    result = scan_files({"wif.tf": provider + grant("principalSet://iam.googleapis.com/${google_iam_workload_identity_pool.gh.name}/*")})
    assert [(r, line, col) for r, _, line, col, _, _ in brief(result)] == [("TL000", 12, 25)]
    assert "frobnicate" in result.findings[0].message


def test_condition_from_a_variable_without_default_is_unknown_and_quiet(scan_files):
    provider = PROVIDER_TF.replace("CONDITION", "var.condition") + 'variable "condition" { type = string }\n'
    result = scan_files({"wif.tf": provider + grant("principalSet://iam.googleapis.com/${google_iam_workload_identity_pool.gh.name}/*")})
    assert result.findings == []


def test_gcloud_provider_and_policy_files_are_joined(scan_files):
    result = scan_files({
        "gcloud/provider.yaml": "attributeCondition: assertion.repository_owner\n  == 'acme'\nattributeMapping:\n  google.subject: assertion.sub\n"
                                "name: projects/123/locations/global/workloadIdentityPools/github/providers/gh\n"
                                "oidc:\n  issuerUri: https://token.actions.githubusercontent.com\nstate: ACTIVE\n",
        "gcloud/ci-policy.json": '{"bindings": [{"members": ["' + POOL + '/*"], "role": "roles/iam.workloadIdentityUser"}], "etag": "x", "version": 1}\n',
    })
    assert [(r, p, line, a, s) for r, p, line, _, a, s in brief(result)] == [
        ("TL001", "gcloud/provider.yaml", 1, "ci-policy.json", "high")]


def test_pools_of_different_projects_are_not_joined(scan_files):
    result = scan_files({
        "provider.yaml": "attributeCondition: assertion.repository_owner == 'acme'\nattributeMapping:\n  google.subject: assertion.sub\n"
                         "name: projects/999/locations/global/workloadIdentityPools/github/providers/gh\n"
                         "oidc:\n  issuerUri: https://token.actions.githubusercontent.com\nstate: ACTIVE\n",
        "ci-policy.json": '{"bindings": [{"members": ["' + POOL + '/*"], "role": "roles/iam.workloadIdentityUser"}]}\n',
    })
    assert result.findings == []


def test_a_terraform_pool_is_not_joined_to_a_gcloud_export_of_another_project(scan_files):
    # "github" is everyone's pool id: the Terraform pool (project number unknown) must not
    # borrow the pool-wide member of an unrelated project's exported policy.
    result = scan_files({
        "infra/wif.tf": PROVIDER_TF.replace("CONDITION", '"assertion.repository_owner == \'acme\'"'),
        "exports/ci-policy.json": '{"bindings": [{"members": ["' + POOL + '/*"], "role": "roles/iam.workloadIdentityUser"}]}\n',
    })
    assert result.findings == []


def test_a_terraform_pool_joins_its_own_bindings_literal_member(scan_files):
    result = scan_files({"infra/wif.tf": PROVIDER_TF.replace("CONDITION", '"assertion.repository_owner == \'acme\'"') + grant(POOL + "/*")})
    assert [(r, a) for r, _, _, _, a, _ in brief(result)] == [("TL001", "google_service_account_iam_member.ci")]


def test_a_condition_that_runs_long_is_tl000_not_a_hang(scan_files, monkeypatch):
    # A hostile file's CEL (nested comprehensions) is stopped by the per-expression time budget.
    import time

    import trustlint.trust.cel

    monkeypatch.setattr(trustlint.trust.cel, "TIME_BUDGET_SECONDS", 0.3)
    big = "[" + ",".join(str(i) for i in range(150)) + "]"
    slow = f"{big}.all(x, {big}.all(y, {big}.all(z, x + y + z >= 0)))"
    provider = PROVIDER_TF.replace("CONDITION", f'"{slow}"')
    start = time.monotonic()
    result = scan_files({"wif.tf": provider + grant("principalSet://iam.googleapis.com/${google_iam_workload_identity_pool.gh.name}/*")})
    assert time.monotonic() - start < 10
    assert [(r, line) for r, _, line, _, _, _ in brief(result)] == [("TL000", 12)]
    assert "takes too long" in result.findings[0].message


POOL_ONLY = '''resource "google_iam_workload_identity_pool" "github" {
  workload_identity_pool_id = "github-actions"
}

resource "google_iam_workload_identity_pool_provider" "github" {
  workload_identity_pool_id          = google_iam_workload_identity_pool.github.workload_identity_pool_id
  workload_identity_pool_provider_id = "github"
  attribute_mapping = {
    "google.subject"       = "assertion.sub"
    "attribute.repository" = "assertion.repository"
  }
  CONDITION
  oidc {
    issuer_uri = "https://token.actions.githubusercontent.com"
  }
}
'''


@pytest.mark.parametrize("condition,expected", [
    ("attribute_condition = \"assertion.repository.startsWith('acme')\"", [("TL001", 12, "critical")]),
    ("attribute_condition = \"assertion.repository.startsWith('acme/')\"", []),  # which acme repository: the grants'
    ("", [("TL002", 5, "critical")]),
    ("attribute_condition = \"assertion.repository_owner == \"", [("TL000", 12, "high")]),  # invalid CEL is not silent
])
def test_a_provider_no_grant_in_the_scan_reaches_is_judged_on_its_own(scan_files, condition, expected):
    result = scan_files({"wif.tf": POOL_ONLY.replace("CONDITION", condition)})
    assert [(f.rule_id, f.span.line, f.severity) for f in result.findings] == expected
    assert all(f.address == "google_iam_workload_identity_pool_provider.github" for f in result.findings if f.rule_id != "TL000")


def test_a_provider_condition_from_a_variable_or_null_is_not_dropped_silently(scan_files):
    partial = POOL_ONLY.replace("CONDITION", "attribute_condition = \"assertion.repository_owner == '${var.org}'\"")
    result = scan_files({"wif.tf": 'variable "org" {}\n' + partial})
    assert result.findings == []  # the owner is whatever var.org is: judged, not a wildcard
    assert any("partly not known statically" in u[4] for u in result.unknowns)
    whole = scan_files({"wif.tf": 'variable "condition" {}\n' + POOL_ONLY.replace("CONDITION", "attribute_condition = var.condition")})
    assert any("not known statically; not judged" in u[4] for u in whole.unknowns)
    null = scan_files({"wif.tf": POOL_ONLY.replace("CONDITION", "attribute_condition = null")})
    assert [(f.rule_id, f.severity) for f in null.findings] == [("TL002", "critical")]


def test_a_service_account_policy_written_as_json_is_read(scan_files):
    provider = POOL_ONLY.replace("CONDITION", "attribute_condition = \"assertion.repository_owner == 'acme'\"")
    policy = '''resource "google_service_account_iam_policy" "deploy" {
  service_account_id = "projects/acme/serviceAccounts/deploy@acme.iam.gserviceaccount.com"
  policy_data = jsonencode({
    bindings = [{
      role    = "roles/iam.workloadIdentityUser"
      members = ["principalSet://iam.googleapis.com/${google_iam_workload_identity_pool.github.name}/*"]
    }]
  })
}
'''
    result = scan_files({"wif.tf": provider, "sa.tf": policy})
    assert ("TL001", "google_service_account_iam_policy.deploy") in [(f.rule_id, f.address) for f in result.findings]


def test_an_aws_or_saml_pool_provider_is_listed_not_silently_skipped(scan_files):
    provider = POOL_ONLY.replace("  CONDITION\n", "").replace(
        '  oidc {\n    issuer_uri = "https://token.actions.githubusercontent.com"\n  }', '  aws {\n    account_id = "999999999999"\n  }')
    result = scan_files({"wif.tf": provider})
    assert any("AWS pool provider" in u[4] for u in result.unknowns), result.unknowns


def test_a_module_provider_judged_alone_waits_for_its_callers(scan_files):
    module = 'variable "attribute_condition" {\n  default = null\n}\nvariable "issuer" {}\n' + POOL_ONLY.replace(
        "CONDITION", "attribute_condition = var.attribute_condition")
    result = scan_files({"wif.tf": module})
    assert result.findings == []
    assert any("the callers decide" in u[4] for u in result.unknowns)
    unknown_issuer = scan_files({"wif.tf": 'variable "issuer" {}\n' + POOL_ONLY.replace("CONDITION", "").replace(
        '"https://token.actions.githubusercontent.com"', "var.issuer")})
    assert unknown_issuer.findings == [] and any("issuer is not known" in u[4] for u in unknown_issuer.unknowns)


# -- the searched subset of CEL (trust/cel_ways.py) ------------------------------------------

def _ways(text: str) -> list[set]:
    from trustlint.trust.cel_ways import parse, ways_true

    return [{(test[1][1], test[2], test[3], wanted) for test, wanted in way} for way in ways_true(parse(text))]


def test_negations_are_pushed_to_the_tests_and_or_splits_the_ways():
    assert _ways("!(assertion.a == 'x' || assertion.b != 'y')") == [{("a", "==", ("x",), False), ("b", "==", ("y",), True)}]
    assert _ways("assertion.a in ['x', 'y'] || !assertion.b.startsWith('z')") == [
        {("a", "in", ("x", "y"), True)}, {("b", "startsWith", ("z",), False)}]
    assert _ways("assertion.a == 'x' && !(assertion.a == 'x')") == []  # a test wanted both ways: never true
    assert _ways("true || assertion.a == 'x'") == [set(), {("a", "==", ("x",), True)}]


def test_has_and_reversed_comparisons_and_escapes_are_read():
    assert _ways("has(assertion.environment) && 'acme' == assertion['repository_owner']") == [
        {("environment", "present", (), True), ("repository_owner", "==", ("acme",), True)}]
    assert _ways(r"assertion.sub.matches('^repo:acme/[^:]+:ref:refs/heads/main$')")[0] == {
        ("sub", "matches", ("^repo:acme/[^:]+:ref:refs/heads/main$",), True)}
    assert _ways("assertion.a == \"it\\'s\"") == [{("a", "==", ("it's",), True)}]


@pytest.mark.parametrize("text", [
    "size(assertion.repository) > 0", "assertion.sub.split(':')[1] == 'acme'", "assertion.run_number > 3",
    "'acme' in assertion.groups", "assertion.a == 'x' ? true : false", "assertion.a == 'x' &&",
])
def test_cel_beyond_the_subset_is_unsupported_not_guessed(text):
    from trustlint.trust.cel_ways import Unsupported, parse

    with pytest.raises(Unsupported):
        parse(text)


@pytest.mark.parametrize("pattern, accepted, rejected", [
    ("^acme/.*$", ["acme/", "acme/app"], ["xacme/app", "acm"]),
    ("acme", ["acme", "xacmex"], ["acm"]),
    ("^(acme|ab)$", ["acme", "ab"], ["abc", "xab"]),
    ("^repo:acme/[^:]+:ref:refs/heads/(main|release)$", ["repo:acme/app:ref:refs/heads/main"],
     ["repo:acme/a:b:ref:refs/heads/main", "repo:acme/:ref:refs/heads/main"]),
    (r"^v\d+\.\d{1,2}$", ["v1.2", "v10.12"], ["v1.123", "v1x2"]),
    ("^a?b+$", ["b", "abbb"], ["a", "aab"]),
    ("^main$|^release/.+$", ["main", "release/1"], ["mainx", "release/", "xrelease/1"]),
])
def test_regular_expressions_in_the_subset_match_as_re2_does(pattern, accepted, rejected):
    import re2

    from trustlint.trust.admission import _accepts
    from trustlint.trust.cel_ways import regex_union

    union = regex_union(pattern)
    for text in accepted + rejected:
        assert _accepts(union, text) == (re2.search(pattern, text) is not None), (pattern, text)


@pytest.mark.parametrize("pattern", ["(?i)acme", r"\bacme", "(ab)+", "a{1,50}", "[[:alpha:]]"])
def test_regular_expressions_beyond_the_subset_are_unsupported(pattern):
    from trustlint.trust.cel_ways import Unsupported, regex_union

    with pytest.raises(Unsupported):
        regex_union(pattern)


def test_a_condition_the_search_cannot_read_is_explained_and_still_probed(scan_files):
    # size() is valid CEL the witness search does not read: the anchored probes still judge
    # the trust (the owner is named), and --explain-unknowns says the search did not run.
    provider = PROVIDER_TF.replace("CONDITION", "\"size(assertion.workflow) > 0 && assertion.repository_owner == 'acme'\"")
    result = scan_files({"wif.tf": provider + grant(POOL + "/*")})
    assert [(f.rule_id, f.span.line, f.severity) for f in result.findings] == [("TL001", 12, "high")]
    assert [(u[0], u[1], u[2]) for u in result.unknowns] == [("wif.tf", 12, 25)]
    assert "the attribute condition is not searched (the name 'size'): judged by anchored probes only" in result.unknowns[0][4]


def test_an_attribute_mapped_by_an_expression_is_explained(scan_files):
    provider = PROVIDER_TF.replace('"attribute.repository" = "assertion.repository"',
                                   '"attribute.repo_ref" = "assertion.repository + \'@\' + assertion.ref"')
    condition = "\"attribute.repo_ref.startsWith('acme/app@refs/heads/')\""
    result = scan_files({"wif.tf": provider.replace("CONDITION", condition) + grant(POOL + "/*")})
    assert any("not searched (the mapping of attribute.repo_ref" in u[4] for u in result.unknowns), result.unknowns


def test_a_gitlab_condition_is_explained_as_probed_only(scan_files):
    provider = PROVIDER_TF.replace("CONDITION", "\"assertion.namespace_path == 'acme'\"").replace(
        "https://token.actions.githubusercontent.com", "https://gitlab.com")
    result = scan_files({"wif.tf": provider + grant(POOL + "/*")})
    assert [u[4] for u in result.unknowns] == [
        "the attribute condition is not searched (tokens of gitlab issuers are not modelled): judged by anchored probes only"]


def _regex_pieces():
    from hypothesis import strategies as st

    atom = st.sampled_from(["a", "b", "/", ":", ".", "[ab]", "[^:]", r"\d", "1", r"\."])
    quantified = st.tuples(atom, st.sampled_from(["", "", "*", "+", "?", "{2}", "{1,2}"])).map("".join)
    group = st.lists(st.lists(quantified, min_size=1, max_size=2).map("".join), min_size=2, max_size=2).map(
        lambda alts: "(" + "|".join(alts) + ")")
    body = st.lists(st.one_of(quantified, group), min_size=1, max_size=4).map("".join)
    return st.tuples(st.sampled_from(["", "^"]), body, st.sampled_from(["", "$"])).map("".join)


def test_the_regex_subset_agrees_with_re2_on_random_patterns():
    import re2
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from trustlint.trust.admission import _accepts
    from trustlint.trust.cel_ways import Unsupported, regex_union

    from .conftest import DERANDOMIZE

    @settings(max_examples=300, deadline=None, derandomize=DERANDOMIZE)
    @given(_regex_pieces(), st.lists(st.text(alphabet="ab/:1.x", max_size=6), min_size=1, max_size=8))
    def check(pattern, texts):
        try:
            union = regex_union(pattern)
        except Unsupported:
            return
        for text in texts:
            assert _accepts(union, text) == (re2.search(pattern, text) is not None), (pattern, text)

    check()


@pytest.mark.parametrize("text", ["assertion.sub", " assertion.run_number ", "assertion.flag", "assertion.groups", "assertion.missing",
                                  "assertion.nested"])
def test_a_plain_claim_mapping_reads_what_cel_reads(text):
    # Mappings of the form assertion.NAME skip the interpreter: the same value, or Missing.
    from trustlint.source import Span
    from trustlint.trust.cel import ClaimReference, Expression, Missing

    assertion = {"sub": "repo:acme/app:pull_request", "run_number": 42, "flag": True, "groups": ["a", "b"], "nested": {"k": [1.5]}}

    def value(program):
        try:
            return program.evaluate(assertion)
        except Missing:
            return Missing

    fast = ClaimReference.of(text)
    assert fast is not None and value(fast) == value(Expression(text, Span(1, 1, 1, 2), "wif.tf", "mapping"))
    assert ClaimReference.of("assertion.namespace") is None and ClaimReference.of("assertion.sub + 'x'") is None


# -- hostile conditions: bounded, never silent -------------------------------------------------

def _gcp_tf(condition: str) -> str:
    from .test_admission import gcp_tf

    return gcp_tf(condition)


@pytest.mark.parametrize("condition, findings, reason", [
    ("!(" * 300 + "assertion.repository_owner == 'acme'" + ")" * 300, [("TL000", 12)], "(nesting too deep)"),
    (" && ".join(f"(assertion.ref == 'refs/heads/b{i}' || assertion.environment == 'e{i}')" for i in range(9)), [],
     "(more than 256 ways to be true)"),
    ("assertion.sub.matches('^" + "(a|b)" * 12 + "$')", [], "(a regular expression with too many alternatives)"),
])
def test_a_condition_too_large_to_search_is_explained(scan_files, condition, findings, reason):
    result = scan_files({"main.tf": _gcp_tf(condition)})
    assert [(f.rule_id, f.span.line) for f in result.findings] == findings
    assert [u[4] for u in result.unknowns] == [f"the attribute condition is not searched {reason}: judged by anchored probes only"]


def test_a_search_out_of_time_is_tl000_at_the_grant(scan_files, monkeypatch):
    import time

    from trustlint.trust import gcp_witness

    monkeypatch.setattr(gcp_witness, "TIME_BUDGET_SECONDS", 0.2)
    condition = " && ".join(f"assertion.sub.matches('.*{c}.*{c}.*{c}.*')" for c in "abcdefgh")
    started = time.monotonic()
    result = scan_files({"main.tf": _gcp_tf(condition)})
    assert time.monotonic() - started < 10
    assert [(f.rule_id, f.span.line, f.address) for f in result.findings] == [("TL000", 22, "google_service_account_iam_member.wif")]
    assert "the attribute condition could not be decided (the time budget for one trust was spent)" in result.findings[0].message
