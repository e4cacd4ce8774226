resource "azuread_application" "images" {
  display_name = "image-builder"
}

# Two clauses joined by `and`: the exact subject, and the reusable workflow it must run.
resource "azuread_application_flexible_federated_identity_credential" "images" {
  application_id             = azuread_application.images.id
  display_name               = "images-main-build"
  issuer                     = "https://token.actions.githubusercontent.com"
  audience                   = "api://AzureADTokenExchange"
  claims_matching_expression = "claims['sub'] eq 'repo:acme/images:ref:refs/heads/main' and claims['job_workflow_ref'] eq 'acme/images/.github/workflows/build.yml@refs/heads/main'"
}
