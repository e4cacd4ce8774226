resource "azapi_resource" "rg" {
  type     = "Microsoft.Resources/resourceGroups@2021-04-01"
  name     = "rg-payments-prod"
  location = "westeurope"
  parent_id = "/subscriptions/00000000-0000-0000-0000-000000000000"
}

resource "azurerm_user_assigned_identity" "deploy" {
  name                = "id-payments-deploy"
  location            = "westeurope"
  resource_group_name = "rg-identities"
}

resource "azurerm_role_assignment" "deploy" {
  scope                = azapi_resource.rg.id
  role_definition_name = "Contributor"
  principal_id         = azurerm_user_assigned_identity.deploy.principal_id
}

resource "azurerm_federated_identity_credential" "gh" {
  name                = "github-pr"
  resource_group_name = "rg-identities"
  parent_id           = azurerm_user_assigned_identity.deploy.id
  audience            = ["api://AzureADTokenExchange"]
  issuer              = "https://token.actions.githubusercontent.com"
  subject             = "repo:acme/payments:pull_request"
}
