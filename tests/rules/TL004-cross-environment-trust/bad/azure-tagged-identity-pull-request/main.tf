resource "azurerm_user_assigned_identity" "billing" {
  name                = "id-billing-deployer"
  resource_group_name = "rg-billing"
  location            = "northeurope"

  tags = {
    Environment = "production"
    CostCenter  = "billing"
  }
}

resource "azurerm_federated_identity_credential" "billing_main" {
  name                      = "gh-billing-main"
  resource_group_name       = "rg-billing"
  user_assigned_identity_id = azurerm_user_assigned_identity.billing.id
  issuer                    = "https://token.actions.githubusercontent.com"
  subject                   = "repo:acme/billing:ref:refs/heads/main"
  audience                  = ["api://AzureADTokenExchange"]
}

resource "azurerm_federated_identity_credential" "billing_pr" {
  name                      = "gh-billing-pr"
  resource_group_name       = "rg-billing"
  user_assigned_identity_id = azurerm_user_assigned_identity.billing.id
  issuer                    = "https://token.actions.githubusercontent.com"
  subject                   = "repo:acme/billing:pull_request"
  audience                  = ["api://AzureADTokenExchange"]
}
