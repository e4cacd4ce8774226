resource "azuread_application" "shop" {
  display_name = "shop-deployer-prod"
}

resource "azuread_service_principal" "shop" {
  client_id = azuread_application.shop.client_id
}

# "Any deployment environment of acme/shop" includes staging, review apps and any environment
# added to the repository later.
resource "azuread_application_flexible_federated_identity_credential" "shop" {
  application_id             = azuread_application.shop.id
  display_name               = "shop-environments"
  issuer                     = "https://token.actions.githubusercontent.com"
  audience                   = "api://AzureADTokenExchange"
  claims_matching_expression = "claims['sub'] matches 'repo:acme/shop:environment:*'"
}
