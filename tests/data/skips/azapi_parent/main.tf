resource "azapi_resource" "uai" {
  type      = "Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31"
  name      = "id-payments-prod"
  location  = "westeurope"
  parent_id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-identities"
}

resource "azurerm_federated_identity_credential" "gh" {
  name                = "github-pr"
  resource_group_name = "rg-identities"
  parent_id           = azapi_resource.uai.id
  audience            = ["api://AzureADTokenExchange"]
  issuer              = "https://token.actions.githubusercontent.com"
  subject             = "repo:acme/payments:pull_request"
}
