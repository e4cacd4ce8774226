resource "azurerm_user_assigned_identity" "web" {
  name                = "id-web-deployer"
  resource_group_name = "rg-web"
  location            = "westeurope"
}

# One identity for both deployment environments: whatever staging can do, it can do in
# production too (and the other way round).
resource "azurerm_federated_identity_credential" "web_env_a" {
  name                = "github-web-env-a"
  resource_group_name = "rg-web"
  parent_id           = azurerm_user_assigned_identity.web.id
  issuer              = "https://token.actions.githubusercontent.com"
  subject             = "repo:acme/web:environment:production"
  audience            = ["api://AzureADTokenExchange"]
}

resource "azurerm_federated_identity_credential" "web_env_b" {
  name                = "github-web-env-b"
  resource_group_name = "rg-web"
  parent_id           = azurerm_user_assigned_identity.web.id
  issuer              = "https://token.actions.githubusercontent.com"
  subject             = "repo:acme/web:environment:staging"
  audience            = ["api://AzureADTokenExchange"]
}
