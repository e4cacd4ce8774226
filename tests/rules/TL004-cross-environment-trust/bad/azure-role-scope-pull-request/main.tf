data "azurerm_subscription" "current" {}

resource "azurerm_user_assigned_identity" "catalog" {
  name                = "id-catalog-ci"
  resource_group_name = "rg-catalog-identities"
  location            = "westeurope"
}

resource "azurerm_role_assignment" "catalog_contributor" {
  scope                = "${data.azurerm_subscription.current.id}/resourceGroups/rg-catalog-prod"
  role_definition_name = "Contributor"
  principal_id         = azurerm_user_assigned_identity.catalog.principal_id
}

resource "azurerm_federated_identity_credential" "catalog_pr" {
  name                = "gh-catalog-pr"
  resource_group_name = "rg-catalog-identities"
  parent_id           = azurerm_user_assigned_identity.catalog.id
  issuer              = "https://token.actions.githubusercontent.com"
  subject             = "repo:acme/catalog:pull_request"
  audience            = ["api://AzureADTokenExchange"]
}
