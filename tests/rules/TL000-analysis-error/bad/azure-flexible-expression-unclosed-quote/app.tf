resource "azuread_application" "mailer" {
  display_name = "mailer-deployer"
}

resource "azuread_application_flexible_federated_identity_credential" "mailer" {
  application_id             = azuread_application.mailer.id
  display_name               = "mailer-main"
  issuer                     = "https://token.actions.githubusercontent.com"
  audience                   = "api://AzureADTokenExchange"
  claims_matching_expression = "claims['sub'] matches 'repo:acme/mailer:ref:refs/heads/*"
}
