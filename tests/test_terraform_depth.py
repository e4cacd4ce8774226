"""Terraform as Terraform evaluates it: tfvars, count/for_each instances, local modules
(addressed module.NAME.type.name, naming the call site) and well-known registry modules."""

from __future__ import annotations

import pytest

from .conftest import brief

ROLE_MODULE = '''
variable "name" {}
variable "subjects" { type = list(string) }
variable "max_session" { default = 3600 }

resource "aws_iam_role" "this" {
  name                 = var.name
  max_session_duration = var.max_session
  assume_role_policy = jsonencode({
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRoleWithWebIdentity"
      Principal = { Federated = "arn:aws:iam::1:oidc-provider/token.actions.githubusercontent.com" }
      Condition = {
        StringEquals = { "token.actions.githubusercontent.com:aud" = "sts.amazonaws.com" }
        StringLike   = { "token.actions.githubusercontent.com:sub" = var.subjects }
      }
    }]
  })
}
'''


def test_tfvars_set_variables(scan_files):
    result = scan_files({
        "main.tf": 'variable "subject" { type = string }\n' + ROLE_MODULE.replace("var.subjects", "[var.subject]")
        .replace('variable "subjects" { type = list(string) }', '').replace('variable "name" {}', 'variable "name" { default = "ci" }'),
        "terraform.tfvars": 'subject = "repo:acme/*"\n',
    })
    assert [(r, a) for r, _, _, _, a, _ in brief(result)] == [("TL001", "aws_iam_role.this")]


def test_for_each_instances_are_addressed_by_key(scan_files):
    result = scan_files({"main.tf": '''
locals {
  deployers = {
    web = "repo:acme/web:environment:production"
    api = "repo:acme/api:*"
  }
}
resource "aws_iam_role" "deploy" {
  for_each = local.deployers
  name     = "deploy-${each.key}"
  assume_role_policy = jsonencode({
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRoleWithWebIdentity"
      Principal = { Federated = "arn:aws:iam::1:oidc-provider/token.actions.githubusercontent.com" }
      Condition = {
        StringEquals = { "token.actions.githubusercontent.com:aud" = "sts.amazonaws.com" }
        StringLike   = { "token.actions.githubusercontent.com:sub" = each.value }
      }
    }]
  })
}
'''})
    assert [(r, line, a) for r, _, line, _, a, _ in brief(result)] == [("TL001", 5, 'aws_iam_role.deploy["api"]')]


def test_count_instances(scan_files):
    result = scan_files({"main.tf": 'resource "aws_iam_user" "u" { name = "u" }\n'
                                    'resource "aws_iam_access_key" "k" {\n  count = 2\n  user = aws_iam_user.u.name\n}\n'})
    # One problem in the code, one finding naming every instance.
    assert [a for _, _, _, _, a, _ in brief(result)] == ["aws_iam_access_key.k[0]"]
    assert result.findings[0].message.endswith("(the same for aws_iam_access_key.k[1])")


def test_local_module_inputs_flow_in_and_findings_name_the_call_site(scan_files):
    result = scan_files({
        "modules/gha-role/main.tf": ROLE_MODULE,
        "envs/main.tf": '''
module "deploy" {
  source      = "../modules/gha-role"
  name        = "deploy"
  subjects    = ["repo:acme/*"]
  max_session = 43200
}
''',
    })
    found = [(r, p, line, a) for r, p, line, _, a, _ in brief(result)]
    assert ("TL001", "modules/gha-role/main.tf", 16, "module.deploy.aws_iam_role.this") in found
    assert ("TL005", "modules/gha-role/main.tf", 8, "module.deploy.aws_iam_role.this") in found
    # The module directory is not judged on its own (with unknown inputs) as well.
    assert all(a.startswith("module.deploy.") for *_, a in found)
    tl001 = next(f for f in result.findings if f.rule_id == "TL001")
    assert any(r.label.startswith("module call module.deploy") and r.path == "envs/main.tf" for r in tl001.related)


def test_registry_github_oidc_role_module(scan_files):
    result = scan_files({"main.tf": '''
module "github_oidc_role" {
  source  = "terraform-aws-modules/iam/aws//modules/iam-github-oidc-role"
  version = "~> 5.0"
  name     = "gha-deploy"
  subjects = ["acme/app:ref:refs/heads/main", "acme/*"]
  max_session_duration = 43200
}
'''})
    found = [(r, line, a, s) for r, _, line, _, a, s in brief(result)]
    assert ("TL001", 6, "module.github_oidc_role.aws_iam_role.this", "high") in found
    assert ("TL005", 7, "module.github_oidc_role.aws_iam_role.this", "high") in found


def test_registry_irsa_module(scan_files):
    result = scan_files({"main.tf": '''
module "irsa" {
  source    = "terraform-aws-modules/iam/aws//modules/iam-role-for-service-accounts-eks"
  role_name = "payments"
  assume_role_condition_test = "StringLike"
  oidc_providers = {
    main = {
      provider_arn               = module.eks.oidc_provider_arn
      namespace_service_accounts = ["payments:*"]
    }
  }
}
'''})
    assert [(r, line, a) for r, _, line, _, a, _ in brief(result)] == [("TL001", 9, "module.irsa.aws_iam_role.this")]


