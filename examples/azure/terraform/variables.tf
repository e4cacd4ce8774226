variable "github_org" {
  description = "GitHub organisation that owns the repositories deploying to Azure."
  type        = string
  default     = "acme"
}

variable "location" {
  type    = string
  default = "westeurope"
}

variable "aks_oidc_issuer" {
  description = "OIDC issuer of the payments AKS cluster (azurerm_kubernetes_cluster.oidc_issuer_url)."
  type        = string
  default     = "https://westeurope.oic.prod-aks.azure.com/72f988bf-86f1-41af-91ab-2d7cd011db47/3c9a1b2e-5d4f-4e6a-8b7c-9d0e1f2a3b4c/"
}

locals {
  github_issuer     = "https://token.actions.githubusercontent.com"
  entra_audience    = "api://AzureADTokenExchange"
  checkout_repo     = "${var.github_org}/checkout"
  subscription_path = data.azurerm_subscription.current.id
}
