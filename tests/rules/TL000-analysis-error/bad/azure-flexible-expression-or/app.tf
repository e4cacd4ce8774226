resource "azuread_application" "reports" {
  display_name = "reports-exporter"
}

# The expression language has no `or`: Entra rejects this credential, and trustlint cannot
# say what it would admit.
resource "azuread_application_flexible_federated_identity_credential" "reports" {
  application_id             = azuread_application.reports.id
  display_name               = "reports-main-or-release"
  issuer                     = "https://token.actions.githubusercontent.com"
  audience                   = "api://AzureADTokenExchange"
  claims_matching_expression = "claims['sub'] eq 'repo:acme/reports:ref:refs/heads/main' or claims['sub'] eq 'repo:acme/reports:ref:refs/heads/release'"
}
