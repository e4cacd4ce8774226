"""Bicep source: federated identity credentials read from `.bicep` files and judged as ARM
templates' are (tests/test_azure.py). The shapes are those of public files: Azure-Samples and
azd templates, the AVM module avm/res/managed-identity/user-assigned-identity and its
federated-identity-credential child module, the Microsoft Graph Bicep quickstarts
(create-fic-for-github-actions, msi-as-a-fic-secretless), AKS workload-identity templates."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from trustlint.errors import AnalysisError
from trustlint.formats.bicep_values import Evaluator, Scope, Tree
from trustlint.input.bicep_syntax import BicepFile
from trustlint.source import SourceFile
from trustlint.values import Template, Unknown

from .conftest import REPO_ROOT, brief

ISSUER = "https://token.actions.githubusercontent.com"


# -- judged as ARM templates are --------------------------------------------------------------

def test_exact_subjects_on_a_production_identity_are_clean(scan_files):
    result = scan_files({"infra/identity.bicep": """\
        param location string = resourceGroup().location

        var oidcIssuer = 'https://token.actions.githubusercontent.com'
        var repository = 'acme/web'

        resource deployIdentity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
          name: 'id-web-deploy-prod'
          location: location
          tags: {
            environment: 'production'
          }
        }

        resource githubProduction 'Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials@2023-01-31' = {
          parent: deployIdentity
          name: 'github-production'
          properties: {
            issuer: oidcIssuer
            subject: 'repo:${repository}:environment:production'
            audiences: [
              'api://AzureADTokenExchange'
            ]
          }
        }
        """})
    assert brief(result) == []
    assert result.judged["trusts"] == 1


def test_a_star_in_a_classic_subject_is_a_literal_character(scan_files):
    result = scan_files({"identity.bicep": """\
        resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' existing = {
          name: 'id-release'
        }

        resource anyRepository 'Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials@2023-01-31' = {
          parent: identity
          name: 'github-any'
          properties: {
            issuer: 'https://token.actions.githubusercontent.com'
            subject: 'repo:acme/*'
            audiences: ['api://AzureADTokenExchange']
          }
        }
        """})
    assert brief(result) == []
    assert result.judged["trusts"] == 1


def test_a_pull_request_credential_on_an_existing_production_identity_is_tl004(scan_files):
    result = scan_files({"infra/federation.bicep": """\
        @description('Existing deployment identity of the web app.')
        param identityName string = 'id-web-prod'

        resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' existing = {
          name: identityName
        }

        resource githubPullRequestFederation 'Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials@2023-01-31' = {
          parent: identity
          name: 'github-pull-request'
          properties: {
            issuer: 'https://token.actions.githubusercontent.com'
            subject: 'repo:acme/web:pull_request'
            audiences: [
              'api://AzureADTokenExchange'
            ]
          }
        }
        """})
    assert brief(result) == [("TL004", "infra/federation.bicep", 13, 14, "githubPullRequestFederation", "high")]
    assert "(a production managed identity) is reachable from pull requests of acme/web" in result.findings[0].message


def test_an_identifier_is_its_value_and_a_quoted_name_is_only_text(scan_files):
    # pycep-parser's JSON reads `subject: prSubject` and `subject: 'prSubject'` alike; the tree does not.
    result = scan_files({"main.bicep": """\
        var prSubject = 'repo:acme/api:pull_request'

        resource apiIdentity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
          name: 'id-api-prod'
          location: 'westeurope'
        }

        resource checkoutIdentity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
          name: 'id-checkout-prod'
          location: 'westeurope'
        }

        resource apiPullRequests 'Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials@2023-01-31' = {
          parent: apiIdentity
          name: 'github-pr'
          properties: {
            issuer: 'https://token.actions.githubusercontent.com'
            subject: prSubject
            audiences: ['api://AzureADTokenExchange']
          }
        }

        resource checkoutLiteral 'Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials@2023-01-31' = {
          parent: checkoutIdentity
          name: 'github-literal'
          properties: {
            issuer: 'https://token.actions.githubusercontent.com'
            subject: 'prSubject'
            audiences: ['api://AzureADTokenExchange']
          }
        }
        """})
    assert brief(result) == [("TL004", "main.bicep", 18, 14, "apiPullRequests", "high")]
    assert result.judged["trusts"] == 2


def test_a_subject_parameter_without_a_default_is_an_explained_unknown(scan_files, capsys):
    from trustlint.cli import main

    files = {"modules/fic.bicep": """\
        param identityName string
        param githubSubject string

        resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' existing = {
          name: identityName
        }

        resource federatedCredential 'Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials@2023-01-31' = {
          name: 'github'
          parent: identity
          properties: {
            audiences: ['api://AzureADTokenExchange']
            issuer: 'https://token.actions.githubusercontent.com'
            subject: githubSubject
          }
        }
        """}
    result = scan_files(files)
    assert brief(result) == []  # an unknown subject only ever equals itself: never a wildcard
    assert ("modules/fic.bicep", 14, 14, "subject: githubSubject", "parameter without a default (the deployment gives it)") \
        in result.unknowns
    assert main(["scan", ".", "--explain-unknowns"]) == 0
    assert ("modules/fic.bicep:14:14: unknown 'subject: githubSubject': parameter without a default (the deployment gives it)"
            in capsys.readouterr().err)


def test_the_audiences_of_each_credential_are_checked(scan_files):
    result = scan_files({"identity.bicep": """\
        resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
          name: 'id-docs-publisher'
          location: 'westeurope'

          resource githubDocs 'federatedIdentityCredentials@2023-01-31' = {
            name: 'github-docs'
            properties: {
              issuer: 'https://token.actions.githubusercontent.com'
              subject: 'repo:acme/docs:ref:refs/heads/main'
              audiences: [
                'api://AzureADTokenExchange'
                'https://github.com/acme'
              ]
            }
          }
        }
        """})
    assert brief(result) == [("TL003", "identity.bicep", 12, 9, "identity::githubDocs", "medium")]


# -- loops, conditions, nesting --------------------------------------------------------------

def test_a_loop_over_a_parameter_default_is_expanded_instance_by_instance(scan_files):
    result = scan_files({"identities.bicep": """\
        @description('One identity per deployment tier, each trusting one GitHub subject.')
        param tiers array = [
          {
            name: 'staging'
            subject: 'repo:acme/shop:environment:staging'
          }
          {
            name: 'prod'
            subject: 'repo:acme/shop:pull_request'
          }
        ]

        resource identities 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = [for tier in tiers: {
          name: 'id-shop-${tier.name}'
          location: resourceGroup().location
        }]

        @batchSize(1)
        resource credentials 'Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials@2023-01-31' = [
          for (tier, i) in tiers: {
            parent: identities[i]
            name: 'github-${tier.name}'
            properties: {
              issuer: 'https://token.actions.githubusercontent.com'
              subject: tier.subject
              audiences: ['api://AzureADTokenExchange']
            }
          }
        ]
        """})
    assert brief(result) == [("TL004", "identities.bicep", 25, 16, "credentials[1]", "high")]
    assert result.judged["trusts"] == 2  # id-shop-staging's is clean


def test_a_loop_over_an_empty_default_is_judged_as_one_instance_and_names_the_loop(scan_files):
    result = scan_files({"identity.bicep": """\
        param branches array = []

        resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
          name: 'id-deploy-prod'
          location: 'westeurope'
        }

        resource branchCredentials 'Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials@2023-01-31' = [
          for branch in branches: {
            parent: identity
            name: 'gh-branch-${branch}'
            properties: {
              issuer: 'https://token.actions.githubusercontent.com'
              subject: 'repo:acme/deploy:pull_request'
              audiences: ['api://AzureADTokenExchange']
            }
          }
        ]
        """})
    assert brief(result) == [("TL004", "identity.bicep", 14, 16, "branchCredentials", "high")]
    assert "(when enabled: the loop over branches (empty with the parameters' defaults)" in result.findings[0].message


def test_a_condition_false_today_is_judged_as_deployed_and_named(scan_files):
    result = scan_files({"main.bicep": """\
        param enablePreviewAccess bool = false

        resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
          name: 'id-storefront-prod'
          location: 'westeurope'
        }

        resource previewFederation 'Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials@2023-01-31' = if (enablePreviewAccess) {
          parent: identity
          name: 'github-preview'
          properties: {
            issuer: 'https://token.actions.githubusercontent.com'
            subject: 'repo:acme/storefront:pull_request'
            audiences: ['api://AzureADTokenExchange']
          }
        }
        """})
    assert brief(result) == [("TL004", "main.bicep", 13, 14, "previewFederation", "high")]
    assert ("(when enabled: if (enablePreviewAccess) (false with the parameters' defaults) is off with today's values)"
            in result.findings[0].message)


def test_a_condition_not_known_statically_is_judged_and_explained(scan_files):
    result = scan_files({"main.bicep": """\
        param githubOrgName string

        resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
          name: 'id-pipeline-prod'
          location: 'westeurope'
        }

        resource githubPrFed 'Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials@2023-01-31' = if (!empty(githubOrgName)) {
          name: 'fed-github-pr'
          parent: identity
          properties: {
            audiences: ['api://AzureADTokenExchange']
            issuer: 'https://token.actions.githubusercontent.com'
            subject: 'repo:acme/pipeline:pull_request'
          }
        }
        """})
    assert brief(result) == [("TL004", "main.bicep", 14, 14, "githubPrFed", "high")]
    assert result.unknowns == [("main.bicep", 8, 1, "if (!empty(githubOrgName))",
                                "deployment condition not known statically: judged as deployed")]


def test_a_loop_filter_not_known_statically_is_judged_and_explained(scan_files):
    result = scan_files({"main.bicep": """\
        param oidcIssuerUrl string
        param namespaces array = [
          'default'
        ]

        resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
          name: 'id-workloads-prod'
          location: 'westeurope'
        }

        resource federatedCredentials 'Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials@2023-01-31' = [for ns in namespaces: if (!empty(oidcIssuerUrl)) {
          parent: identity
          name: 'federated-ns-${ns}'
          properties: {
            issuer: 'https://token.actions.githubusercontent.com'
            subject: 'repo:acme/workloads:pull_request'
            audiences: ['api://AzureADTokenExchange']
          }
        }]
        """})
    assert brief(result) == [("TL004", "main.bicep", 16, 14, "federatedCredentials[0]", "high")]
    assert ("main.bicep", 11, 1, "if (!empty(oidcIssuerUrl))", "deployment condition not known statically: judged as deployed") \
        in result.unknowns


def test_credentials_of_one_identity_written_three_ways_are_one_trust(scan_files):
    # Nested, `parent:`, and a `'${identity.name}/…'` name: the same identity, so one trust.
    result = scan_files({"identity.bicep": """\
        resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
          name: 'id-ledger-prod'
          location: 'westeurope'

          resource production 'federatedIdentityCredentials' = {
            name: 'github-production'
            properties: {
              issuer: 'https://token.actions.githubusercontent.com'
              subject: 'repo:acme/ledger:environment:production'
              audiences: ['api://AzureADTokenExchange']
            }
          }
        }

        resource mainBranch 'Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials@2023-01-31' = {
          parent: identity
          name: 'github-main'
          properties: {
            issuer: 'https://token.actions.githubusercontent.com'
            subject: 'repo:acme/ledger:ref:refs/heads/main'
            audiences: ['api://AzureADTokenExchange']
          }
        }

        resource pullRequests 'Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials@2023-01-31' = {
          name: '${identity.name}/github-pr'
          properties: {
            issuer: 'https://token.actions.githubusercontent.com'
            subject: 'repo:acme/ledger:pull_request'
            audiences: ['api://AzureADTokenExchange']
          }
          dependsOn: [mainBranch]
        }
        """})
    assert brief(result) == [("TL004", "identity.bicep", 29, 14, "id-ledger-prod", "high")]
    assert result.judged["trusts"] == 1


def test_a_multi_line_ternary_is_evaluated_with_bicep_precedence(scan_files):
    # pycep's grammar reads neither the line breaks nor the precedence: `env == 'prod' ? a : b`
    # comes out as `env == ('prod' ? a : b)`.
    result = scan_files({"identity.bicep": """\
        param env string = 'dev'

        var subject = env == 'prod'
          ? 'repo:acme/app:environment:production'
          : 'repo:acme/app:pull_request'

        resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
          name: 'id-app-prod'
          location: 'westeurope'
        }

        resource github 'Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials@2023-01-31' = {
          parent: identity
          name: 'github'
          properties: {
            issuer: 'https://token.actions.githubusercontent.com'
            subject: subject
            audiences: ['api://AzureADTokenExchange']
          }
        }
        """})
    assert brief(result) == [("TL004", "identity.bicep", 17, 14, "github", "high")]


def test_syntax_pycep_lacks_around_a_credential_is_normalised_not_fatal(scan_files):
    """Decorators with multi-line strings, `resourceInput<…>` types, comments inside a loop's
    brackets, arguments over lines, the old `provider` keyword: all real Bicep the grammar
    rejects, none of it what a credential's judgement depends on."""
    result = scan_files({"main.bicep": """\
        provider microsoftGraph

        @description('''
        Tags of the identity.
        ''')
        param tags resourceInput<'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31'>.tags = {
          environment: 'production'
        }

        param subjects string[] = ['repo:acme/orders:pull_request']

        resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
          name: format(
            'id-{0}-{1}',
            'orders',
            'deploy'
          )
          location: 'westeurope'
          tags: tags
        }

        resource credentials 'Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials@2023-01-31' = [
          // one credential per subject
          for subject in subjects: {
            parent: identity
            name: 'github-${uniqueString(subject)}'
            properties: {
              issuer: 'https://token.actions.githubusercontent.com' // GitHub Actions
              subject: subject
              audiences: ['api://AzureADTokenExchange']
            }
          }
          /* end */
        ]
        """})
    assert brief(result) == [("TL004", "main.bicep", 29, 16, "credentials[0]", "high")]
    assert "(a production managed identity)" in result.findings[0].message  # the tags parameter's default


