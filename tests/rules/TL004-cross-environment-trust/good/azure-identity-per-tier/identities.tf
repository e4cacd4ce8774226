locals {
  github_issuer = "https://token.actions.githubusercontent.com"
  repository    = "acme/orders"
}

resource "azurerm_user_assigned_identity" "orders_prod" {
  name                = "id-orders-deploy-prod"
  resource_group_name = "rg-orders"
  location            = "westeurope"
  tags = {
    Environment = "production"
  }
}

resource "azurerm_user_assigned_identity" "orders_staging" {
  name                = "id-orders-deploy-staging"
  resource_group_name = "rg-orders"
  location            = "westeurope"
  tags = {
    Environment = "staging"
  }
}

# Production: only the protected production environment.
resource "azurerm_federated_identity_credential" "orders_prod" {
  name                = "github-production"
  resource_group_name = "rg-orders"
  parent_id           = azurerm_user_assigned_identity.orders_prod.id
  issuer              = local.github_issuer
  subject             = "repo:${local.repository}:environment:production"
  audience            = ["api://AzureADTokenExchange"]
}

# Staging: the staging environment and pull requests (plans) may use the staging identity.
resource "azurerm_federated_identity_credential" "orders_staging" {
  name                = "github-staging"
  resource_group_name = "rg-orders"
  parent_id           = azurerm_user_assigned_identity.orders_staging.id
  issuer              = local.github_issuer
  subject             = "repo:${local.repository}:environment:staging"
  audience            = ["api://AzureADTokenExchange"]
}

resource "azurerm_federated_identity_credential" "orders_staging_pr" {
  name                = "github-pull-requests"
  resource_group_name = "rg-orders"
  parent_id           = azurerm_user_assigned_identity.orders_staging.id
  issuer              = local.github_issuer
  subject             = "repo:${local.repository}:pull_request"
  audience            = ["api://AzureADTokenExchange"]
}
