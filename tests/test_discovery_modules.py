"""A Terraform directory whose only federation-related text is a local module call is read
when that module (or one it calls) holds a federation token, and skipped otherwise."""

from __future__ import annotations

import textwrap

from trustlint.discovery import discover
from trustlint.scan import ScanOptions, run_scan

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