# -- Microsoft Graph extension ----------------------------------------------------------------

def test_graph_application_credentials_nested_and_top_level(scan_files):
    result = scan_files({"app.bicep": """\
        extension microsoftGraphV1

        @description('Name of the GitHub repository, as OWNER/NAME')
        param githubRepoName string = 'acme/payments'

        var githubOIDCProvider = 'https://token.actions.githubusercontent.com'
        var microsoftEntraAudience = 'api://AzureADTokenExchange'

        resource githubActionsApp 'Microsoft.Graph/applications@v1.0' = {
          uniqueName: 'payments-deploy-prod'
          displayName: 'Payments deploy (production)'

          resource githubFic 'federatedIdentityCredentials@v1.0' = {
            name: '${githubActionsApp.uniqueName}/githubFic'
            audiences: [microsoftEntraAudience]
            description: 'FIC for GitHub Actions'
            issuer: githubOIDCProvider
            subject: 'repo:${githubRepoName}:environment:production'
          }
        }

        resource anyRepository 'Microsoft.Graph/applications/federatedIdentityCredentials@beta' = {
          name: '${githubActionsApp.uniqueName}/github-any-repository'
          issuer: githubOIDCProvider
          audiences: [microsoftEntraAudience]
          claimsMatchingExpression: {
            languageVersion: 1
            value: 'claims[\\'sub\\'] matches \\'repo:acme/*\\''
          }
        }
        """})
    found = brief(result)
    assert ("TL001", "app.bicep", 28, 12, "payments-deploy-prod", "high") in found
    assert {f[0] for f in found} == {"TL001", "TL004"}  # any repository of acme, production app
    assert all(f.path == "app.bicep" and f.span.line == 28 for f in result.findings)
    assert result.judged["trusts"] == 1


