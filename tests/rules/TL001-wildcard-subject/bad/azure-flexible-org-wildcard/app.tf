resource "azuread_application" "artifacts" {
  display_name = "artifacts-publisher"
}

# "Every repository of acme may publish": any repository anyone in the organisation creates.
resource "azuread_application_flexible_federated_identity_credential" "acme_repositories" {
  application_id             = azuread_application.artifacts.id
  display_name               = "acme-repositories"
  issuer                     = "https://token.actions.githubusercontent.com"
  audience                   = "api://AzureADTokenExchange"
  claims_matching_expression = "claims['sub'] matches 'repo:acme/*'"
}
