# Checkout service: one user-assigned managed identity per tier, deployed by GitHub Actions
# from acme/checkout.

resource "azurerm_resource_group" "identities" {
  name     = "rg-checkout-identities"
  location = var.location
}

resource "azurerm_user_assigned_identity" "checkout_prod" {
  name                = "id-checkout-deploy-prod"
  resource_group_name = azurerm_resource_group.identities.name
  location            = var.location

  tags = {
    Environment = "production"
    Service     = "checkout"
  }
}

resource "azurerm_role_assignment" "checkout_prod" {
  scope                = "${local.subscription_path}/resourceGroups/rg-checkout-prod"
  role_definition_name = "Contributor"
  principal_id         = azurerm_user_assigned_identity.checkout_prod.principal_id
}

resource "azurerm_federated_identity_credential" "checkout_prod_environment" {
  name                = "github-environment-production"
  resource_group_name = azurerm_resource_group.identities.name
  parent_id           = azurerm_user_assigned_identity.checkout_prod.id
  issuer              = local.github_issuer
  subject             = "repo:${local.checkout_repo}:environment:production"
  audience            = [local.entra_audience]
}

# Added so that pull requests can run `terraform plan` against production. Any pull request,
# including one changing the workflow itself, now gets the production identity.
resource "azurerm_federated_identity_credential" "checkout_prod_pull_request" {
  name                = "github-pull-request"
  resource_group_name = azurerm_resource_group.identities.name
  parent_id           = azurerm_user_assigned_identity.checkout_prod.id
  issuer              = local.github_issuer
  subject             = "repo:${local.checkout_repo}:pull_request"
  audience            = [local.entra_audience]
}

resource "azurerm_user_assigned_identity" "checkout_staging" {
  name                = "id-checkout-deploy-staging"
  resource_group_name = azurerm_resource_group.identities.name
  location            = var.location

  tags = {
    Environment = "staging"
    Service     = "checkout"
  }
}

resource "azurerm_role_assignment" "checkout_staging" {
  scope                = "${local.subscription_path}/resourceGroups/rg-checkout-staging"
  role_definition_name = "Contributor"
  principal_id         = azurerm_user_assigned_identity.checkout_staging.principal_id
}

# Staging may be used by the staging environment and by pull requests (plans): fine.
resource "azurerm_federated_identity_credential" "checkout_staging_environment" {
  name                = "github-environment-staging"
  resource_group_name = azurerm_resource_group.identities.name
  parent_id           = azurerm_user_assigned_identity.checkout_staging.id
  issuer              = local.github_issuer
  subject             = "repo:${local.checkout_repo}:environment:staging"
  audience            = [local.entra_audience]
}

resource "azurerm_federated_identity_credential" "checkout_staging_pull_request" {
  name                = "github-pull-request"
  resource_group_name = azurerm_resource_group.identities.name
  parent_id           = azurerm_user_assigned_identity.checkout_staging.id
  issuer              = local.github_issuer
  subject             = "repo:${local.checkout_repo}:pull_request"
  audience            = [local.entra_audience]
}
