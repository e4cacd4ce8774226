"""Terraform reading: the shapes real trust code takes."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from .conftest import brief

PROVIDER = '''
resource "aws_iam_openid_connect_provider" "github" {
  url            = "https://token.actions.githubusercontent.com"
  client_id_list = ["sts.amazonaws.com"]
}
'''


def test_policy_document_with_dynamic_conditions_over_known_locals(scan_files):
    result = scan_files({"main.tf": PROVIDER + '''
locals {
  conditions = [
    { test = "StringEquals", variable = "token.actions.githubusercontent.com:aud", values = ["sts.amazonaws.com"] },
    { test = "StringLike", variable = "token.actions.githubusercontent.com:sub", values = ["repo:acme/*"] },
  ]
}
data "aws_iam_policy_document" "trust" {
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = [aws_iam_openid_connect_provider.github.arn]
    }
    dynamic "condition" {
      for_each = local.conditions
      content {
        test     = condition.value.test
        variable = condition.value.variable
        values   = condition.value.values
      }
    }
  }
}
resource "aws_iam_role" "ci" {
  name               = "ci"
  assume_role_policy = data.aws_iam_policy_document.trust.json
}
'''})
    assert [(r, line, a, s) for r, _, line, _, a, s in brief(result)] == [("TL001", 10, "aws_iam_role.ci", "high")]


def test_unexpandable_dynamic_condition_is_unknown_not_missing(scan_files):
    result = scan_files({"main.tf": '''
variable "conditions" { type = list(any) }
data "aws_iam_policy_document" "trust" {
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = ["arn:aws:iam::1:oidc-provider/token.actions.githubusercontent.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "token.actions.githubusercontent.com:aud"
      values   = ["sts.amazonaws.com"]
    }
    dynamic "condition" {
      for_each = var.conditions
      content {
        test     = condition.value.test
        variable = condition.value.variable
        values   = condition.value.values
      }
    }
  }
}
resource "aws_iam_role" "ci" {
  assume_role_policy = data.aws_iam_policy_document.trust.json
}
'''})
    assert result.findings == []


def test_unknown_variable_subject_is_never_a_wildcard(scan_files):
    result = scan_files({"main.tf": '''
variable "subject" { type = string }
resource "aws_iam_role" "ci" {
  assume_role_policy = jsonencode({
    Statement = [{
      Effect = "Allow", Action = "sts:AssumeRoleWithWebIdentity"
      Principal = { Federated = "arn:aws:iam::1:oidc-provider/token.actions.githubusercontent.com" }
      Condition = {
        StringEquals = { "token.actions.githubusercontent.com:aud" = "sts.amazonaws.com" }
        StringLike   = { "token.actions.githubusercontent.com:sub" = var.subject }
      }
    }]
  })
}
'''})
    assert result.findings == []


def test_partly_unknown_subject_keeps_its_literal_wildcard(scan_files):
    result = scan_files({"main.tf": '''
variable "org" { type = string }
resource "aws_iam_role" "ci" {
  assume_role_policy = jsonencode({
    Statement = [{
      Effect = "Allow", Action = "sts:AssumeRoleWithWebIdentity"
      Principal = { Federated = "arn:aws:iam::1:oidc-provider/token.actions.githubusercontent.com" }
      Condition = {
        StringEquals = { "token.actions.githubusercontent.com:aud" = "sts.amazonaws.com" }
        StringLike   = { "token.actions.githubusercontent.com:sub" = "repo:${var.org}/*" }
      }
    }]
  })
}
'''})
    (finding,) = result.findings
    assert (finding.rule_id, finding.span.line, finding.severity) == ("TL001", 10, "high")
    assert "any repository of \u27e8var.org\u27e9" in finding.message


def test_heredoc_policy_locations_point_into_the_heredoc(scan_files):
    result = scan_files({"main.tf": '''
resource "aws_iam_role" "ci" {
  assume_role_policy = <<EOF
{
  "Statement": [{
    "Effect": "Allow",
    "Action": "sts:AssumeRoleWithWebIdentity",
    "Principal": {"Federated": "arn:aws:iam::1:oidc-provider/token.actions.githubusercontent.com"},
    "Condition": {
      "StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"},
      "StringLike": {"token.actions.githubusercontent.com:sub": "repo:${var.org}/*"}
    }
  }]
}
EOF
}
variable "org" { default = "acme" }
'''})
    (finding,) = result.findings
    assert (finding.rule_id, finding.span.line, finding.span.column) == ("TL001", 11, 65)


def test_a_resource_behind_a_count_flag_is_judged_as_if_enabled(scan_files):
    result = scan_files({"main.tf": '''
variable "create_key" { default = false }
resource "aws_iam_user" "u" { name = "u" }
resource "aws_iam_access_key" "k" {
  count = var.create_key ? 1 : 0
  user  = aws_iam_user.u.name
}
resource "aws_iam_access_key" "never" {
  count = 0
  user  = aws_iam_user.u.name
}
'''})
    # One variable away from existing: judged, naming the setting; `count = 0` is no flag.
    assert [(f.rule_id, f.address) for f in result.findings] == [("TL006", "aws_iam_access_key.k[0]")]
    assert result.findings[0].message.endswith("(when enabled: count = var.create_key ? 1 : 0 is off with today's values)")


def test_policy_from_file_reports_in_the_json_file(scan_files):
    result = scan_files({
        "main.tf": 'resource "aws_iam_role" "ci" {\n  assume_role_policy = file("${path.module}/trust.json")\n}\n',
        "trust.json": '{"Statement": [{"Effect": "Allow", "Action": "sts:AssumeRoleWithWebIdentity",\n'
                      ' "Principal": {"Federated": "arn:aws:iam::1:oidc-provider/token.actions.githubusercontent.com"}}]}\n',
    })
    assert [(r, p, line, a) for r, p, line, _, a, _ in brief(result)] == [
        ("TL002", "trust.json", 1, "aws_iam_role.ci"),
        ("TL003", "trust.json", 1, "aws_iam_role.ci"),
    ]


def test_for_expressions_grouping_and_splat():
    from trustlint.terraform.hcl import parse_hcl
    from trustlint.terraform.evaluator import Evaluator, Module, plain
    from trustlint.source import SourceFile

    source = SourceFile("m.tf", '''
locals {
  items   = [{ k = "a", v = 1 }, { k = "b", v = 2 }, { k = "a", v = 3 }]
  grouped = { for i in local.items : i.k => i.v... }
  keys    = local.items[*].k
  arn     = replace("arn:aws:iam::1:oidc-provider/oidc.eks.x/id/AB", "/^(.*provider/)/", "")
  subject = format("system:serviceaccount:%s:%s", "ns", "sa")
}
''')
    module = Module(parse_hcl(source))
    evaluator = Evaluator(module, source)
    value = {name: plain(evaluator._local(name, None)) for name in ("grouped", "keys", "arn", "subject")}
    assert value == {"grouped": {"a": [1, 3], "b": [2]}, "keys": ["a", "b", "a"],
                     "arn": "oidc.eks.x/id/AB", "subject": "system:serviceaccount:ns:sa"}


def test_a_resource_defined_twice_in_one_directory_is_tl000_at_both_places(scan_files):
    exact = WILDCARD_ROLE_FOR_DUPLICATES.replace("repo:acme/*", "repo:acme/app:ref:refs/heads/main")
    result = scan_files({"a.tf": WILDCARD_ROLE_FOR_DUPLICATES, "b.tf": exact})
    tl000 = sorted((f.path, f.span.line) for f in result.findings if f.rule_id == "TL000")
    assert tl000 == [("a.tf", 1), ("b.tf", 1)]
    assert all("aws_iam_role.deploy is defined twice (a.tf:1 and b.tf:1)" in f.message
               for f in result.findings if f.rule_id == "TL000")


WILDCARD_ROLE_FOR_DUPLICATES = """resource "aws_iam_role" "deploy" {
  name = "deploy"
  assume_role_policy = jsonencode({
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRoleWithWebIdentity"
      Principal = { Federated = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com" }
      Condition = {
        StringEquals = { "token.actions.githubusercontent.com:aud" = "sts.amazonaws.com" }
        StringLike   = { "token.actions.githubusercontent.com:sub" = "repo:acme/*" }
      }
    }]
  })
}
"""


def test_a_session_duration_written_as_a_decimal_number_is_read_whole(scan_files):
    role = WILDCARD_ROLE_FOR_DUPLICATES.replace('  name = "deploy"', '  name = "deploy"\n  max_session_duration = 43200.0')
    result = scan_files({"main.tf": role.replace("repo:acme/*", "repo:acme/app:ref:refs/heads/main")})
    assert [(f.rule_id, f.span.line) for f in result.findings] == [("TL005", 3)]


def test_a_heredoc_closing_marker_with_trailing_blanks_ends_it_as_hcl_does(scan_files):
    role = """resource "aws_iam_role" "deploy" {
  name = "deploy"
  assume_role_policy = <<EOF
{"Statement": [{"Effect": "Allow", "Action": "sts:AssumeRoleWithWebIdentity",
  "Principal": {"Federated": "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"},
  "Condition": {"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"},
                "StringLike": {"token.actions.githubusercontent.com:sub": "repo:acme/*"}}}]}
