resource "google_iam_workload_identity_pool" "github" {
  workload_identity_pool_id = "github-actions"
}

# Disabled: GCP refuses to exchange tokens through it.
resource "google_iam_workload_identity_pool_provider" "github" {
  workload_identity_pool_id          = google_iam_workload_identity_pool.github.workload_identity_pool_id
  workload_identity_pool_provider_id = "github"
  disabled                           = true
  attribute_mapping = {
    "google.subject"       = "assertion.sub"
    "attribute.repository" = "assertion.repository"
  }
  oidc {
    issuer_uri = "https://token.actions.githubusercontent.com"
  }
}

resource "google_service_account_iam_member" "migrator_wif" {
  service_account_id = "projects/acme-ci/serviceAccounts/gha-migrator@acme-ci.iam.gserviceaccount.com"
  role               = "roles/iam.workloadIdentityUser"
  member             = "principalSet://iam.googleapis.com/${google_iam_workload_identity_pool.github.name}/*"
}
