# Each tier has its own identity, but both trust the same exact subject (the main branch).
resource "azurerm_user_assigned_identity" "search_staging" {
  name                = "id-search-staging"
  resource_group_name = "rg-search"
  location            = "westeurope"
}
resource "azurerm_user_assigned_identity" "search_prod" {
  name                = "id-search-prod"
  resource_group_name = "rg-search"
  location            = "westeurope"
}
resource "azurerm_federated_identity_credential" "search_staging" {
  name                = "gh-main"
  resource_group_name = "rg-search"
  parent_id           = azurerm_user_assigned_identity.search_staging.id
  issuer              = "https://token.actions.githubusercontent.com"
  subject             = "repo:acme/search:ref:refs/heads/main"
  audience            = ["api://AzureADTokenExchange"]
}
resource "azurerm_federated_identity_credential" "search_prod" {
  name                = "gh-main"
  resource_group_name = "rg-search"
  parent_id           = azurerm_user_assigned_identity.search_prod.id
  issuer              = "https://token.actions.githubusercontent.com"
  subject             = "repo:acme/search:ref:refs/heads/main"
  audience            = ["api://AzureADTokenExchange"]
}
