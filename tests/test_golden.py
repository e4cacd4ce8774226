"""Golden outputs for examples/: reviewed as diffs, rewritten only when
TRUSTLINT_UPDATE_GOLDEN=1 asks."""

from __future__ import annotations

import os

import pytest

from trustlint.reporters import get_reporter
from trustlint.scan import ScanOptions, run_scan

from .conftest import REPO_ROOT

GOLDEN = REPO_ROOT / "tests" / "golden"


@pytest.fixture(scope="module")
def examples_result():
    cwd = os.getcwd()
    os.chdir(REPO_ROOT)
    try:
        return run_scan(ScanOptions(paths=["examples"]))
    finally:
        os.chdir(cwd)


@pytest.mark.parametrize("fmt,suffix", [("text", "txt"), ("json", "json"), ("sarif", "sarif")])
def test_examples_output_matches_golden(examples_result, fmt, suffix):
    rendered = get_reporter(fmt).render(examples_result, colour=False)
    golden = GOLDEN / f"examples.{suffix}"
    if os.environ.get("TRUSTLINT_UPDATE_GOLDEN"):
        golden.write_text(rendered)
    assert rendered == golden.read_text()


def test_examples_show_every_rule_exactly_where_it_should(examples_result):
    found = sorted((f.rule_id, f.path, f.span.line, f.address) for f in examples_result.findings)
    assert found == sorted([
        ('TL000', 'examples/aws/cloudformation/ci-user.yaml', 19, ''),
        ('TL001', 'examples/aws/cloudformation/github-oidc.yaml', 68, 'FrontendPreviewRole'),
        ('TL001', 'examples/aws/policies/eks-payments-trust.json', 12, 'eks-payments-trust.json'),
        ('TL001', 'examples/aws/terraform-modules/live/deploy-roles.tf', 23, 'module.docs_role.aws_iam_role.this'),
        ('TL001', 'examples/aws/terraform-modules/modules/github-deploy-role/main.tf', 33, 'module.deploy_role["acme/search"].aws_iam_role.this'),
        ('TL001', 'examples/aws/terraform/deploy-roles.tf', 72, 'aws_iam_role.ci_readonly'),
        ('TL001', 'examples/azure/arm/azuredeploy.json', 71, 'id-reports-reader/github-reports'),
        ('TL001', 'examples/azure/cli/analytics-etl.json', 5, 'github-analytics-repositories'),
        ('TL001', 'examples/azure/terraform/app-registrations.tf', 15, 'azuread_application_flexible_federated_identity_credential.release_publisher'),
        ('TL001', 'examples/ci/infra/github-oidc.tf', 19, 'aws_iam_role.storefront_deploy'),
        ('TL001', 'examples/gcp/terraform/gitlab.tf', 32, 'google_service_account_iam_member.platform_terraform'),
        ('TL001', 'examples/gcp/terraform/wif.tf', 19, 'google_service_account_iam_member.docs_publisher'),
        ('TL002', 'examples/aws/terraform/legacy.tf', 18, 'aws_iam_role.terraform_apply'),
        ('TL003', 'examples/aws/policies/eks-payments-trust.json', 4, 'eks-payments-trust.json'),
        ('TL003', 'examples/gcp/gcloud/github-provider.yaml', 13, 'workloadIdentityPools/ci-federation/providers/github'),
        ('TL004', 'examples/aws/terraform-modules/modules/github-deploy-role/main.tf', 33, 'module.deploy_role["acme/search"].aws_iam_role.this'),
        ('TL004', 'examples/aws/terraform/deploy-roles.tf', 93, 'aws_iam_role.migrations_prod'),
        ('TL004', 'examples/azure/terraform/checkout.tf', 42, 'azurerm_user_assigned_identity.checkout_prod'),
        ('TL004', 'examples/gcp/terraform/wif.tf', 61, 'google_service_account_iam_member.checkout_deploy'),
        ('TL005', 'examples/aws/cloudformation/github-oidc.yaml', 56, 'FrontendPreviewRole'),
        ('TL005', 'examples/aws/terraform-modules/live/deploy-roles.tf', 24, 'module.docs_role.aws_iam_role.this'),
        ('TL005', 'examples/aws/terraform/legacy.tf', 13, 'aws_iam_role.terraform_apply'),
        ('TL005', 'examples/gcp/gcloud/ci-credentials.json', 14, 'ci-credentials.json'),
        ('TL006', 'examples/aws/terraform/legacy.tf', 6, 'aws_iam_access_key.deployer'),
        ('TL006', 'examples/azure/terraform/app-registrations.tf', 44, 'azuread_application_password.legacy_pipeline'),
        ('TL006', 'examples/gcp/terraform/legacy.tf', 9, 'google_service_account_key.backup_exporter'),
        ('TL007', 'examples/aws/cloudformation/break-glass.json', 14, 'BreakGlassRole'),
        ('TL008', 'examples/gcp/terraform/gitlab.tf', 15, 'google_iam_workload_identity_pool_provider.gitlab'),
    ])


def test_output_is_deterministic(examples_result):
    again = run_scan(ScanOptions(paths=[str(REPO_ROOT / "examples")]))
    assert [f.fingerprint for f in again.findings] == [f.fingerprint for f in examples_result.findings]


def test_ci_join_example_names_both_sides(monkeypatch):
    """examples/ci stands for a repository of its own (repository: acme/storefront), its
    configuration passed explicitly: the join findings point at one side and relate the other."""
    from trustlint.cli import main

    monkeypatch.chdir(REPO_ROOT)
    import io
    import json
    import sys

    buffer = io.BytesIO()
    monkeypatch.setattr(sys, "stdout", io.TextIOWrapper(buffer, encoding="utf-8"))
    assert main(["scan", "examples/ci", "--config", "examples/ci/trustlint-config.yaml", "--format", "sarif"]) == 1
    sys.stdout.flush()
    results = json.loads(buffer.getvalue())["runs"][0]["results"]
    by_rule = {r["ruleId"]: r for r in results}
    tl012, tl013 = by_rule["TL012"], by_rule["TL013"]
    assert tl012["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "examples/ci/infra/github-oidc.tf"
    assert any(r["physicalLocation"]["artifactLocation"]["uri"] == "examples/ci/.github/workflows/deploy.yml"
               for r in tl012["relatedLocations"])
    assert tl013["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "examples/ci/.github/workflows/deploy.yml"
    assert any(r["physicalLocation"]["artifactLocation"]["uri"] == "examples/ci/infra/github-oidc.tf"
               for r in tl013["relatedLocations"])
