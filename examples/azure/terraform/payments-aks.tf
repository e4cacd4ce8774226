# Payments API on AKS with Azure Workload Identity: the pod's service account token is
# exchanged for the managed identity's token.

resource "azurerm_user_assigned_identity" "payments_api" {
  name                = "id-payments-api"
  resource_group_name = "rg-payments"
  location            = var.location
}

resource "azurerm_federated_identity_credential" "payments_api" {
  name                = "aks-payments-api"
  resource_group_name = "rg-payments"
  parent_id           = azurerm_user_assigned_identity.payments_api.id
  issuer              = var.aks_oidc_issuer
  subject             = "system:serviceaccount:payments:api"
  audience            = [local.entra_audience]
}