# -- modules -----------------------------------------------------------------------------------

AVM_CALL = """\
param location string = resourceGroup().location

module deployIdentity 'br/public:avm/res/managed-identity/user-assigned-identity:0.4.1' = {
  name: 'deploy-identity'
  params: {
    name: 'id-api-prod'
    location: location
    federatedIdentityCredentials: [
      {
        name: 'github-main'
        audiences: [
          'api://AzureADTokenExchange'
        ]
        issuer: 'https://token.actions.githubusercontent.com'
        subject: 'repo:acme/api:ref:refs/heads/main'
      }
      {
        name: 'github-pr'
        audiences: [
          'api://AzureADTokenExchange'
        ]
        issuer: 'https://token.actions.githubusercontent.com'
        subject: 'repo:acme/api:pull_request'
      }
    ]
  }
}
"""


def test_the_avm_user_assigned_identity_module_is_judged_by_its_inputs(scan_files):
    result = scan_files({"main.bicep": AVM_CALL})
    assert brief(result) == [("TL004", "main.bicep", 23, 18, "id-api-prod", "high")]
    assert result.judged["trusts"] == 1


def test_an_avm_module_in_a_loop_names_each_instance(scan_files):
    text = AVM_CALL.replace("module deployIdentity 'br/public:avm/res/managed-identity/user-assigned-identity:0.4.1' = {",
                            "module deployIdentity 'br/public:avm/res/managed-identity/user-assigned-identity:0.4.1' = [for "
                            "tier in ['prod']: {").replace("'id-api-prod'", "'id-api-${tier}'")
    text = text[: text.rstrip().rfind("}")] + "}]\n"
    result = scan_files({"main.bicep": text})
    assert [f[:5] for f in brief(result)] == [("TL004", "main.bicep", 23, 18, "id-api-prod")]


