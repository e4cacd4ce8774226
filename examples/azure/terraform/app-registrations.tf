# App registrations used by shared tooling.

# Release publisher: meant for the release workflows of a few repositories, written as
# "any repository of the organisation".
resource "azuread_application" "release_publisher" {
  display_name = "release-publisher"
}

resource "azuread_application_flexible_federated_identity_credential" "release_publisher" {
  application_id             = azuread_application.release_publisher.id
  display_name               = "acme-release-workflows"
  description                = "Release workflows of acme repositories"
  issuer                     = local.github_issuer
  audience                   = local.entra_audience
  claims_matching_expression = "claims['sub'] matches 'repo:${var.github_org}/*'"
}

# Image builder: the exact subject, and the reusable workflow it must run. Clean.
resource "azuread_application" "image_builder" {
  display_name = "image-builder"
}

resource "azuread_application_flexible_federated_identity_credential" "image_builder" {
  application_id             = azuread_application.image_builder.id
  display_name               = "images-main"
  issuer                     = local.github_issuer
  audience                   = local.entra_audience
  claims_matching_expression = "claims['sub'] eq 'repo:${var.github_org}/images:ref:refs/heads/main' and claims['job_workflow_ref'] eq '${var.github_org}/images/.github/workflows/build.yml@refs/heads/main'"
}

# Legacy pipeline: already federated, but the old client secret was never removed.
resource "azuread_application" "legacy_pipeline" {
  display_name = "legacy-pipeline"
}

resource "azuread_application_federated_identity_credential" "legacy_pipeline" {
  application_id = azuread_application.legacy_pipeline.id
  display_name   = "github-pipeline-main"
  audiences      = [local.entra_audience]
  issuer         = local.github_issuer
  subject        = "repo:${var.github_org}/pipeline:ref:refs/heads/main"
}

resource "azuread_application_password" "legacy_pipeline" {
  application_id = azuread_application.legacy_pipeline.id
  display_name   = "ci-secret"
  end_date       = "2027-06-30T00:00:00Z"
}
