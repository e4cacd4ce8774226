resource "azuread_application" "docs" {
  display_name = "docs-site-publisher"
}

resource "azuread_application_flexible_federated_identity_credential" "docs" {
  application_id             = azuread_application.docs.id
  display_name               = "docs-site"
  description                = "Publishes the documentation site"
  issuer                     = "https://token.actions.githubusercontent.com"
  audience                   = "api://AzureADTokenExchange"
  claims_matching_expression = "claims['sub'] matches 'repo:*'"
}