MODULE = """\
param identityName string
param githubRepository string
param environments array = []

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: identityName
  location: resourceGroup().location
}

@batchSize(1)
resource credentials 'Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials@2023-01-31' = [
  for environment in environments: {
    parent: identity
    name: 'github-${environment}'
    properties: {
      issuer: 'https://token.actions.githubusercontent.com'
      subject: 'repo:${githubRepository}:environment:${environment}'
      audiences: ['api://AzureADTokenExchange']
    }
  }
]
"""
CALLER = """\
module webIdentity './modules/github-identity.bicep' = {
  name: 'web-identity'
  params: {
    identityName: 'id-web-prod'
    githubRepository: 'acme/web'
    environments: [
      'production'
      'preview'
    ]
  }
}
"""


def test_a_local_module_is_judged_with_the_parameters_its_caller_passes(scan_files):
    result = scan_files({"main.bicep": CALLER, "modules/github-identity.bicep": MODULE})
    assert brief(result) == [("TL004", "modules/github-identity.bicep", 17, 16, "id-web-prod", "high")]
    finding = result.findings[0]
    assert "environment preview of acme/web" in finding.message
    assert ("main.bicep", 1, "module call webIdentity") in [(r.path, r.span.line, r.label) for r in finding.related]


def test_a_module_no_scanned_caller_reaches_is_read_alone_with_its_defaults(scan_files):
    result = scan_files({"modules/github-identity.bicep": MODULE})
    assert brief(result) == []
    assert ("modules/github-identity.bicep", 17, 16, "subject: githubRepository",
            "parameter without a default (the deployment gives it)") in result.unknowns


