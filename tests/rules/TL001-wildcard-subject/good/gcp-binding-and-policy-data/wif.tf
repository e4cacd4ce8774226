resource "google_iam_workload_identity_pool" "github" {
  project                   = var.project_id
  workload_identity_pool_id = "github-actions"
}

resource "google_iam_workload_identity_pool_provider" "github" {
  project                            = var.project_id
  workload_identity_pool_id          = google_iam_workload_identity_pool.github.workload_identity_pool_id
  workload_identity_pool_provider_id = "github"
  attribute_mapping = {
    "google.subject"       = "assertion.sub"
    "attribute.repository" = "assertion.repository"
  }
  attribute_condition = "assertion.repository_owner == 'acme'"
  oidc {
    issuer_uri = "https://token.actions.githubusercontent.com"
  }
}

resource "google_service_account" "builder" {
  project    = var.project_id
  account_id = "gha-builder"
}

# Project-number form of the member, joined to the pool above by its id.
resource "google_service_account_iam_binding" "builder" {
  service_account_id = google_service_account.builder.name
  role               = "roles/iam.workloadIdentityUser"
  members = [
    "principalSet://iam.googleapis.com/projects/${var.project_number}/locations/global/workloadIdentityPools/github-actions/attribute.repository/${var.repository}",
  ]
}

resource "google_service_account" "signer" {
  project    = var.project_id
  account_id = "artifact-signer"
}

# One exact subject (a deployment environment of one repository) may mint tokens as the signer.
data "google_iam_policy" "signer" {
  binding {
    role = "roles/iam.serviceAccountTokenCreator"
    members = [
      "principal://iam.googleapis.com/${google_iam_workload_identity_pool.github.name}/subject/repo:acme/storefront:environment:signing",
    ]
  }
}

resource "google_service_account_iam_policy" "signer" {
  service_account_id = google_service_account.signer.name
  policy_data        = data.google_iam_policy.signer.policy_data
}