def test_registry_unfunco_and_gh_oidc_modules(scan_files):
    result = scan_files({"main.tf": '''
module "oidc_github" {
  source              = "unfunco/oidc-github/aws"
  github_repositories = ["acme/infra"]
}
module "gh_oidc" {
  source      = "terraform-google-modules/github-actions-runners/google//modules/gh-oidc"
  project_id  = "acme-ci"
  pool_id     = "github"
  provider_id = "github"
  attribute_condition = "assertion.repository_owner == 'acme'"
  sa_mapping = {
    deployer = {
      sa_name   = "projects/acme-ci/serviceAccounts/deployer@acme-ci.iam.gserviceaccount.com"
      attribute = "*"
    }
  }
}
'''})
    found = [(r, a, s) for r, _, _, _, a, s in brief(result)]
    assert ("TL001", "module.oidc_github.aws_iam_role.this", "medium") in found  # repo:acme/infra:* any ref
    assert ("TL001", 'module.gh_oidc.google_service_account_iam_member.wif["deployer"]', "high") in found


def test_terraform_show_json_plan(scan_files):
    from .conftest import REPO_ROOT

    plan = (REPO_ROOT / "tests" / "data" / "terraform-plan.json").read_text()
    result = scan_files({"plan.json": plan})
    found = [(r, a) for r, _, _, _, a, _ in brief(result)]
    assert sorted(found) == [("TL001", 'module.deploy.aws_iam_role.this["web"]'), ("TL006", "module.deploy.aws_iam_access_key.legacy")]
    assert result.findings[0].path == "plan.json"


def test_var_file_and_var_options(scan_files, tmp_path):
    from trustlint.cli import main

    scan_files({"main.tf": 'variable "subject" {}\n' + ROLE_MODULE.replace("var.subjects", "[var.subject]")
                .replace('variable "subjects" { type = list(string) }', '').replace('variable "name" {}', 'variable "name" { default = "ci" }'),
                "prod.tfvars": 'subject = "repo:acme/*"\n'})
    assert main(["scan", "main.tf"]) == 0
    assert main(["scan", "--var-file", "prod.tfvars", "main.tf"]) == 1
    assert main(["scan", "--var", "subject=repo:acme/app:environment:production", "main.tf"]) == 0


TEMPLATE = '''{
  "Statement": [{
    "Effect": "Allow",
    "Action": "sts:AssumeRoleWithWebIdentity",
    "Principal": {"Federated": "arn:aws:iam::${account}:oidc-provider/token.actions.githubusercontent.com"},
    "Condition": {
      "StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"},
      "StringLike": {"token.actions.githubusercontent.com:sub": "repo:${org}/${repo}"}
    }
  }]
}
'''


def test_templatefile_renders_with_its_variables_and_points_into_the_template(scan_files):
    main = '''
variable "account" {}
variable "env" { default = "production" }
resource "aws_iam_role" "ci" {
  assume_role_policy = templatefile("${path.module}/trust.json.tpl", {
    org  = "acme"
    repo = var.env == "production" ? "app:environment:production" : "app:*"
  })
}
'''
    result = scan_files({"main.tf": main, "trust.json.tpl": TEMPLATE})
    assert result.findings == []  # the conditional picked the exact production subject
    result = scan_files({"main.tf": main.replace('default = "production"', 'default = "staging"'), "trust.json.tpl": TEMPLATE})
    assert [(r, p, line) for r, p, line, _, _, _ in brief(result)] == [("TL001", "trust.json.tpl", 8)]


def test_source_policy_documents_compose(scan_files):
    result = scan_files({"main.tf": '''
data "aws_iam_policy_document" "base" {
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
    condition {
      test     = "StringLike"
      variable = "token.actions.githubusercontent.com:sub"
      values   = ["repo:acme/*"]
    }
  }
}
data "aws_iam_policy_document" "trust" {
  source_policy_documents = [data.aws_iam_policy_document.base.json]
}
resource "aws_iam_role" "ci" {
  assume_role_policy = data.aws_iam_policy_document.trust.json
}
'''})
    assert [(r, line, a) for r, _, line, _, a, _ in brief(result)] == [("TL001", 17, "aws_iam_role.ci")]


def test_override_policy_documents_replace_statements_by_sid(scan_files):
    base = '''
data "aws_iam_policy_document" "base" {
  statement {
    sid     = "GitHub"
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
    condition {
      test     = "StringLike"
      variable = "token.actions.githubusercontent.com:sub"
      values   = ["SUBJECT"]
    }
  }
}
'''
    main = base.replace('"base"', '"wide"').replace("SUBJECT", "repo:acme/*") + base.replace("SUBJECT", "repo:acme/app:environment:production") + '''
data "aws_iam_policy_document" "trust" {
  source_policy_documents   = [data.aws_iam_policy_document.wide.json]
  override_policy_documents = [data.aws_iam_policy_document.base.json]
}
resource "aws_iam_role" "ci" {
  assume_role_policy = data.aws_iam_policy_document.trust.json
}
'''
    assert scan_files({"main.tf": main}).findings == []  # the exact statement replaced the wildcard one