def test_a_registry_module_given_credentials_is_explained(scan_files):
    result = scan_files({"main.bicep": """\
        module identity 'br:contoso.azurecr.io/bicep/identity:1.0' = {
          name: 'identity'
          params: {
            federatedIdentityCredentials: [
              {
                issuer: 'https://token.actions.githubusercontent.com'
                subject: 'repo:acme/app:pull_request'
              }
            ]
          }
        }
        """})
    assert brief(result) == []
    assert ("main.bicep", 1, 1, "module identity 'br:contoso.azurecr.io/bicep/identity:1.0'",
            "a registry module is not read; the federation it is given is not judged") in result.unknowns


# -- never silent, never slow ------------------------------------------------------------------

def test_a_credential_statement_that_does_not_parse_is_tl000_at_its_line(scan_files):
    result = scan_files({"identity.bicep": """\
        resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
          name: 'id-app-prod'
          location: 'westeurope'
        }

        resource github 'Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials@2023-01-31' = {
          parent: identity
          name: 'github'
          properties: {
            issuer: 'https://token.actions.githubusercontent.com'
            subject: 'repo:acme/app:pull_request' 'repo:acme/app:environment:production'
            audiences: ['api://AzureADTokenExchange']
          }
        }
        """})
    # The grammar reads the second string as the key of a next property: the line ends too soon.
    assert brief(result) == [("TL000", "identity.bicep", 11, 81, "github", "high")]
    assert "pycep-parser cannot read (near 'the end of the line')" in result.findings[0].message


@pytest.mark.parametrize("text,line,words", [
    ("var issuer = 'https://token.actions.githubusercontent.com\n", 1, "string never closed"),
    ("resource fic 'x/federatedIdentityCredentials@1' = {\n  name: 'a'\n", 3, "is never closed"),
    ("{\"resource\": \"token.actions.githubusercontent.com\"}\n", 1, "no Bicep statement"),
    ("// token.actions.githubusercontent.com\nthis is not Bicep\n", 2, "no Bicep statement"),
    ("var issuer = 'https://token.actions.githubusercontent.com'\n@description('x')\nnot a statement\n", 3,
     "no Bicep statement"),
])
def test_text_that_is_no_bicep_but_names_federation_is_tl000(scan_files, text, line, words):
    result = scan_files({"main.bicep": text})
    assert [(f.rule_id, f.path, f.span.line) for f in result.findings] == [("TL000", "main.bicep", line)]
    assert words in result.findings[0].message


def test_a_credential_inside_a_resource_not_read_is_tl000(scan_files):
    result = scan_files({"main.bicep": """\
        resource nested 'Microsoft.Resources/deployments@2022-09-01' = {
          name: 'identity'
          properties: {
            mode: 'Incremental'
            template: {
              '$schema': 'https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#'
              contentVersion: '1.0.0.0'
              resources: [
                {
                  type: 'Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials'
                  apiVersion: '2023-01-31'
                  name: 'id-x/github'
                  properties: {
                    issuer: 'https://token.actions.githubusercontent.com'
                    subject: 'repo:acme/x:pull_request'
                    audiences: ['api://AzureADTokenExchange']
                  }
                }
              ]
            }
          }
        }
        """})
    assert brief(result) == [("TL000", "main.bicep", 1, 1, "nested", "high")]


