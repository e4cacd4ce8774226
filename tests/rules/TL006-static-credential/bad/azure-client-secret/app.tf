resource "azuread_application" "pipeline" {
  display_name = "pipeline-deployer"
}

resource "azuread_service_principal" "pipeline" {
  client_id = azuread_application.pipeline.client_id
}

resource "azuread_application_federated_identity_credential" "pipeline" {
  application_id = azuread_application.pipeline.id
  display_name   = "github-pipeline-main"
  audiences      = ["api://AzureADTokenExchange"]
  issuer         = "https://token.actions.githubusercontent.com"
  subject        = "repo:acme/pipeline:ref:refs/heads/main"
}

# Kept "just in case" after the move to federation: a client secret valid for two years.
resource "azuread_application_password" "pipeline" {
  application_id = azuread_application.pipeline.id
  display_name   = "ci-secret"
  end_date       = "2027-06-30T00:00:00Z"
}

resource "azuread_service_principal_password" "pipeline" {
  service_principal_id = azuread_service_principal.pipeline.id
}
