"""Azure: the flexible-FIC expression language and ARM template expressions."""

from __future__ import annotations

import pytest

from trustlint.trust.azure import parse_expression
from trustlint.errors import AnalysisError
from trustlint.formats.arm import _Expressions
from trustlint.input.jsonpos import load_json
from trustlint.source import SourceFile, Span
from trustlint.values import Unknown

SPAN = Span(1, 1, 1, 2)


def test_expression_clauses():
    clauses = parse_expression("claims['sub'] matches 'repo:acme/*' and claims['job_workflow_ref'] eq 'acme/w/.github/workflows/d.yml@refs/heads/main'", SPAN)
    assert [(c.claim, c.operator, c.value) for c in clauses] == [
        ("sub", "matches", "repo:acme/*"),
        ("job_workflow_ref", "eq", "acme/w/.github/workflows/d.yml@refs/heads/main"),
    ]
    assert parse_expression("claims['sub'] EQ 'it''s'", SPAN)[0].value == "it's"


@pytest.mark.parametrize("text", [
    "claims['sub'] matches 'repo:a/*' or claims['sub'] eq 'x'",
    "claims['sub'] matches 'repo:a/*",
    "claims[sub] eq 'x'",
    "",
    "claims['sub'] like 'x'",
])
def test_malformed_expressions_are_analysis_errors(text):
    with pytest.raises(AnalysisError):
        parse_expression(text, SPAN)


def evaluate(text: str, parameters: str = "{}", variables: str = "{}"):
    document = load_json(SourceFile("t.json", '{"parameters": %s, "variables": %s}' % (parameters, variables)))
    return _Expressions(document.get("parameters"), document.get("variables")).expression(text)


def test_arm_expressions():
    parameters = '{"org": {"type": "string", "defaultValue": "acme"}, "noDefault": {"type": "string"}}'
    variables = '{"repo": "[concat(parameters(\'org\'), \'/app\')]"}'
    assert evaluate("concat('repo:', variables('repo'), ':pull_request')", parameters, variables) == "repo:acme/app:pull_request"
    assert evaluate("format('{0}/{1}', parameters('org'), 'fic')", parameters) == "acme/fic"
    assert evaluate("toLower('ABC')") == "abc"
    assert isinstance(evaluate("parameters('noDefault')", parameters), Unknown)
    assert isinstance(evaluate("concat('repo:', resourceId('x', 'y'))"), Unknown)
    assert isinstance(evaluate("concat('a'"), Unknown)


def test_classic_fic_star_is_literal(scan_files):
    result = scan_files({"fic.json": '{"name": "x", "issuer": "https://token.actions.githubusercontent.com", '
                                     '"subject": "repo:acme/*", "audiences": ["api://AzureADTokenExchange"]}'})
    assert result.findings == []


def test_arm_nested_deployment_passing_arrays_does_not_crash(scan_files):
    template = """{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "parameters": {"credentials": {"type": "array", "defaultValue": [{"name": "pr", "subject": "repo:acme/app:pull_request"}]}},
  "resources": [{
    "type": "Microsoft.Resources/deployments",
    "apiVersion": "2022-09-01",
    "name": "identity",
    "properties": {
      "expressionEvaluationOptions": {"scope": "inner"},
      "mode": "Incremental",
      "parameters": {"federatedCredentials": {"value": "[parameters('credentials')]"}},
      "template": {
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "parameters": {"federatedCredentials": {"type": "array"}},
        "resources": [{
          "type": "Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials",
          "apiVersion": "2023-01-31",
          "name": "[format('id-web-prod/{0}', parameters('federatedCredentials')[0].name)]",
          "properties": {
            "issuer": "https://token.actions.githubusercontent.com",
            "subject": "[parameters('federatedCredentials')[0].subject]",
            "audiences": ["api://AzureADTokenExchange"]
          }
        }]
      }
    }
  }]
}
"""
    result = scan_files({"azuredeploy.json": template})
    assert [(f.rule_id, f.address) for f in result.findings] == [("TL004", "id-web-prod/pr")]


def test_an_azapi_flexible_credential_is_judged(scan_files):
    tf = """resource "azapi_resource" "flex_fic" {
  type      = "Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials@2025-01-31-preview"
  name      = "gh-flex"
  parent_id = "/subscriptions/000/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-deploy"
  body = {
    properties = {
      issuer    = "https://token.actions.githubusercontent.com"
      audiences = ["api://AzureADTokenExchange"]
      claimsMatchingExpression = {
        value           = "claims['sub'] matches 'repo:*' and claims['repository_owner_id'] eq '1234567'"
        languageVersion = 1
      }
    }
  }
}
"""
    result = scan_files({"main.tf": tf})
    assert [(f.rule_id, f.span.line, f.address, f.severity) for f in result.findings] == [
        ("TL001", 10, "azapi_resource.flex_fic", "high")]
    assert "owner-id-" not in result.findings[0].message.split(" (")[1]


def test_an_azapi_credential_in_jsonencode_is_judged(scan_files):
    tf = """resource "azapi_resource" "fic" {
  type      = "Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials@2023-01-31"
  name      = "gh"
  parent_id = "/subscriptions/000/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-deploy"
  body = jsonencode({
    properties = {
      issuer    = "https://token.actions.githubusercontent.com"
      subject   = "repo:acme/app:environment:production"
      audiences = ["api://AzureADTokenExchange"]
    }
  })
}
"""
    result = scan_files({"main.tf": tf})
    assert result.findings == [] and result.judged["trusts"] == 1