@pytest.mark.parametrize("text", [
    "var x = '" + "${" * 5000 + "\n",  # took 116 s in pycep's string pattern
    "var x = '" + "${'" * 3000 + "'" + "}'" * 3000 + "'\n",
    "var x = " + "[" * 5000 + "]" * 5000 + "\n",
    "var x = [" + "'' " * 6000 + "]\n" + "resource f 'x/federatedIdentityCredentials@1' = {\n  name: x\n}\n",
    "/*" * 100_000 + "\n",
    "var x = f(\n" + "\n" * 50_000 + ")\n" + "resource f 'x/federatedIdentityCredentials@1' = {\n  name: x\n}\n",
])
def test_hostile_bicep_finishes_quickly(scan_files, text):
    started = time.monotonic()
    result = scan_files({"main.bicep": "// token.actions.githubusercontent.com\n" + text})
    assert time.monotonic() - started < 10
    assert result.findings and all(f.rule_id == "TL000" and f.path == "main.bicep" for f in result.findings)


def test_an_unrelated_bicep_file_costs_nothing_and_other_scans_never_import_pycep(tmp_path):
    (tmp_path / ".git").mkdir()
    (tmp_path / "storage.bicep").write_text("resource sa 'Microsoft.Storage/storageAccounts@2023-01-01' = {\n"
                                            "  name: 'logs'\n}\nmodule net './network.bicep' = {\n  name: 'net'\n}\n")
    (tmp_path / "network.bicep").write_text("param name string = 'vnet'\n")
    probe = ("import sys; from trustlint.scan import ScanOptions, run_scan; "
             "r = run_scan(ScanOptions(paths=sys.argv[1:])); print(r.files_scanned, len(r.findings), "
             "'pycep' in sys.modules, 'lark' in sys.modules)")
    for path, scanned in ((str(tmp_path), "2"), (str(REPO_ROOT / "examples" / "aws" / "terraform"), None)):
        run = subprocess.run([sys.executable, "-c", probe, path], capture_output=True, text=True, cwd=str(REPO_ROOT),
                             env={"PYTHONPATH": str(REPO_ROOT), "PATH": "/usr/bin:/bin"})
        files, findings, pycep, lark = run.stdout.split()
        assert (pycep, lark) == ("False", "False"), run.stderr
        if scanned is not None:
            assert (files, findings) == (scanned, "0")


# -- values ------------------------------------------------------------------------------------

def evaluate(expression: str, declarations: str = ""):
    file = BicepFile(SourceFile("v.bicep", declarations + f"var probe = {expression}\n"))
    scope = Scope(file)
    return scope.symbol("probe", Evaluator(scope))


@pytest.mark.parametrize("expression,value", [
    ("'a' == 'a' ? 'yes' : 'no'", "yes"),
    ("env == 'prod' ? 'p' : 'd'", "d"),
    ("1 - 2 + 3", 2),
    ("2 + 3 * 4", 14),
    ("!empty(list) && flag", True),
    ("flag || missing.x", True),
    ("!flag && missing.x", False),
    ("toLower(format('{0}-{1}', 'A', 'B'))", "a-b"),
    ("format('{{0}} {0}', 'x')", "{0} x"),
    ("concat('repo:', org, '/', 'app')", "repo:acme/app"),
    ("concat(list, ['c'])", ["a", "b", "c"]),
    ("obj.nested.name", "inner"),
    ("obj.?missing ?? 'fallback'", "fallback"),
    ("obj['nested'].name", "inner"),
    ("list[1]", "b"),
    ("replace('repo:acme/app', 'acme', 'contoso')", "repo:contoso/app"),
    ("'it\\'s ${org}: \\${literal}'", "it's acme: ${literal}"),
    ("'${toUpper('${org}')}-${length(list)}'", "ACME-2"),
    ("[for (item, i) in list: '${i}:${item}']", ["0:a", "1:b"]),
    ("length(items({ b: 1, a: 2 }))", 2),
    ("items({ b: 1, a: 2 })[0].key", "a"),
    ("contains(list, 'b')", True),
    ("'''\nline one\n'''", "line one\n"),
    ("any(org)", "acme"),
    ("coalesce(null, org, 'x')", "acme"),
    ("substring('repo:acme/app', 5, 4)", "acme"),
    ("startsWith('Repo:acme', 'repo:')", True),
])
def test_expressions_are_evaluated_as_bicep_does(expression, value):
    declarations = ("param env string = 'dev'\nparam org string = 'acme'\nparam flag bool = true\n"
                    "var list = [\n  'a'\n  'b'\n]\nvar obj = {\n  nested: {\n    name: 'inner'\n  }\n}\n")
    assert evaluate(expression, declarations) == value