def test_auto_tfvars_and_explain_unknowns(scan_files, capsys):
    from trustlint.cli import main

    scan_files({
        "main.tf": 'variable "subject" {}\nvariable "name" {}\n' + ROLE_MODULE.replace("var.subjects", "[var.subject]")
        .replace('variable "subjects" { type = list(string) }', '').replace('variable "name" {}', ''),
        "ci.auto.tfvars": 'subject = "repo:acme/app:pull_request"\n',
    })
    assert main(["scan", "--explain-unknowns"]) == 0  # the auto.tfvars value is exact
    err = capsys.readouterr().err
    assert "unknown 'var.name'" not in err  # names are not part of the trust policy
    (__import__("pathlib").Path("ci.auto.tfvars")).unlink()
    assert main(["scan", "--explain-unknowns"]) == 0
    err = capsys.readouterr().err
    assert "main.tf:" in err and "unknown 'var.subject': aws_iam_role.this: input variable without a default" in err


WILDCARD_ROLE = ROLE_MODULE.replace('variable "name" {}', 'variable "name" { default = "ci" }').replace(
    'variable "subjects" { type = list(string) }', 'variable "subjects" { default = ["repo:acme/*"] }')


def test_an_unevaluable_count_is_judged_as_unknown_not_a_crash(scan_files):
    # A lookahead is not RE2 (Terraform's engine) syntax: the count is unknown, the role is still judged.
    role = WILDCARD_ROLE.replace('resource "aws_iam_role" "this" {', 'resource "aws_iam_role" "this" {\n  count = local.slug == "" ? 0 : 1')
    result = scan_files({"main.tf": 'locals { slug = replace(lower("Deploy Role"), "/(?=x)/", "-") }\n' + role})
    assert [(r, a) for r, _, _, _, a, _ in brief(result)] == [("TL001", "aws_iam_role.this")]


def test_an_re2_pattern_is_evaluated_as_terraform_does(scan_files):
    # \p{L} is RE2 syntax (Python's re lacks it): the slug is known, so is the count.
    role = WILDCARD_ROLE.replace('resource "aws_iam_role" "this" {', 'resource "aws_iam_role" "this" {\n  count = local.slug == "" ? 0 : 1')
    result = scan_files({"main.tf": 'locals { slug = replace(lower("Deploy Role"), "/[^\\\\p{L}]+/", "-") }\n' + role})
    assert [(r, a) for r, _, _, _, a, _ in brief(result)] == [("TL001", "aws_iam_role.this[0]")]


def test_an_absurd_count_is_tl000_there_and_the_scan_goes_on(scan_files):
    deep = "(" * 120 + "1" + ")" * 120
    role = WILDCARD_ROLE.replace('resource "aws_iam_role" "this" {', f'resource "aws_iam_role" "this" {{\n  count = {deep}')
    result = scan_files({"main.tf": role, "other/main.tf": WILDCARD_ROLE})
    assert sorted((r, p) for r, p, _, _, _, _ in brief(result)) == [
        ("TL000", "main.tf"), ("TL001", "main.tf"), ("TL001", "other/main.tf")]


def test_a_module_calling_itself_is_reported_once_and_finishes(scan_files):
    call = 'module "again" {\n  source   = "./"\n  for_each = toset(["a", "b", "c", "d", "e", "f", "g", "h"])\n}\n'
    result = scan_files({"infra/main.tf": call + WILDCARD_ROLE})
    found = sorted((r, p, line, a) for r, p, line, _, a, _ in brief(result))
    assert found == [("TL000", "infra/main.tf", 1, ""), ("TL001", "infra/main.tf", 20, "aws_iam_role.this")]


def test_module_sources_outside_the_repository_are_not_read(scan_files, tmp_path_factory):
    outside = tmp_path_factory.mktemp("elsewhere")
    (outside / "main.tf").write_text(WILDCARD_ROLE)
    result = scan_files({"live/main.tf": f'module "leak" {{\n  source = "./linked"\n}}\nmodule "up" {{\n  source = "../../{outside.name}"\n}}\n'})
    import os

    os.symlink(outside, "live/linked")
    from trustlint.scan import ScanOptions, run_scan

    result = run_scan(ScanOptions(paths=["."]))
    assert brief(result) == []
    assert any("outside the repository" in reason for _, _, _, _, reason in result.unknowns)


