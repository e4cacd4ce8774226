resource "azurerm_user_assigned_identity" "docs" {
  name                = "id-docs-publisher"
  resource_group_name = "rg-docs"
  location            = "westeurope"
}

resource "azurerm_federated_identity_credential" "docs" {
  name                = "github-docs-main"
  resource_group_name = "rg-docs"
  parent_id           = azurerm_user_assigned_identity.docs.id
  issuer              = "https://token.actions.githubusercontent.com"
  subject             = "repo:acme/docs:ref:refs/heads/main"
  audience            = ["api://AzureADTokenExchange"]
}
