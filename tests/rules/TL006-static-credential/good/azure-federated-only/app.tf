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