def test_two_roots_calling_one_module_are_two_findings_and_a_new_root_is_new(scan_files, capsys):
    import json

    from trustlint.cli import main

    call = 'module "ci" {\n  source   = "../modules/role"\n  name     = "ci"\n  subjects = ["repo:acme/*"]\n}\n'
    result = scan_files({"modules/role/main.tf": ROLE_MODULE, "staging/main.tf": call, "prod/main.tf": call})
    callers = sorted(r.path for f in result.findings if f.rule_id == "TL001" for r in f.related if r.label.startswith("module call"))
    assert callers == ["prod/main.tf", "staging/main.tf"]
    assert main(["baseline", "--output", "baseline.json"]) == 0
    with open("qa.tf", "w") as handle:
        handle.write(call.replace("../modules", "./modules"))
    assert main(["scan", "--format", "json", "--baseline", "baseline.json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert sorted(f["baseline"] for f in report["findings"] if f["rule_id"] == "TL001") == ["new", "unchanged", "unchanged"]


def test_formatlist_repeats_a_single_string_on_every_row(scan_files):
    role = ROLE_MODULE.replace('variable "name" {}', 'variable "name" { default = "ci" }').replace(
        'variable "subjects" { type = list(string) }', '').replace(
        "var.subjects", 'formatlist("repo:%s/%s:ref:refs/heads/main", "acme", ["web", "api"])')
    result = scan_files({"main.tf": role})
    assert brief(result) == []


def test_try_does_not_take_the_fallback_for_a_value_unknown_statically(scan_files):
    # Terraform would not take the fallback when var.settings is merely unknown: no TL001 from it.
    role = ROLE_MODULE.replace('variable "name" {}', 'variable "name" { default = "ci" }').replace(
        'variable "subjects" { type = list(string) }', 'variable "settings" {}').replace(
        "var.subjects", 'try(var.settings.subjects, ["repo:acme/*"])')
    assert brief(scan_files({"main.tf": role})) == []


def test_try_takes_the_fallback_when_the_attribute_does_not_exist(scan_files):
    role = ROLE_MODULE.replace('variable "name" {}', 'variable "name" { default = "ci" }').replace(
        'variable "subjects" { type = list(string) }', 'variable "settings" { default = { other = 1 } }').replace(
        "var.subjects", 'try(var.settings.subjects, ["repo:acme/*"])')
    assert [r for r, *_ in brief(scan_files({"main.tf": role}))] == ["TL001"]


HEREDOC_ROLE = '''
resource "aws_iam_role" "ci" {
  for_each = toset(["api", "web"])
  name     = "ci-${each.key}"
  assume_role_policy = <<-EOF
    {
      "Statement": [{
        "Effect": "Allow",
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Principal": {"Federated": "arn:aws:iam::1:oidc-provider/token.actions.githubusercontent.com"},
        "Condition": {
          "StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"},
          "StringLike": {"token.actions.githubusercontent.com:sub": "repo:acme/${each.key}:*"}
        }
      }]
    }
  EOF
}
'''


def test_heredoc_interpolation_sees_the_instance(scan_files):
    result = scan_files({"main.tf": HEREDOC_ROLE})
    messages = sorted(f.message for f in result.findings)
    assert [f.address for f in result.findings] == ['aws_iam_role.ci["api"]', 'aws_iam_role.ci["web"]']
    assert "repo:acme/api:" in messages[0] and "repo:acme/web:" in messages[1] and "each.key" not in "".join(messages)


def test_heredoc_for_directive_is_rendered_and_each_subject_it_writes_is_judged(scan_files):
    # Was "unknown" before %{ for } was rendered; now the loop's subjects are judged per instance.
    directive = HEREDOC_ROLE.replace('"repo:acme/${each.key}:*"', '[%{ for r in ["a", "b"] ~}"repo:acme/${r}:*",%{ endfor ~}"x"]')
    result = scan_files({"main.tf": directive})
    # One finding for the problem, at the loop body's subject, both instances listed.
    [finding] = result.findings
    assert (finding.rule_id, finding.severity, finding.span.line, finding.address) == (
        "TL001", "medium", 13, 'aws_iam_role.ci["api"]')
    assert [m.address for m in finding.merged] == ['aws_iam_role.ci["web"]']
    assert "repo:acme/a:" in finding.admits and "repo:acme/b:" in finding.admits and result.unknowns == []


def test_tfvars_json_sets_variables(scan_files):
    role = ROLE_MODULE.replace('variable "name" {}', 'variable "name" { default = "ci" }').replace(
        'variable "subjects" { type = list(string) }', 'variable "subjects" { default = ["repo:acme/*"] }')
    result = scan_files({"main.tf": role, "terraform.tfvars.json": '{"subjects": ["repo:acme/api:environment:production"]}'})
    assert brief(result) == []
    result = scan_files({"prod.auto.tfvars.json": '{"subjects": ["repo:acme/*"]}'})
    assert [(r, a) for r, _, _, _, a, _ in brief(result)] == [("TL001", "aws_iam_role.this")]


def test_text_output_names_the_module_call_behind_a_finding(scan_files):
    from trustlint.reporters import text_report

    call = 'module "ci" {\n  source   = "../modules/role"\n  name     = "ci"\n  subjects = ["repo:acme/*"]\n}\n'
    result = scan_files({"modules/role/main.tf": ROLE_MODULE, "live/main.tf": call})
    assert "  see: live/main.tf:1 (module call module.ci)\n" in text_report.render(result)


def test_plan_reads_iam_policies_azure_secrets_and_flexible_credentials(scan_files):
    # The plan reader finds what the HCL reader finds for these resource types.
    from .conftest import REPO_ROOT

    plan = (REPO_ROOT / "tests" / "data" / "terraform-plan-gcp-azure.json").read_text()
    found = sorted((r, a) for r, _, _, _, a, _ in brief(scan_files({"plan.json": plan})))
    assert ("TL002", "module.ci.google_service_account_iam_policy.p") in found
    assert ("TL006", "module.ci.azuread_application_password.p") in found
    assert ("TL001", "module.ci.azuread_application_flexible_federated_identity_credential.f") in found


def test_template_strip_markers_parse_and_evaluate(scan_files):
    role = WILDCARD_ROLE.replace('variable "subjects" { default = ["repo:acme/*"] }',
                                 'variable "org" { default = "acme" }\nvariable "subjects" { default = ["repo:${~ var.org ~}/*"] }')
    heredoc = HEREDOC_ROLE.replace('"repo:acme/${each.key}:*"', '"repo:acme/${~ each.key ~}:*"')
    result = scan_files({"main.tf": role, "heredoc/main.tf": heredoc})
    found = sorted((r, p, a) for r, p, _, _, a, _ in brief(result))
    assert found == [("TL001", "heredoc/main.tf", 'aws_iam_role.ci["api"]'), ("TL001", "heredoc/main.tf", 'aws_iam_role.ci["web"]'),
                     ("TL001", "main.tf", "aws_iam_role.this")]
    assert all("each.key" not in f.message for f in result.findings)


V6_ROLE = '''
module "deploy" {
  source  = "terraform-aws-modules/iam/aws//modules/iam-role"
  version = "6.2.1"

  name               = "deploy"
  enable_github_oidc = true
  SUBJECTS
}
'''


def test_iam_role_v6_with_github_oidc_is_modelled(scan_files):
    result = scan_files({"main.tf": V6_ROLE.replace("SUBJECTS", 'oidc_wildcard_subjects = ["acme/*"]')})
    assert [(r, a) for r, _, _, _, a, _ in brief(result)] == [("TL001", "module.deploy.aws_iam_role.this")]
    assert "repo:acme/*" in result.findings[0].message


def test_iam_role_v6_with_exact_or_unknown_subjects_is_quiet(scan_files):
    assert brief(scan_files({"main.tf": V6_ROLE.replace("SUBJECTS", 'oidc_subjects = ["acme/web:environment:production"]')})) == []
    assert brief(scan_files({"main.tf": 'variable "subjects" {}\n' + V6_ROLE.replace("SUBJECTS", "oidc_subjects = var.subjects")})) == []
    assert brief(scan_files({"main.tf": V6_ROLE.replace("enable_github_oidc = true", "").replace("SUBJECTS", "")})) == []


def test_a_role_picks_its_own_instance_of_a_for_each_policy_document(scan_files):
    # data.aws_iam_policy_document.trust[each.value]: the document's own each, not the role's.
    from .conftest import REPO_ROOT

    text = (REPO_ROOT / "tests" / "data" / "policy-document-for-each.tf").read_text()
    result = scan_files({"main.tf": text})
    assert [(r, line, a) for r, _, line, _, a, _ in brief(result)] == [("TL001", 4, 'aws_iam_role.app["scratch"]')]
    unknown = text.replace("trust[each.value].json", "trust[var.env].json").replace("locals {", 'variable "env" {}\nlocals {')
    assert brief(scan_files({"main.tf": unknown})) == []  # which document is not known: unknown, explained


def test_a_key_created_in_a_module_names_each_call_site(scan_files):
    module = 'variable "user" {}\nresource "aws_iam_access_key" "this" {\n  user = var.user\n}\n'
    calls = 'module "a" {\n  source = "../modules/user"\n  user = "a"\n}\nmodule "b" {\n  source = "../modules/user"\n  user = "b"\n}\n'
    result = scan_files({"modules/user/main.tf": module, "live/main.tf": calls})
    found = [(f.rule_id, f.address, [r.span.line for r in f.related if r.label.startswith("module call")]) for f in result.findings]
    assert found == [("TL006", "module.a.aws_iam_access_key.this", [1]), ("TL006", "module.b.aws_iam_access_key.this", [5])]


def test_a_policy_document_with_an_unknown_count_is_read_for_the_instance_asked(scan_files):
    # count = var.repo != null ? 1 : 0 is not known statically, but [0] is the one document.
    text = (WILDCARD_ROLE.replace('assume_role_policy = jsonencode({', 'assume_role_policy = data.aws_iam_policy_document.trust[0].json\n  x = ({')
            + '''
variable "repo" {}
data "aws_iam_policy_document" "trust" {
  count = var.repo != null ? 1 : 0
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = ["arn:aws:iam::1:oidc-provider/token.actions.githubusercontent.com"]
    }
    condition {
      test     = "StringLike"
      variable = "token.actions.githubusercontent.com:sub"
      values   = ["repo:acme/*"]
    }
  }
}
''')
    found = sorted((r, a) for r, _, _, _, a, _ in brief(scan_files({"main.tf": text})))
    assert found == [("TL001", "aws_iam_role.this"), ("TL003", "aws_iam_role.this")]  # no aud check either


def test_a_for_each_past_the_instance_limit_is_tl000_not_a_silent_cut(scan_files):
    keys = ", ".join(f'"app{i:03d}"' for i in range(201))
    role = f'''resource "aws_iam_role" "ci" {{
  for_each = toset([{keys}])
  name = "ci-${{each.key}}"
  assume_role_policy = jsonencode({{
    Statement = [{{
      Effect    = "Allow"
      Action    = "sts:AssumeRoleWithWebIdentity"
      Principal = {{ Federated = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com" }}
      Condition = {{
        StringEquals = {{ "token.actions.githubusercontent.com:aud" = "sts.amazonaws.com" }}
        StringLike   = {{ "token.actions.githubusercontent.com:sub" = each.key == "app200" ? "repo:*" : "repo:acme/${{each.key}}:environment:production" }}
      }}
    }}]
  }})
}}
'''
    result = scan_files({"main.tf": role})
    problems = [(f.rule_id, f.span.line, f.message) for f in result.findings if f.rule_id == "TL000"]
    assert len(problems) == 1 and problems[0][1] == 2
    assert "201 instances; only the first 200 (by key) are analysed, from 'app200' on they are not" in problems[0][2]


def test_local_modules_nested_past_the_limit_are_tl000(scan_files):
    files = {"main.tf": 'module "m1" {\n  source = "./m1"\n}\n'}
    for depth in range(1, 7):
        files[f"m{depth}/main.tf"] = f'module "m{depth + 1}" {{\n  source = "../m{depth + 1}"\n}}\n'
    files["m7/main.tf"] = 'resource "aws_iam_access_key" "deep" {\n  user = "deep"\n}\n'
    result = scan_files(files)
    problems = [(f.rule_id, f.path, f.message) for f in result.findings if f.rule_id == "TL000"]
    assert problems and all("nested more than 5 deep" in m for _, _, m in problems), result.findings


def test_one_module_called_twice_with_the_same_values_is_one_finding(scan_files):
    calls = ('module "ci" {\n  source   = "./modules/role"\n  name     = "ci"\n  subjects = ["repo:acme/*"]\n}\n'
             'module "ci_copy" {\n  source   = "./modules/role"\n  name     = "ci"\n  subjects = ["repo:acme/*"]\n}\n')
    result = scan_files({"modules/role/main.tf": ROLE_MODULE, "main.tf": calls})
    tl001 = [f for f in result.findings if f.rule_id == "TL001"]
    assert [(f.address, f.path) for f in tl001] == [("module.ci.aws_iam_role.this", "modules/role/main.tf")]
    assert tl001[0].message.endswith("(the same for module.ci_copy.aws_iam_role.this)")
    assert sorted(r.label for r in tl001[0].related if r.label.startswith("module call")) == [
        "module call module.ci", "module call module.ci_copy"]


def test_a_grant_repeated_per_for_each_key_is_one_finding_listing_the_keys(scan_files):
    grants = '''resource "google_iam_workload_identity_pool" "github" {
  workload_identity_pool_id = "github-actions"
}

resource "google_iam_workload_identity_pool_provider" "github" {
  workload_identity_pool_id          = google_iam_workload_identity_pool.github.workload_identity_pool_id
  workload_identity_pool_provider_id = "github"
  attribute_mapping = {
    "google.subject"       = "assertion.sub"
    "attribute.repository" = "assertion.repository"
  }
  attribute_condition = "assertion.repository_owner == 'acme'"
  oidc {
    issuer_uri = "https://token.actions.githubusercontent.com"
  }
}

resource "google_service_account_iam_member" "deploy" {
  for_each           = toset(["shop", "billing"])
  service_account_id = "projects/acme/serviceAccounts/deploy@acme.iam.gserviceaccount.com"
  role               = "roles/iam.workloadIdentityUser"
  member             = "principalSet://iam.googleapis.com/${google_iam_workload_identity_pool.github.name}/*"
}
'''
    result = scan_files({"main.tf": grants})
    tl = [f for f in result.findings if f.rule_id in ("TL001", "TL002")]
    assert len(tl) == 1, [(f.rule_id, f.address, f.message) for f in result.findings]
    assert 'the same for google_service_account_iam_member.deploy["shop"]' in tl[0].message


@pytest.mark.parametrize("subjects,expected", [
    ('oidc_subjects_with_wildcards = ["system:serviceaccount:mlflow:*"]', [("TL001", "high")]),
    ('oidc_fully_qualified_subjects = ["system:serviceaccount:mlflow:tracking"]', []),
    ("", [("TL002", "high")]),  # neither list: no subject condition at all (any service account of the cluster)
    ('provider_trust_policy_conditions = [{test = "StringLike", '
     'variable = "${replace(var.issuer, "https://", "")}:sub", values = ["system:serviceaccount:kube-system:ebs-csi"]}]', []),
    ('provider_trust_policy_conditions = var.extra', []),  # not known: the statement is not judged, nor called open
])
def test_the_v5_assumable_role_with_oidc_module_is_modelled(scan_files, subjects, expected):
    call = f'''module "mlflow_irsa" {{
  source      = "terraform-aws-modules/iam/aws//modules/iam-assumable-role-with-oidc"
  version     = "5.60.0"
  create_role = true
  role_name   = "mlflow"
  provider_url = "oidc.eks.eu-west-1.amazonaws.com/id/ABC"
  oidc_fully_qualified_audiences = ["sts.amazonaws.com"]
  {subjects}
}}
'''
    result = scan_files({"main.tf": 'variable "issuer" {}\nvariable "extra" {}\n' + call})
    assert [(f.rule_id, f.severity) for f in result.findings] == expected


def test_a_finding_met_twice_at_one_place_is_one_finding_not_the_same_for_itself(scan_files):
    from trustlint.findings import Finding
    from trustlint.scan import _one_per_problem
    from trustlint.source import Span

    twice = [Finding("TL008", "shared-subject-mapping", "high", "p maps google.subject", "wif.tf", Span(10, 1, 10, 5), "p")] * 2
    assert [f.message for f in _one_per_problem(twice)] == ["p maps google.subject"]


# -- %{ for } / %{ if } directives in template files and heredocs --------------------------------
# The shape real repositories use: a trust template whose subject list a loop writes, with the
# comma idiom `%{ if i < length(xs) - 1 },%{ endif }` and strip markers.
LOOP_TEMPLATE = '''{
  "Version": "2012-10-17",
  "Statement": [{
    "Effect": "Allow",
    "Principal": {"Federated": "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"},
    "Action": "sts:AssumeRoleWithWebIdentity",
    "Condition": {
      "StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"},
      "StringLike": {
        "token.actions.githubusercontent.com:sub": [
          %{~ for i, repo in repositories ~}
          "repo:${repo}"%{ if i < length(repositories) - 1 },%{ endif }
          %{~ endfor ~}
        ]
      }
    }
  }]
}
'''

LOOP_MAIN = '''
variable "repositories" {
  default = REPOS
}
resource "aws_iam_role" "ci" {
  name               = "ci"
  assume_role_policy = templatefile("${path.module}/trust.json.tftpl", { repositories = var.repositories })
}
'''


def _loop_scan(scan_files, repos: str, template: str = LOOP_TEMPLATE):
    return scan_files({"main.tf": LOOP_MAIN.replace("REPOS", repos), "trust.json.tftpl": template})


def test_for_directive_exact_subjects_are_clean(scan_files):
    result = _loop_scan(scan_files, '["acme/app:environment:production", "acme/api:environment:production"]')
    assert result.findings == [] and result.unknowns == [] and sum(result.judged.values()) > 0


def test_for_directive_a_wildcard_element_is_found_on_the_loop_body_line(scan_files):
    result = _loop_scan(scan_files, '["acme/app:environment:production", "acme/*"]')
    # Any repository of acme (TL001), and so its pull requests beside production (TL004).
    assert [(r, p, line, a) for r, p, line, _, a, _ in brief(result)] == [
        ("TL001", "trust.json.tftpl", 12, "aws_iam_role.ci"), ("TL004", "trust.json.tftpl", 12, "aws_iam_role.ci")]
    assert "repo:acme/*" in result.findings[0].message and result.findings[0].severity == "high"


def test_for_directive_over_a_map_binds_key_and_value(scan_files):
    template = LOOP_TEMPLATE.replace("%{~ for i, repo in repositories ~}", "%{~ for env, repo in repositories ~}").replace(
        '"repo:${repo}"%{ if i < length(repositories) - 1 },%{ endif }', '"repo:${repo}:environment:${env}",').replace(
        "%{~ endfor ~}", "%{~ endfor ~}\n          \"repo:acme/app:environment:production\"")
    result = _loop_scan(scan_files, '{ production = "acme/app", staging = "acme/app" }', template)
    # A production and a staging environment of one repository reach the same role.
    assert [(r, p, line) for r, p, line, *_ in brief(result)] == [("TL004", "trust.json.tftpl", 12)]


def test_for_directive_over_an_unknown_collection_keeps_the_rest_judged(scan_files):
    template = LOOP_TEMPLATE.replace("%{~ endfor ~}", "%{~ endfor ~}\n          ,\"repo:acme/*\"")
    main = LOOP_MAIN.replace("  default = REPOS\n", "")  # no value: the loop's elements are unknown
    result = scan_files({"main.tf": main, "trust.json.tftpl": template.replace(
        '%{ if i < length(repositories) - 1 },%{ endif }', '')})
    assert [(r, p, line) for r, p, line, *_ in brief(result)] == [("TL001", "trust.json.tftpl", 14)]


def test_for_directive_with_an_unknown_condition_is_read_both_ways_without_a_false_error(scan_files):
    # The collection is unknown, so the comma idiom's `%{ if }` is too: read with and without the
    # comma, the branch that writes invalid JSON is not a finding, the subjects stay unknown.
    main = LOOP_MAIN.replace("  default = REPOS\n", "")
    result = scan_files({"main.tf": main, "trust.json.tftpl": LOOP_TEMPLATE})
    assert result.findings == [] and result.judged["trusts"] == 1  # the branch writing valid JSON


def test_malformed_or_unclosed_directives_are_explained(scan_files):
    for broken in (LOOP_TEMPLATE.replace("%{~ endfor ~}", ""), LOOP_TEMPLATE.replace(" in repositories", " of repositories")):
        result = _loop_scan(scan_files, '["acme/app:environment:production"]', broken)
        assert result.findings == []
        assert any("directive" in reason for *_, reason in result.unknowns), result.unknowns


def test_escaped_sequences_are_written_literally(scan_files):
    # `%%{` and `$${` are text, not directives: the subject is the literal wildcard-free string.
    template = LOOP_TEMPLATE.replace('"repo:${repo}"', '"repo:${repo}:environment:%%{x}$${y}"')
    result = _loop_scan(scan_files, '["acme/app"]', template)
    assert result.findings == [] and result.unknowns == []


def test_nested_loops_past_the_render_limit_are_tl000(scan_files):
    big = "[" + ", ".join(f'"r{i}"' for i in range(100)) + "]"
    template = LOOP_TEMPLATE.replace(
        '"repo:${repo}"%{ if i < length(repositories) - 1 },%{ endif }',
        '%{ for a in repositories }%{ for b in repositories }%{ for c in repositories }"repo:acme/${a}${b}${c}",'
        '%{ endfor }%{ endfor }%{ endfor }')
    result = _loop_scan(scan_files, big, template)
    assert [(f.rule_id, f.path) for f in result.findings] == [("TL000", "main.tf")]
    assert "renders more than" in result.findings[0].message


def test_a_directive_in_a_quoted_subject_is_rendered(scan_files):
    role = '''
variable "production" { default = DEFAULT }
data "aws_iam_policy_document" "trust" {
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = ["arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "token.actions.githubusercontent.com:aud"
      values   = ["sts.amazonaws.com"]
    }
    condition {
      test     = "StringLike"
      variable = "token.actions.githubusercontent.com:sub"
      values   = ["repo:acme/app:%{ if var.production }environment:production%{ else }*%{ endif }"]
    }
  }
}
resource "aws_iam_role" "ci" {
  assume_role_policy = data.aws_iam_policy_document.trust.json
}
'''
    exact = scan_files({"main.tf": role.replace("DEFAULT", "true")})
    assert exact.findings == [] and exact.judged["trusts"] == 1
    wide = scan_files({"main.tf": role.replace("DEFAULT", "false")})
    assert [(r, line, a) for r, _, line, _, a, _ in brief(wide)] == [("TL001", 18, "aws_iam_role.ci")]
    assert "repo:acme/app:*" in wide.findings[0].message
    unset = scan_files({"main.tf": role.replace(" default = DEFAULT ", "")})  # each branch judged
    assert [(r, line, s) for r, _, line, _, _, s in brief(unset)] == [("TL001", 18, "medium")]
    assert "judged for each branch of %{ if var.production }" in unset.findings[0].message


# -- conditionals whose condition is not known statically: every branch is judged ---------------
BRANCH_ROLE = '''
variable "environment" {}
data "aws_iam_policy_document" "trust" {
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = ["arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "token.actions.githubusercontent.com:aud"
      values   = ["sts.amazonaws.com"]
    }
    condition {
      test     = "StringLike"
      variable = "token.actions.githubusercontent.com:sub"
      values   = SUBJECTS
    }
  }
}
resource "aws_iam_role" "ci" {
  name               = "ci-${var.environment}"
  assume_role_policy = data.aws_iam_policy_document.trust.json
}
'''


def test_the_risky_branch_of_an_unknown_condition_is_judged(scan_files):
    # The shape: the workspace is only known at plan time; its other branch is any acme repository.
    result = scan_files({"main.tf": BRANCH_ROLE.replace(
        "SUBJECTS", 'terraform.workspace == "prod" ? ["repo:acme/app:environment:production"] : ["repo:acme/*"]')})
    assert [(r, line, a, s) for r, _, line, _, a, s in brief(result)] == [("TL001", 18, "aws_iam_role.ci", "high")]
    assert 'judged for each branch of terraform.workspace == "prod", not known statically' in result.findings[0].message
    assert result.unknowns == []


def test_one_subject_per_environment_chosen_by_an_unknown_condition_is_not_cross_environment(scan_files):
    # Each branch is its own reading: production's subject and staging's never meet in one trust.
    result = scan_files({"main.tf": BRANCH_ROLE.replace(
        "SUBJECTS", 'var.environment == "prod" ? ["repo:acme/app:environment:production"] : '
                    '["repo:acme/app:environment:staging"]')})
    assert result.findings == [] and result.unknowns == [] and sum(result.judged.values()) > 0


def test_a_fallback_for_an_unset_variable_is_judged(scan_files):
    role = BRANCH_ROLE.replace('variable "environment" {}', 'variable "environment" {}\nvariable "subject" {}').replace(
        "SUBJECTS", '[var.subject != "" ? var.subject : "repo:acme/app:*"]')
    result = scan_files({"main.tf": role})
    assert [(r, line, s) for r, _, line, _, _, s in brief(result)] == [("TL001", 19, "medium")]
    assert "repo:acme/app:*" in result.findings[0].message


def test_conditions_past_the_branch_limit_stay_explained(scan_files):
    choice = ' '.join(f'var.environment == "e{i}" ? ["repo:acme/app:environment:e{i}"] :' for i in range(4))
    result = scan_files({"main.tf": BRANCH_ROLE.replace("SUBJECTS", choice + ' ["repo:acme/app:environment:x"]')})
    # Three conditions are read both ways; the fourth is listed, never guessed.
    assert result.findings == []
    assert any("condition not known statically" in reason for *_, reason in result.unknowns)


def test_a_module_input_chosen_by_an_unknown_condition_is_judged_both_ways(scan_files):
    main = '''
variable "environment" {}
module "ci" {
  source   = "./modules/role"
  name     = "ci"
  subjects = var.environment == "prod" ? ["repo:acme/app:environment:production"] : ["repo:acme/*"]
}
'''
    result = scan_files({"main.tf": main, "modules/role/main.tf": ROLE_MODULE})
    assert [(r, p, line, a, s) for r, p, line, _, a, s in brief(result)] == [
        ("TL001", "modules/role/main.tf", 16, "module.ci.aws_iam_role.this", "high")]
    assert 'judged for each branch of var.environment == "prod", not known statically' in result.findings[0].message
    clean = scan_files({"main.tf": main.replace('["repo:acme/*"]', '["repo:acme/app:environment:staging"]')})
    assert clean.findings == [] and clean.unknowns == []


def test_branches_that_read_the_same_say_nothing(scan_files):
    # Both sides write the same subject: one reading stands for them, and the finding is plain.
    result = scan_files({"main.tf": BRANCH_ROLE.replace(
        "SUBJECTS", 'var.environment == "prod" ? ["repo:acme/*"] : ["repo:acme/*"]')})
    assert [(r, line) for r, _, line, *_ in brief(result)] == [("TL001", 18)]
    assert "judged for each branch" not in result.findings[0].message
