resource "azuread_application" "inventory" {
  display_name = "inventory-deployer"
}

# Meant for the main branch, but any branch, tag, pull request or environment of
# acme/inventory matches.
resource "azuread_application_flexible_federated_identity_credential" "inventory" {
  application_id             = azuread_application.inventory.id
  display_name               = "inventory-any-ref"
  issuer                     = "https://token.actions.githubusercontent.com"
  audience                   = "api://AzureADTokenExchange"
  claims_matching_expression = "claims['sub'] matches 'repo:acme/inventory:*'"
}