@pytest.mark.parametrize("expression,reason", [
    ("noDefault", "parameter without a default (the deployment gives it)"),
    ("resourceGroup().location", "resourceGroup() is known at deployment"),
    ("'repo:${noDefault}/app'", "parameter without a default (the deployment gives it)"),
    ("obj.missing", "no such property"),
    ("list[7]", "index out of range"),
    ("selfRef", "defined in terms of itself"),
    ("undeclared", "not declared in this file"),
    ("sharedSubjects[0]", "imported from another file, not read"),
    ("any(noDefault)", "parameter without a default (the deployment gives it)"),
])
def test_what_cannot_be_known_is_unknown_with_its_reason(expression, reason):
    declarations = ("import { sharedSubjects } from './shared.bicep'\n"
                    "param noDefault string\nvar selfRef = selfRef\nvar list = ['a']\nvar obj = {\n  a: 1\n}\n")
    value = evaluate(expression, declarations)
    assert isinstance(value, (Unknown, Template))
    leaf = value if isinstance(value, Unknown) else next(p for p in value.parts if isinstance(p, Unknown))
    assert leaf.reason == reason


def test_positions_are_the_files_own_after_normalising():
    text = ("@description('''\nmulti\n''')\nparam p string = 'x' // note\n"
            "var v = f(\n  'a',\n  'b'\n)\nresource r 'T@1' = [\n  // c\n  for i in [1]: {\n    name: 'n${i}'\n  }\n]\n")
    file = BicepFile(SourceFile("p.bicep", text))
    assert [(s.keyword, s.name, file.header(s).line) for s in file.statements] == [
        ("param", "p", 4), ("var", "v", 5), ("resource", "r", 9)]
    tree = file.parse(file.statements[2])
    name = tree.children[-1].children[-1].children[0].children[1]
    start = file.statements[2].start + name.meta.start_pos
    assert file.source.position(start) == (12, 11)
    with pytest.raises(AnalysisError):
        BicepFile(SourceFile("q.bicep", "var x = 'open\n"))


def test_a_changed_module_named_alone_is_judged_with_its_callers_parameters(scan_files):
    # pre-commit passes only the changed files: the callers come with a Bicep module.
    scan_files({"main.bicep": CALLER, "modules/github-identity.bicep": MODULE})
    from trustlint.scan import ScanOptions, run_scan

    result = run_scan(ScanOptions(paths=["modules/github-identity.bicep"]))
    assert brief(result) == [("TL004", "modules/github-identity.bicep", 17, 16, "id-web-prod", "high")]
    # And a changed caller with the module it calls.
    result = run_scan(ScanOptions(paths=["main.bicep"]))
    assert brief(result) == [("TL004", "modules/github-identity.bicep", 17, 16, "id-web-prod", "high")]


def test_a_claims_matching_expression_not_known_statically_is_explained_not_a_syntax_error(scan_files):
    result = scan_files({"identity.bicep": """\
        param expression string

        resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2025-01-31-preview' = {
          name: 'id-builds'
          location: 'westeurope'

          resource flexible 'federatedIdentityCredentials' = {
            name: 'github-flexible'
            properties: {
              issuer: 'https://token.actions.githubusercontent.com'
              audiences: ['api://AzureADTokenExchange']
              claimsMatchingExpression: {
                languageVersion: 1
                value: expression
              }
            }
          }
        }
        """})
    assert brief(result) == []
    assert sorted(u[3:] for u in result.unknowns) == [
        ("claimsMatchingExpression: expression", "parameter without a default (the deployment gives it)"),
        ("identity::flexible", "claims_matching_expression not known statically; not judged")]


def test_avm_credentials_not_known_statically_are_explained(scan_files):
    result = scan_files({"main.bicep": """\
        param credentials array

        module identity 'br/public:avm/res/managed-identity/user-assigned-identity:0.4.1' = {
          name: 'identity'
          params: {
            name: 'id-app-prod'
            federatedIdentityCredentials: credentials
          }
        }
        """})
    assert brief(result) == []
    assert ("main.bicep", 7, 35, "federatedIdentityCredentials: credentials",
            "parameter without a default (the deployment gives it)") in result.unknowns


def test_the_grammar_is_cached_privately_never_in_the_shared_temporary_directory(tmp_path):
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    (tmp_path / "repo" / "main.bicep").write_text(AVM_CALL)
    (tmp_path / "tmp").mkdir()
    env = {"PYTHONPATH": str(REPO_ROOT), "PATH": "/usr/bin:/bin", "XDG_CACHE_HOME": str(tmp_path / "cache"),
           "TMPDIR": str(tmp_path / "tmp"), "HOME": str(tmp_path)}
    for _ in range(2):  # built, then loaded
        run = subprocess.run([sys.executable, "-m", "trustlint", "scan", "."], cwd=tmp_path / "repo", env=env,
                             capture_output=True, text=True)
        assert run.returncode == 1 and "TL004" in run.stdout, run.stderr
    assert [p.name.startswith("bicep-grammar-") for p in (tmp_path / "cache" / "trustlint").glob("*.lark")] == [True]
    assert list((tmp_path / "tmp").iterdir()) == []  # Lark's own cache=True would write a pickle here


