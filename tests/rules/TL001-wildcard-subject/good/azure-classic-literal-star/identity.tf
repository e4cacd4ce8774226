resource "azurerm_user_assigned_identity" "tools" {
  name                = "id-tools-runner"
  resource_group_name = "rg-tools"
  location            = "westeurope"
}

# A classic federated credential compares the subject exactly: this '*' is a literal
# character, so the credential matches no real token (GitHub never issues this subject).
# It is useless, not open; the flexible form would be claims_matching_expression.
resource "azurerm_federated_identity_credential" "tools" {
  name                = "github-acme-all"
  resource_group_name = "rg-tools"
  parent_id           = azurerm_user_assigned_identity.tools.id
  issuer              = "https://token.actions.githubusercontent.com"
  subject             = "repo:acme/*"
  audience            = ["api://AzureADTokenExchange"]
}

resource "azuread_application" "tools" {
  display_name = "tools-runner"
}

resource "azuread_application_federated_identity_credential" "tools" {
  application_id = azuread_application.tools.id
  display_name   = "github-acme-tools-any-ref"
  audiences      = ["api://AzureADTokenExchange"]
  issuer         = "https://token.actions.githubusercontent.com"
  subject        = "repo:acme/tools:*"
}
