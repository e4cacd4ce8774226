resource "azurerm_resource_group" "orders" {
  name     = "rg-orders-weu"
  location = "westeurope"
}

resource "azurerm_user_assigned_identity" "orders_deploy" {
  name                = "id-orders-deploy-prod"
  resource_group_name = azurerm_resource_group.orders.name
  location            = azurerm_resource_group.orders.location
}

resource "azurerm_federated_identity_credential" "orders_environment" {
  name                = "github-orders-environment"
  resource_group_name = azurerm_resource_group.orders.name
  parent_id           = azurerm_user_assigned_identity.orders_deploy.id
  issuer              = "https://token.actions.githubusercontent.com"
  subject             = "repo:acme/orders:environment:production"
  audience            = ["api://AzureADTokenExchange"]
}

# Added so that pull requests can run `terraform plan` against the production subscription.
resource "azurerm_federated_identity_credential" "orders_pull_request" {
  name                = "github-orders-pull-request"
  resource_group_name = azurerm_resource_group.orders.name
  parent_id           = azurerm_user_assigned_identity.orders_deploy.id
  issuer              = "https://token.actions.githubusercontent.com"
  subject             = "repo:acme/orders:pull_request"
  audience            = ["api://AzureADTokenExchange"]
}
