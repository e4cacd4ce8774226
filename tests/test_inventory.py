"""trustlint inventory: identities with who can become them, privileges (blast radius),
metrics, the trust graph, formats, --compare and --merge; and the severity raise a trust
finding gets on an admin identity."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import jsonschema
import pytest

from trustlint.cli import main
from trustlint.inventory.build import build_inventory, merge
from trustlint.inventory.render import mermaid, render
from trustlint.scan import ScanOptions, run_scan

from .conftest import REPO_ROOT, scan_change

SCHEMA = json.loads((REPO_ROOT / "trustlint" / "schemas" / "inventory.schema.json").read_text())


@pytest.fixture(scope="module")
def examples():
    result = run_scan(ScanOptions(paths=[str(REPO_ROOT / "examples")]))
    return build_inventory(result.facts, result.findings, "acme/examples")


def _row(document: dict, identity: str) -> dict:
    (row,) = [r for r in document["identities"] if r["identity"] == identity]
    return row


def _brief(row: dict) -> tuple:
    return (row["cloud"], row["address"], row["path"], row["line"], row["admitted"]["kind"], row["max_lifetime_seconds"],
            row["tier"], row["privileges"]["level"], row["privileges"]["why"], row["findings"])


def test_identity_rows_of_the_examples(examples):
    assert _brief(_row(examples, "gha-terraform-apply")) == (
        "aws", "aws_iam_role.terraform_apply", "examples/aws/terraform/legacy.tf", 11, "unbounded", 43200, "unknown",
        "admin", "AdministratorAccess", ["TL002 critical", "TL005 high"])
    assert _row(examples, "gha-terraform-apply")["admitted"]["breadth"] == "any repository of any GitHub account"
    assert _brief(_row(examples, "gha-payments-migrations-prod")) == (
        "aws", "aws_iam_role.migrations_prod", "examples/aws/terraform/deploy-roles.tf", 78, "exact", 3600, "production",
        "admin", "customer managed policy aws_iam_policy.migrations: Allow iam:PassRole", ["TL004 critical"])
    assert _row(examples, "gha-payments-migrations-prod")["admitted"]["workloads"] == [
        "repo:acme/payments-api:environment:production", "repo:acme/payments-api:pull_request"]
    assert _brief(_row(examples, "gha-ci-readonly")) == (
        "aws", "aws_iam_role.ci_readonly", "examples/aws/terraform/deploy-roles.tf", 52, "pattern", 3600, "unknown",
        "read", "ReadOnlyAccess", ["TL001 high"])
    assert _row(examples, "gha-ci-readonly")["admitted"]["witness"] == "repo:acme/attacker-repo:ref:refs/heads/main"
    assert _brief(_row(examples, "gha-payments-deploy-prod"))[7:9] == ("write", "inline policy aws_iam_role_policy.deploy_prod")
    assert _brief(_row(examples, "platform-terraform"))[7:] == (
        "admin", "roles/owner on project acme-platform-prod", ["TL001 critical", "TL008 high"])
    assert _brief(_row(examples, "storefront-prod-deploy"))[7:9] == ("write", "roles/run.developer on project acme-storefront-prod")
    assert _brief(_row(examples, "azurerm_user_assigned_identity.checkout_prod"))[7:9] == (
        "write", "Contributor on data.azurerm_subscription.current.id/resourceGroups/rg-checkout-prod")
    assert _row(examples, "gha-web-frontend-prod")["privileges"]["level"] == "none"  # no grant in the scan


def test_credentials_jobs_and_metrics_of_the_examples(examples):
    assert [(c["cloud"], c["address"], c["kind"], c["line"]) for c in examples["credentials"]] == [
        ("aws", "aws_iam_access_key.deployer", "aws-access-key", 6),
        ("azure", "azuread_application_password.legacy_pipeline", "azure-client-secret", 44),
        ("gcp", "google_service_account_key.backup_exporter", "gcp-service-account-key", 9)]
    assert [(j["job"], j["how"], j["identities"]) for j in examples["jobs"]] == [
        ("publish-assets", "federation", ["storefront-assets"]),
        ("deploy-staging", "federation", ["storefront-staging-deploy"]),
        ("deploy-production", "federation", ["storefront-deploy"])]
    assert examples["metrics"] == {
        "identities": 34, "static_credentials": 3, "ci_jobs_obtaining_credentials": 3, "federation_rate": 1.0,
        "strict_trust_share": 0.6471, "lifetime_median_seconds": 3600, "lifetime_p95_seconds": 7200,
        "lifetime_max_seconds": 43200, "non_production_reachable": 18, "shared_across_tiers": 4,
        "admin_identities_reachable_from_ci": 3}


def test_graph_edges_of_the_examples(examples):
    edges = {(e["from"], e["to"], e["risky"]) for e in examples["graph"]["edges"]}
    migrations = "identity:acme/examples:aws:aws_iam_role.migrations_prod"
    assert ("workload:repo:acme/payments-api:environment:production", migrations, False) in edges
    assert ("workload:repo:acme/payments-api:pull_request", migrations, True) in edges
    assert (migrations, "privilege:admin:customer managed policy aws_iam_policy.migrations: Allow iam:PassRole", True) in edges
    readonly = "identity:acme/examples:aws:aws_iam_role.ci_readonly"
    assert ("pattern:repo:acme/*", readonly, True) in edges
    assert ("job:acme/examples:examples/ci/.github/workflows/deploy.yml:deploy-production",
            "identity:acme/examples:aws:aws_iam_role.storefront_deploy", False) in edges


def test_the_json_validates_against_the_shipped_schema(tmp_path, monkeypatch):
    monkeypatch.chdir(REPO_ROOT)
    out = tmp_path / "inventory.json"
    assert main(["inventory", "examples", "--format", "json", "-o", str(out)]) == 0
    document = json.loads(out.read_text())
    jsonschema.Draft202012Validator(SCHEMA, format_checker=jsonschema.FormatChecker()).validate(document)
    assert document["metrics"]["identities"] == 34


def test_a_trust_finding_on_an_admin_identity_is_raised_one_step(scan_files):
    from trustlint.engine.facts import Settings

    files = {"iam.tf": (REPO_ROOT / "examples/aws/terraform/deploy-roles.tf").read_text(),
             "permissions.tf": (REPO_ROOT / "examples/aws/terraform/permissions.tf").read_text()}
    raised = scan_files(files)
    (tl004,) = [f for f in raised.findings if f.rule_id == "TL004"]
    assert (tl004.severity, tl004.address) == ("critical", "aws_iam_role.migrations_prod")
    assert tl004.message.endswith("; and gha-payments-migrations-prod holds admin privileges (customer managed policy "
                                  "aws_iam_policy.migrations: Allow iam:PassRole)")
    plain = scan_files(files, settings=Settings(admin_severity_step=0))
    assert [f.severity for f in plain.findings if f.rule_id == "TL004"] == ["high"]
    readonly = [f for f in raised.findings if f.address == "aws_iam_role.ci_readonly"]
    assert [(f.rule_id, f.severity) for f in readonly] == [("TL001", "high")]  # read-only: not raised


@pytest.mark.parametrize("policy,level", [
    ('{"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}', "admin"),
    ('{"Statement": [{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}]}', "admin"),
    ('{"Statement": [{"Effect": "Allow", "Action": "iam:AttachRolePolicy", "Resource": "*"}]}', "admin"),
    ('{"Statement": [{"Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"], "Resource": "*"}]}', "read"),
    ('{"Statement": [{"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "*"}]}', "write"),
    ('{"Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}]}', "unknown"),
])
def test_inline_policies_are_classified_by_their_statements(scan_files, policy, level):
    trust = (REPO_ROOT / "examples/aws/terraform/deploy-roles.tf").read_text()
    inline = f'resource "aws_iam_role_policy" "p" {{\n  role = aws_iam_role.ci_readonly.id\n  policy = <<EOT\n{policy}\nEOT\n}}\n'
    result = scan_files({"iam.tf": trust, "p.tf": inline})
    document = build_inventory(result.facts, result.findings)
    assert _row(document, "gha-ci-readonly")["privileges"]["level"] == level


def test_formats_escape_what_scanned_files_control(scan_files):
    hostile = 'gha-"]]\n```\n<img src=x>|=cmd()'
    role = (REPO_ROOT / "examples/aws/terraform/legacy.tf").read_text().replace("gha-terraform-apply", hostile.replace("\n", "\\n").replace('"', '\\"'))
    result = scan_files({"legacy.tf": role})
    document = build_inventory(result.facts, result.findings)
    assert any("```" in r["identity"] for r in document["identities"])
    graph = mermaid(document)
    nodes = [line for line in graph.splitlines()[1:] if re.match(r"\s+n\d+[\[({>]", line)]
    assert nodes and all(re.fullmatch(r'\s+n\d+(\[\[|\(\[|\{\{|\[|>)"[^"`<>\[\]]*"(\]\]|\]\)|\}\}|\])', line)
                         for line in nodes), graph
    assert "```" not in graph and "<img" not in graph
    markdown = render(document, "markdown")
    assert re.search(r"(?<!\\)<img", markdown) is None and "\\<img" in markdown
    rows = list(csv.reader(io.StringIO(render(document, "csv"))))
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
    dot = render(document, "dot")
    assert '\\"' in dot and "\n```" not in dot
    assert "\\x0a" in render(document, "text") or "\\n" in render(document, "text")


def test_compare_says_what_a_change_does(tmp_path, monkeypatch, capsys):
    base = (REPO_ROOT / "examples/aws/terraform/deploy-roles.tf").read_text()
    widened = base.replace('"repo:acme/payments-api:environment:production",\n            "repo:acme/payments-api:pull_request",',
                           '"repo:acme/*",')
    assert widened != base
    repo = tmp_path / "repo"
    scan_change(repo, {"infra/iam.tf": base}, {"infra/iam.tf": widened,
                                                "infra/admin.tf": 'resource "aws_iam_role_policy_attachment" "a" {\n'
                                                                  '  role = aws_iam_role.deploy_prod.name\n'
                                                                  '  policy_arn = "arn:aws:iam::aws:policy/AdministratorAccess"\n}\n'})
    monkeypatch.chdir(repo)
    assert main(["inventory", "--compare", "HEAD~1", "--format", "json"]) == 0
    delta = json.loads(capsys.readouterr().out)["delta"]
    assert delta["since"] == "HEAD~1"
    assert delta["changes"] == [
        "aws gha-payments-deploy-prod (aws_iam_role.deploy_prod): privileges from none in scan to admin (AdministratorAccess)",
        "aws gha-payments-migrations-prod (aws_iam_role.migrations_prod): admission widened from exact: "
        "repo:acme/payments-api:environment:production, repo:acme/payments-api:pull_request to pattern repo:acme/*: "
        "any repository of acme (e.g. repo:acme/attacker-repo:ref:refs/heads/main)",
    ]
    assert delta["metrics_before"]["admin_identities_reachable_from_ci"] == 0
    assert main(["inventory", "--compare", "HEAD~1", "--format", "markdown"]) == 0
    markdown = capsys.readouterr().out
    assert "### What this change does (since HEAD\\~1)" in markdown
    assert "| admin identities reachable from CI workloads | 0 | 1 |" in markdown
    assert "```mermaid\nflowchart LR" in markdown


def test_merge_recomputes_metrics_over_repositories(tmp_path, monkeypatch, capsys, examples):
    one, two = tmp_path / "one.json", tmp_path / "two.json"
    one.write_text(json.dumps(examples))
    other = build_inventory([], [], "acme/empty")
    two.write_text(json.dumps(other))
    assert main(["inventory", "--merge", str(one), str(two), "--format", "json"]) == 0
    merged = json.loads(capsys.readouterr().out)
    assert merged["repositories"] == ["acme/examples", "acme/empty"]
    assert merged["metrics"] == examples["metrics"]
    doubled = merge([examples, json.loads(json.dumps(examples).replace("acme/examples", "acme/copy"))])
    assert doubled["metrics"]["identities"] == 68 and doubled["metrics"]["strict_trust_share"] == 0.6471
    (tmp_path / "bad.json").write_text('{"version": 1}')
    assert main(["inventory", "--merge", str(tmp_path / "bad.json")]) == 2
    assert "not a trustlint inventory" in capsys.readouterr().err


def test_cloudformation_privileges_by_arn_ref_and_policy_resource(scan_files):
    template = (REPO_ROOT / "tests" / "data" / "cfn-privileges.yaml").read_text()
    result = scan_files({"stack.yaml": template})
    (row,) = build_inventory(result.facts, result.findings)["identities"]
    assert (row["identity"], row["privileges"]["level"], row["privileges"]["why"]) == (
        "gha-deploy", "admin", "customer managed policy DeployPolicy: Allow iam:*")
    assert row["privileges"]["grants"] == ["ReadOnlyAccess", "customer managed policy DeployPolicy: Allow iam:*",
                                           "inline policy ExtraPolicy"]
    (tl001,) = [f for f in result.findings if f.rule_id == "TL001"]
    assert (tl001.severity, tl001.span.line) == ("critical", 23)  # high, raised: the role can grant itself anything


def test_a_permission_policy_from_a_policy_document_data_source_is_read(scan_files):
    document = ('data "aws_iam_policy_document" "migrations" {\n  statement {\n    actions   = ["iam:PassRole"]\n'
                '    resources = ["*"]\n  }\n}\n\nresource "aws_iam_role_policy" "migrations" {\n'
                '  role   = aws_iam_role.migrations_prod.id\n  policy = data.aws_iam_policy_document.migrations.json\n}\n')
    files = {"iam.tf": (REPO_ROOT / "examples/aws/terraform/deploy-roles.tf").read_text(), "perm.tf": document}
    result = scan_files(files)
    row = _row(build_inventory(result.facts, result.findings), "gha-payments-migrations-prod")
    assert (row["privileges"]["level"], row["privileges"]["why"]) == ("admin", "inline policy aws_iam_role_policy.migrations: Allow iam:PassRole")
    unused = files | {"perm.tf": document.replace("data.aws_iam_policy_document.migrations.json", '"{}"')}
    result = scan_files(unused)
    assert _row(build_inventory(result.facts, result.findings), "gha-payments-migrations-prod")["privileges"]["level"] == "unknown"


# --- red-team findings, kept as tests -------------------------------------------------------

ROLE = """resource "aws_iam_role" "ci" {
  name = "NAME"
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
ADMIN = 'resource "aws_iam_role_policy_attachment" "a" {\n  role       = ROLE\n  policy_arn = "ARN"\n}\n'


def test_the_same_address_in_another_directory_is_another_identity(scan_files):
    result = scan_files({
        "prod/iam.tf": ROLE.replace("NAME", "prod-admin"),
        "prod/admin.tf": ADMIN.replace("ROLE", "aws_iam_role.ci.name").replace("ARN", "arn:aws:iam::aws:policy/AdministratorAccess"),
        "dev/iam.tf": ROLE.replace("NAME", "deploy"),
        "sandbox/iam.tf": ROLE.replace("NAME", "deploy").replace('"ci"', '"other"'),
        "prod/literal.tf": ADMIN.replace("ROLE", '"deploy"').replace("ARN", "arn:aws:iam::aws:policy/AdministratorAccess")
                                .replace('"a"', '"b"'),
    })
    severities = {f.path: f.severity for f in result.findings if f.rule_id == "TL001"}
    assert severities == {"prod/iam.tf": "critical", "dev/iam.tf": "high", "sandbox/iam.tf": "high"}
    document = build_inventory(result.facts, result.findings)
    assert sorted((r["path"], r["privileges"]["level"]) for r in document["identities"]) == [
        ("dev/iam.tf", "none"), ("prod/iam.tf", "admin"), ("sandbox/iam.tf", "none")]
    assert {r["path"]: r["findings"] for r in document["identities"]}["dev/iam.tf"] == ["TL001 high"]


def test_an_attachment_to_one_instance_of_a_for_each_role_lands_on_that_instance(scan_files):
    role = ROLE.replace('"ci" {', '"r" {\n  for_each = toset(["prod", "dev"])').replace('"NAME"', '"deploy-${each.key}"')
    attachment = ADMIN.replace("ROLE", 'aws_iam_role.r["prod"].name').replace("ARN", "arn:aws-us-gov:iam::aws:policy/AdministratorAccess")
    result = scan_files({"iam.tf": role, "admin.tf": attachment})
    levels = {r["address"]: r["privileges"]["level"] for r in build_inventory(result.facts, result.findings)["identities"]}
    assert levels == {'aws_iam_role.r["dev"]': "none", 'aws_iam_role.r["prod"]': "admin"}


@pytest.mark.parametrize("statement,level", [
    ('{ Effect = "Allow", Action = "iam:Pass*", Resource = "*" }', "admin"),
    ('{ Effect = "Allow", Action = ["*:PassRole"], Resource = "*" }', "admin"),
    ('{ Effect = "Allow", NotAction = "s3:*", Resource = "arn:aws:*" }', "admin"),
    ('{ Effect = "Allow", Action = "*", Resource = "arn:aws:s3:::one-bucket" }', "write"),
    ('{ Effect = "Allow", Action = "sts:AssumeRole", Resource = "arn:aws:iam::1:role/reader" }', "write"),
    ('{ Effect = "Allow", Action = ["s3:GetObject", var.extra], Resource = "*" }', "unknown"),
])
def test_statement_classification(scan_files, statement, level):
    policy = ('resource "aws_iam_role_policy" "p" {\n  role = aws_iam_role.ci.id\n'
              f'  policy = jsonencode({{ Statement = [{statement}] }})\n}}\n')
    result = scan_files({"iam.tf": ROLE.replace("NAME", "ci"), "p.tf": policy, "v.tf": 'variable "extra" {}\n'})
    (row,) = build_inventory(result.facts, result.findings)["identities"]
    assert row["privileges"]["level"] == level


def test_a_deeply_nested_policy_is_unknown_not_a_crash(tmp_path, monkeypatch, capsys):
    (tmp_path / ".git").mkdir()
    (tmp_path / "iam.tf").write_text(ROLE.replace("NAME", "ci"))
    (tmp_path / "p.tf").write_text('resource "aws_iam_role_policy" "p" {\n  role = aws_iam_role.ci.id\n  policy = <<EOT\n'
                                   + "[" * 3000 + "]" * 3000 + "\nEOT\n}\n")
    monkeypatch.chdir(tmp_path)
    assert main(["scan", "--format", "json"]) == 1
    capsys.readouterr()
    assert main(["inventory", "--format", "json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)["identities"]
    assert row["privileges"]["level"] == "unknown"


def test_merged_inventories_without_a_repository_name_stay_apart(tmp_path, capsys, examples):
    anonymous = json.loads(json.dumps(examples).replace('"acme/examples"', '""'))
    anonymous["repositories"] = []
    one, two = tmp_path / "shop.json", tmp_path / "billing.json"
    one.write_text(json.dumps(anonymous))
    two.write_text(json.dumps(anonymous))
    assert main(["inventory", "--merge", str(one), str(two), "--format", "json"]) == 0
    merged = json.loads(capsys.readouterr().out)
    assert merged["repositories"] == ["shop", "billing"]
    identities = [n for n in merged["graph"]["nodes"] if n["kind"] == "identity"]
    assert len(identities) == 2 * len([n for n in examples["graph"]["nodes"] if n["kind"] == "identity"])
    (tmp_path / "deep.json").write_text("[" * 200000 + "]" * 200000)
    assert main(["inventory", "--merge", str(tmp_path / "deep.json")]) == 2


def test_lifetimes_set_from_unknown_values_and_non_production_identities(scan_files):
    role = ROLE.replace("NAME", "dev-deploy").replace('  name = "dev-deploy"\n', '  name = "dev-deploy"\n  max_session_duration = var.hours\n')
    result = scan_files({"iam.tf": role, "v.tf": 'variable "hours" {}\n'})
    (row,) = build_inventory(result.facts, result.findings)["identities"]
    assert (row["max_lifetime_seconds"], row["lifetime_known"], row["tier"], row["non_production_reachable"]) == (
        43200, False, "non-production", True)
    assert "unknown (up to 12h)" in render(build_inventory(result.facts, result.findings), "text")


def test_exclusive_attachments_and_the_rbac_administrator_guid(scan_files):
    exclusive = ('resource "aws_iam_role_policy_attachments_exclusive" "ci" {\n  role_name   = aws_iam_role.ci.name\n'
                 '  policy_arns = ["arn:aws:iam::aws:policy/ReadOnlyAccess", "arn:aws:iam::aws:policy/IAMFullAccess"]\n}\n')
    result = scan_files({"iam.tf": ROLE.replace("NAME", "ci"), "x.tf": exclusive})
    (row,) = build_inventory(result.facts, result.findings)["identities"]
    assert (row["privileges"]["level"], row["privileges"]["why"]) == ("admin", "IAMFullAccess")
    from trustlint.model import Location, PrivilegeGrant
    from trustlint.source import Span
    from trustlint.trust.privileges import classify

    grant = PrivilegeGrant("azure", [], "/providers/Microsoft.Authorization/roleDefinitions/f58310d9-a9f6-439a-9e8d-f62e7b41a168 on /subscriptions/1",
                           Location("a.tf", Span(1, 1, 1, 2)), "azurerm_role_assignment.a")
    assert classify(grant)[0] == "admin"