EOF   
}
"""
    result = scan_files({"main.tf": role})
    assert [(f.rule_id, f.span.line) for f in result.findings] == [("TL001", 7)]


def test_opentofu_files_are_read_and_replace_their_tf_twin(scan_files):
    role = '''resource "aws_iam_role" "ci" {
  name = "ci"
  assume_role_policy = jsonencode({
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRoleWithWebIdentity"
      Principal = { Federated = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com" }
      Condition = {
        StringEquals = { "token.actions.githubusercontent.com:aud" = "sts.amazonaws.com" }
        StringLike   = { "token.actions.githubusercontent.com:sub" = "SUBJECT" }
      }
    }]
  })
}
'''
    result = scan_files({"iam.tofu": role.replace("SUBJECT", "repo:*"),
                         "iam.tf": role.replace("SUBJECT", "repo:acme/app:environment:production"),
                         "other.tofu": role.replace('"ci"', '"other"').replace("SUBJECT", "repo:acme/*")})
    assert sorted((f.rule_id, f.path, f.severity) for f in result.findings) == [
        ("TL001", "iam.tofu", "critical"), ("TL001", "other.tofu", "high")]


def test_an_if_directive_with_a_known_condition_keeps_the_rest_of_the_heredoc_known(scan_files):
    role = '''variable "break_glass" { default = BREAK }
resource "aws_iam_role" "ci" {
  name = "ci"
  assume_role_policy = <<EOT
{
  "Statement": [{
    "Effect": "Allow",
    "Action": "sts:AssumeRoleWithWebIdentity",
    "Principal": {"Federated": "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"},
    "Condition": {"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"},
                  "StringLike": {"token.actions.githubusercontent.com:sub": "repo:acme/*"}}
  }%{ if var.break_glass },{"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"AWS": "*"}}%{ endif }]
}
EOT
}
'''
    off = scan_files({"main.tf": role.replace("BREAK", "false")})
    assert [(f.rule_id, f.span.line) for f in off.findings] == [("TL001", 11)]
    on = scan_files({"main.tf": role.replace("BREAK", "true")})
    assert sorted((f.rule_id, f.span.line) for f in on.findings) == [("TL001", 11), ("TL007", 12)]
    # Not known statically: both branches are read, so the break-glass statement is judged too.
    unknown = scan_files({"main.tf": role.replace("var.break_glass", "var.unset").replace("BREAK", "false")})
    assert sorted((f.rule_id, f.span.line) for f in unknown.findings) == [("TL001", 11), ("TL007", 12)]
    assert all("judged for each branch of %{ if var.unset }" in f.message for f in unknown.findings)


def test_an_eks_issuer_is_named_as_eks(scan_files):
    policy = ('{"Statement": [{"Effect": "Allow", "Action": "sts:AssumeRoleWithWebIdentity", "Principal": {"Federated": '
              '"arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC"}}]}')
    result = scan_files({"trust.json": policy})
    (tl002,) = [f for f in result.findings if f.rule_id == "TL002"]
    assert "the EKS cluster issuer oidc.eks.eu-west-1.amazonaws.com/id/ABC (eu-west-1)" in tl002.message


def test_sensitive_nonsensitive_and_base64decode_keep_values_known(scan_files):
    import base64

    policy = ('{"Statement": [{"Effect": "Allow", "Action": "sts:AssumeRoleWithWebIdentity", "Principal": {"Federated": '
              '"arn:aws:iam::1:oidc-provider/token.actions.githubusercontent.com"}, "Condition": {"StringLike": '
              '{"token.actions.githubusercontent.com:sub": "repo:*"}}}]}')
    encoded = base64.b64encode(policy.encode()).decode()
    result = scan_files({"main.tf": f'''
variable "subject" {{ default = "repo:*" }}
resource "aws_iam_role" "encoded" {{
  name               = "encoded"
  assume_role_policy = base64decode("{encoded}")
}}
resource "aws_iam_role" "hidden" {{
  name = "hidden"
  assume_role_policy = jsonencode({{
    Statement = [{{
      Effect    = "Allow"
      Action    = "sts:AssumeRoleWithWebIdentity"
      Principal = {{ Federated = "arn:aws:iam::1:oidc-provider/token.actions.githubusercontent.com" }}
      Condition = {{ StringLike = {{ "token.actions.githubusercontent.com:sub" = nonsensitive(sensitive(var.subject)) }} }}
    }}]
  }})
}}
'''})
    assert {f.address for f in result.findings if f.rule_id in ("TL001", "TL002")} == {"aws_iam_role.encoded", "aws_iam_role.hidden"}


def test_a_condition_block_not_known_statically_does_not_hide_its_twin(scan_files):
    document = '''variable "extra_subjects" {}
data "aws_iam_policy_document" "trust" {
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = ["arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"]
    }
    condition {
      test     = "StringLike"
      variable = "token.actions.githubusercontent.com:sub"
      values   = ["repo:acme/*"]
    }
    condition {
      test     = "StringLike"
      variable = "token.actions.githubusercontent.com:sub"
      values   = var.extra_subjects
    }
  }
}
resource "aws_iam_role" "ci" {
  name               = "ci"
  assume_role_policy = data.aws_iam_policy_document.trust.json
}
'''
    result = scan_files({"main.tf": document})
    assert ("TL001", "aws_iam_role.ci") in [(f.rule_id, f.address) for f in result.findings]


def test_no_role_provider_or_credential_is_dropped_without_an_explanation(scan_files):
    """Every resource that can make a trust or a key either becomes one (judged) or is listed
    by --explain-unknowns or is TL000: none disappears. The file makes each unknown in a
    different way (a variable without a value, a template of a missing file, an unknown pool)."""
    import re

    from .conftest import REPO_ROOT

    text = (REPO_ROOT / "tests" / "data" / "unknown-parts.tf").read_text()
    result = scan_files({"main.tf": text})
    kinds = ("aws_iam_role", "azurerm_federated_identity_credential", "google_iam_workload_identity_pool_provider",
             "aws_iam_access_key")
    addresses = [f"{k}.{n}" for k, n in re.findall(r'resource "([a-z_]+)" "([a-z_]+)"', text) if k in kinds]
    assert len(addresses) == 4
    seen = {t.address for t in result.model.trusts} | {c.address for c in result.model.credentials}
    explained = " ".join(f"{u[3]} {u[4]}" for u in result.unknowns) + " ".join(f.message for f in result.findings)
    for address in addresses:
        assert address in explained, (address, result.unknowns)
    assert seen  # the FIC's trust is built (with its unknown parts equal only to themselves)


@pytest.mark.parametrize("count", ["var.create_key", "length(var.key_users)", "local.keys ? 1 : 0"])
def test_any_count_that_depends_on_a_value_is_a_flag(scan_files, count):
    result = scan_files({"main.tf": f'''
variable "create_key" {{ default = false }}
variable "key_users" {{ default = [] }}
locals {{ keys = false }}
resource "aws_iam_access_key" "k" {{
  count = {count}
  user  = "ci"
}}
'''})
    assert [(f.rule_id, f.address) for f in result.findings] == [("TL006", "aws_iam_access_key.k[0]")]
    assert f"(when enabled: count = {count} is off" in result.findings[0].message


def test_a_for_each_empty_today_but_from_a_value_is_judged_as_one_instance(scan_files):
    role = '''variable "deploy_repos" { default = {} }
resource "aws_iam_role" "deploy" {
  for_each = var.deploy_repos
  name     = "deploy-${each.key}"
  assume_role_policy = jsonencode({
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRoleWithWebIdentity"
      Principal = { Federated = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com" }
      Condition = { StringLike = { "token.actions.githubusercontent.com:sub" = "repo:*" } }
    }]
  })
}
resource "aws_iam_access_key" "never" {
  for_each = toset([])
  user     = each.key
}
'''
    result = scan_files({"main.tf": role})
    tl = [(f.rule_id, f.address) for f in result.findings if f.rule_id in ("TL001", "TL006")]
    assert tl == [("TL001", "aws_iam_role.deploy")]
    (tl001,) = [f for f in result.findings if f.rule_id == "TL001"]
    assert tl001.message.endswith("(when enabled: for_each = var.deploy_repos is off with today's values)")


def test_only_a_closing_marker_before_the_first_plain_one_is_trimmed():
    from trustlint.terraform.hcl import _heredoc_markers_trimmed

    two = 'a = <<EOF\nx\nEOF\nb = <<EOF\ny\nEOF  \n'
    assert _heredoc_markers_trimmed(two) == 'a = <<EOF\nx\nEOF\nb = <<EOF\ny\n  EOF\n'
    after_a_plain_close = 'a = <<EOF\nx\nEOF\nEOF  \n'  # the heredoc ended already: the line is not its end
    assert _heredoc_markers_trimmed(after_a_plain_close) == after_a_plain_close
    unclosed = 'a = <<EOF\nx\n'
    assert _heredoc_markers_trimmed(unclosed) == unclosed


def _markers_trimmed_by_searches(text: str) -> str:
    """The heredoc trimming as it was first written (two searches per opener): the reference."""
    import re

    out, position = [], 0
    for opened in re.finditer(r"<<-?([A-Za-z][\w-]*)[ \t]*\r?\n", text):
        if opened.start() < position:
            continue
        marker = opened.group(1)
        closing = re.compile(r"^([ \t]*)" + re.escape(marker) + r"([ \t]+)(\r?)$", re.M).search(text, opened.end())
        plain = re.compile(r"^[ \t]*" + re.escape(marker) + r"\r?$", re.M).search(text, opened.end())
        if closing is None or (plain is not None and plain.start() < closing.start()):
            continue
        out += [text[position:closing.start()], closing.group(1) + closing.group(2) + marker + closing.group(3)]
        position = closing.end()
    return "".join(out) + text[position:]


_HEREDOC_PIECES = ["<<EOF\n", "<<-EOF\n", "<<EOF \n", "<<E\r\n", "EOF", "EOF  ", "  EOF", " EOF\t", "EOF\r", "EOFX", "E",
                   "\n", "x = ", "{", "}", " ", "é", "<<", "-", "\t", "EOF-", "EOFé"]


@settings(max_examples=2000, deadline=None)
@given(st.lists(st.sampled_from(_HEREDOC_PIECES), max_size=16), st.booleans())
def test_heredoc_trimming_is_the_trimming_by_two_searches_per_opener(pieces, by_index):
    from unittest import mock

    from trustlint.terraform import hcl

    text = "<<" + "".join(pieces)
    # by_index: the one-pass index used for files of many different markers, for any file
    with mock.patch.object(hcl, "_MANY_MARKERS", -1 if by_index else hcl._MANY_MARKERS):
        assert hcl._heredoc_markers_trimmed(text) == _markers_trimmed_by_searches(text)


def test_openers_never_closed_do_not_make_trimming_quadratic():
    # A hang guard, not a speed target: 40,000 `# <<M` lines took minutes with a search per opener.
    import time

    from trustlint.terraform.hcl import _heredoc_markers_trimmed

    for text in ('resource "a" "b" {}\n' + "# <<M\n" * 40_000,  # one marker, never closed
                 'resource "a" "b" {}\n' + "".join(f"# <<M{i}\n" for i in range(40_000))):  # as many markers
        start = time.perf_counter()
        assert _heredoc_markers_trimmed(text) == text
        assert time.perf_counter() - start < 10
