variable "legacy_client_secret" {
  description = "Create the old client secret again (break-glass only)."
  type        = bool
  default     = false
}

resource "azuread_application" "pipeline" {
  display_name = "pipeline-deployer"
}

resource "azuread_application_federated_identity_credential" "pipeline" {
  application_id = azuread_application.pipeline.id
  display_name   = "github-pipeline-main"
  audiences      = ["api://AzureADTokenExchange"]
  issuer         = "https://token.actions.githubusercontent.com"
  subject        = "repo:acme/pipeline:ref:refs/heads/main"
}

# Not created unless someone flips the variable.
resource "azuread_application_password" "legacy" {
  count          = var.legacy_client_secret ? 1 : 0
  application_id = azuread_application.pipeline.id
  display_name   = "legacy"
}
