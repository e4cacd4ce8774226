"""A Terraform directory whose only federation-related text is a local module call is read
when that module (or one it calls) holds a federation token, and skipped otherwise."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

from trustlint.input.discovery import discover
from trustlint.scan import ScanOptions, run_scan

from .conftest import EVERYTHING

ROLE = textwrap.dedent('''\
    variable "subject" {
      type = string
    }

    resource "aws_iam_role" "this" {
      name = "deploy"
      assume_role_policy = jsonencode({
        Version = "2012-10-17"
        Statement = [{
          Effect    = "Allow"
          Action    = "sts:AssumeRoleWithWebIdentity"
          Principal = { Federated = "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com" }
          Condition = {
            StringEquals = { "token.actions.githubusercontent.com:aud" = "sts.amazonaws.com" }
            StringLike   = { "token.actions.githubusercontent.com:sub" = var.subject }
          }
        }]
      })
    }
    ''')
DATA = Path(__file__).parent / "data"
BUCKET = 'variable "name" {}\n\nresource "aws_s3_bucket" "this" {\n  bucket = var.name\n}\n'


def _write(root, files: dict[str, str]) -> None:
    (root / ".git").mkdir()
    for path, text in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)


def test_a_directory_calling_only_modules_without_federation_is_not_read(tmp_path):
    _write(tmp_path, {
        "live/main.tf": 'module "logs" {\n  source = "../modules/bucket"\n  name   = "logs"\n}\n',
        "modules/bucket/main.tf": BUCKET,
    })
    assert discover([str(tmp_path)], str(tmp_path)).context == {}


def test_a_call_reaching_a_trust_through_another_module_is_read_and_reported_at_its_address(tmp_path, monkeypatch):
    _write(tmp_path, {
        "live/main.tf": 'module "ci" {\n  source = "../modules/wrapper"\n  subject = "repo:acme/*"\n}\n',
        "modules/wrapper/main.tf": ('variable "subject" {}\n\nmodule "role" {\n  source  = "../role"\n'
                                    '  subject = var.subject\n}\n'),
        "modules/role/main.tf": ROLE,
        "modules/bucket/main.tf": BUCKET,
    })
    context = discover([str(tmp_path)], str(tmp_path)).context
    assert sorted(context) == ["live", "modules/role", "modules/wrapper"]

    monkeypatch.chdir(tmp_path)
    found = [(f.rule_id, f.path, f.address) for f in run_scan(ScanOptions(paths=["."])).findings]
    assert ("TL001", "modules/role/main.tf", "module.ci.module.role.aws_iam_role.this") in found


def test_a_call_to_a_module_outside_the_scanned_paths_is_still_read(tmp_path, monkeypatch):
    # Only live/ is scanned: whether ../modules/role holds a trust is not known up front.
    _write(tmp_path, {
        "live/main.tf": 'module "ci" {\n  source  = "../modules/role"\n  subject = "repo:acme/*"\n}\n',
        "modules/role/main.tf": ROLE,
    })
    assert sorted(discover([str(tmp_path / "live")], str(tmp_path)).context) == ["live"]

    monkeypatch.chdir(tmp_path)
    found = [(f.rule_id, f.address) for f in run_scan(ScanOptions(paths=["live"])).findings]
    assert ("TL001", "module.ci.aws_iam_role.this") in found


def test_modules_calling_each_other_in_a_cycle_without_federation_are_not_read(tmp_path):
    _write(tmp_path, {
        "a/main.tf": 'module "b" {\n  source = "../b"\n}\n',
        "b/main.tf": 'module "a" {\n  source = "../a"\n}\n',
    })
    assert discover([str(tmp_path)], str(tmp_path)).context == {}


# Cases an adversarial review found while the shortcuts were new (tests/data/skips/): the
# federation part lives in a .tfvars file, in a GCP grant, in an azapi resource naming the
# tier, or after a heredoc whose end marker is indented by a non-breaking space.
SKIP_CASES = {
    "gcp_tfvars": [("TL001", "modules/ci-sa/main.tf", 14, "module.deployer.google_service_account_iam_member.wif"),
                   ("TL004", "modules/ci-sa/main.tf", 14, "module.deployer.google_service_account_iam_member.wif")],
    "gcp_grant_in_dir": [("TL001", "envs/prod/main.tf", 15, "google_service_account_iam_member.wif"),
                         ("TL004", "envs/prod/main.tf", 15, "google_service_account_iam_member.wif")],
    "azapi_scope": [("TL004", "main.tf", 26, "azurerm_federated_identity_credential.gh")],
    "azapi_parent": [("TL004", "main.tf", 14, "azurerm_federated_identity_credential.gh")],
    "nbsp_heredoc2": [("TL001", "main.tf", 10, "aws_iam_role.r")],
}


@pytest.mark.parametrize("case", sorted(SKIP_CASES))
def test_what_the_shortcuts_once_missed_is_found(case, tmp_path, monkeypatch):
    from trustlint.input import discovery
    from trustlint.terraform import configuration as terraform

    shutil.copytree(DATA / "skips" / case, tmp_path / case)
    (tmp_path / case / ".git").mkdir()
    monkeypatch.chdir(tmp_path / case)
    found = [(f.rule_id, f.path, f.span.line, f.address.split("[")[0]) for f in run_scan(ScanOptions(paths=["."])).findings]
    monkeypatch.setattr(discovery, "RELEVANT", EVERYTHING)
    monkeypatch.setattr(discovery, "FEDERATION", EVERYTHING)
    monkeypatch.setattr(terraform, "SKIP_UNNEEDED_BLOCKS", False)
    unoptimised = [(f.rule_id, f.path, f.span.line, f.address.split("[")[0]) for f in run_scan(ScanOptions(paths=["."])).findings]
    assert found == SKIP_CASES[case] == unoptimised


def test_a_directory_is_read_when_only_its_tfvars_name_the_federated_principal(tmp_path, monkeypatch):
    # No .tf file names a federation word: the grant's role and members both come from tfvars.
    _write(tmp_path, {
        "envs/prod/main.tf": ('variable "members" {}\nvariable "role" {}\n\nmodule "sa" {\n  source  = "../../modules/sa"\n'
                              '  members = var.members\n  role    = var.role\n}\n'),
        "envs/prod/terraform.tfvars": ('role    = "roles/iam.workloadIdentityUser"\nmembers = ["principalSet://iam.googleapis.com/'
                                       'projects/1/locations/global/workloadIdentityPools/gh/attribute.repository_owner/acme"]\n'),
        "modules/sa/main.tf": ('variable "members" {}\nvariable "role" {}\n\nresource "google_service_account" "this" {\n'
                               '  account_id = "deployer"\n}\n\nresource "google_service_account_iam_binding" "ci" {\n'
                               '  service_account_id = google_service_account.this.name\n  role    = var.role\n'
                               '  members = var.members\n}\n'),
    })
    assert "envs/prod" in discover([str(tmp_path)], str(tmp_path)).context


def test_with_variables_from_the_command_line_every_module_call_is_followed(tmp_path):
    _write(tmp_path, {
        "live/main.tf": 'module "logs" {\n  source = "../modules/bucket"\n}\n',
        "modules/bucket/main.tf": BUCKET,
    })
    assert discover([str(tmp_path)], str(tmp_path)).context == {}
    assert "live" in discover([str(tmp_path)], str(tmp_path), every_module_call=True).context


WILDCARD_ROLE = '''resource "aws_iam_role" "deploy" {
  name = "prod-deploy"
  assume_role_policy = jsonencode({
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRoleWithWebIdentity"
      Principal = { Federated = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com" }
      Condition = {
        StringEquals = { "token.actions.githubusercontent.com:aud" = "sts.amazonaws.com" }
        StringLike   = { "token.actions.githubusercontent.com:sub" = "repo:*" }
      }
    }]
  })
}
'''


def test_a_decoy_call_never_instantiated_does_not_hide_a_root(scan_files):
    result = scan_files({"envs/prod/main.tf": WILDCARD_ROLE,
                         "envs/dev/main.tf": 'module "prod" {\n  source = "../prod"\n  count  = 0\n}\n'})
    assert [(f.rule_id, f.path, f.address) for f in result.findings if f.rule_id == "TL001"] == [
        ("TL001", "envs/prod/main.tf", "aws_iam_role.deploy")]
    assert result.findings[0].message.endswith("(judged as a root: the only calls to it create no instance)")


def test_a_called_directory_with_its_own_backend_is_judged_as_a_root_too(scan_files):
    result = scan_files({
        "envs/prod/main.tf": WILDCARD_ROLE.replace('"repo:*"', "var.subject"),
        "envs/prod/variables.tf": 'variable "subject" { default = "repo:*" }\n',
        "envs/prod/backend.tf": 'terraform {\n  backend "s3" {}\n}\n',
        "envs/all/main.tf": 'module "prod" {\n  source  = "../prod"\n  subject = "repo:acme/app:environment:production"\n}\n'})
    tl001 = sorted((f.path, f.address, f.severity) for f in result.findings if f.rule_id == "TL001")
    assert tl001 == [("envs/prod/main.tf", "aws_iam_role.deploy", "critical")]  # the call narrows; the root does not
    assert [f.message for f in result.findings if f.rule_id == "TL001"][0].endswith(
        "(judged as a root with its own values; it is also called as a module)")
