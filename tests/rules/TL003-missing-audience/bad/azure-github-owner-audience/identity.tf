resource "azurerm_user_assigned_identity" "search" {
  name                = "id-search-indexer"
  resource_group_name = "rg-search"
  location            = "westeurope"
}

# The workflow calls azure/login without an audience, so the token carries GitHub's default
# aud (https://github.com/acme): every token of the organisation has it, including tokens
# workflows hand to any other service.
resource "azurerm_federated_identity_credential" "search" {
  name                = "github-search-main"
  resource_group_name = "rg-search"
  parent_id           = azurerm_user_assigned_identity.search.id
  issuer              = "https://token.actions.githubusercontent.com"
  subject             = "repo:acme/search:ref:refs/heads/main"
  audience            = ["https://github.com/acme"]
}
