locals {
  # azurerm_kubernetes_cluster.main.oidc_issuer_url, copied so the module stands alone.
  aks_oidc_issuer = "https://westeurope.oic.prod-aks.azure.com/72f988bf-86f1-41af-91ab-2d7cd011db47/3c9a1b2e-5d4f-4e6a-8b7c-9d0e1f2a3b4c/"
}

resource "azurerm_user_assigned_identity" "payments_api" {
  name                = "id-payments-api"
  resource_group_name = "rg-payments"
  location            = "westeurope"
}

# Azure Workload Identity: only the service account api in namespace payments.
resource "azurerm_federated_identity_credential" "payments_api" {
  name                = "aks-payments-api"
  resource_group_name = "rg-payments"
  parent_id           = azurerm_user_assigned_identity.payments_api.id
  issuer              = local.aks_oidc_issuer
  subject             = "system:serviceaccount:payments:api"
  audience            = ["api://AzureADTokenExchange"]
}