def test_crlf_line_ends_pragmas_and_apostrophes_in_comments_are_read(scan_files):
    text = ("#disable-next-line no-unused-params // don't warn\r\n"
            "param unused string = 'x'\r\n"
            "\r\n"
            "resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {\r\n"
            "  name: 'id-orders-prod' // the team's production identity\r\n"
            "  location: 'westeurope'\r\n"
            "}\r\n"
            "\r\n"
            "resource pr 'Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials@2023-01-31' = {\r\n"
            "  parent: identity\r\n"
            "  name: 'github-pr'\r\n"
            "  properties: {\r\n"
            "    issuer: 'https://token.actions.githubusercontent.com'\r\n"
            "    subject: 'repo:acme/orders:pull_request'\r\n"
            "    audiences: ['api://AzureADTokenExchange']\r\n"
            "  }\r\n"
            "}\r\n")
    (scan_files.directory / "main.bicep").write_bytes(text.encode())
    result = scan_files({})
    assert brief(result) == [("TL004", "main.bicep", 14, 14, "pr", "high")]
    assert result.findings[0].span.end_column == 14 + len("'repo:acme/orders:pull_request'")


def test_the_pre_commit_hook_passes_every_kind_trustlint_reads():
    """identify, which pre-commit's `types` use, tags no .bicep: the hook selects by name."""
    import re

    import yaml

    from trustlint.input.discovery import _UNREAD, FORMATS

    hook = yaml.safe_load((REPO_ROOT / ".pre-commit-hooks.yaml").read_text())[0]
    assert "types" not in hook and "types_or" not in hook
    pattern = re.compile(hook["files"])
    for suffix in [*FORMATS, *_UNREAD, ".tfvars", ".tfvars.json"]:
        assert pattern.search("infra/main" + suffix), suffix
    assert not pattern.search("README.md") and not pattern.search("main.bicep.bak")


def test_a_module_calling_itself_is_tl000_and_one_outside_the_repository_is_explained(scan_files):
    result = scan_files({"infra/loop.bicep": """\
        param subject string = 'repo:acme/loop:pull_request'

        module again './loop.bicep' = {
          name: 'again'
        }

        module shared '../../shared/identity.bicep' = {
          name: 'shared'
          params: {
            subject: subject
          }
        }

        resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
          name: 'id-loop-prod'
          location: 'westeurope'

          resource github 'federatedIdentityCredentials' = {
            name: 'github'
            properties: {
              issuer: 'https://token.actions.githubusercontent.com'
              subject: subject
              audiences: ['api://AzureADTokenExchange']
            }
          }
        }
        """})
    assert brief(result) == [("TL000", "infra/loop.bicep", 3, 1, "again", "high"),
                             ("TL004", "infra/loop.bicep", 22, 16, "identity::github", "high")]
    assert ("infra/loop.bicep", 7, 1, "module shared", "module outside the repository; not read") in result.unknowns


def test_a_decorator_on_the_statements_own_line_keeps_the_statement(scan_files):
    # `@batchSize(1) resource …` is valid Bicep: the resource must not be taken for decoration.
    result = scan_files({"main.bicep": """\
        @secure() param unusedToken string
        @description('The production identity.') resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
          name: 'id-billing-prod'
          location: 'westeurope'
        }
        @batchSize(1) resource credentials 'Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials@2023-01-31' = [for s in ['repo:acme/billing:pull_request']: {
          parent: identity
          name: 'github'
          properties: {
            issuer: 'https://token.actions.githubusercontent.com'
            subject: s
            audiences: ['api://AzureADTokenExchange']
          }
        }]
        output clientId string = identity.properties.clientId
        """})
    assert brief(result) == [("TL004", "main.bicep", 11, 14, "credentials[0]", "high")]


def test_a_credential_declared_inside_another_statement_is_tl000_but_one_quoted_in_a_string_is_text(scan_files):
    # pycep's grammar reads a resource inside an object literal; Bicep rejects it: fail closed.
    result = scan_files({"main.bicep": """\
        @description('''
        Example:
        resource fic 'Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials@2023-01-31' = {…}
        ''')
        param example string = 'x'

        var wrapper = {
          resource fic 'Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials@2023-01-31' = {
            name: 'id-x/github'
          }
        }
        """})
    assert brief(result) == [("TL000", "main.bicep", 7, 1, "wrapper", "high")]
