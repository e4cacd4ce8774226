resource "azuread_application" "ledger" {
  display_name = "ledger-deployer-live"
}

resource "azuread_service_principal" "ledger" {
  client_id = azuread_application.ledger.client_id
}

resource "azuread_application_federated_identity_credential" "ledger_release" {
  application_id = azuread_application.ledger.id
  display_name   = "ledger-release"
  description    = "Release workflow of acme/ledger"
  audiences      = ["api://AzureADTokenExchange"]
  issuer         = "https://token.actions.githubusercontent.com"
  subject        = "repo:acme/ledger:environment:release"
}

resource "azuread_application_federated_identity_credential" "ledger_develop" {
  application_id = azuread_application.ledger.id
  display_name   = "ledger-develop"
  description    = "Integration builds"
  audiences      = ["api://AzureADTokenExchange"]
  issuer         = "https://token.actions.githubusercontent.com"
  subject        = "repo:acme/ledger:ref:refs/heads/develop"
}
