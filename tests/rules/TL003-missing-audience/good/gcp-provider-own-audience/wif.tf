resource "google_iam_workload_identity_pool" "github" {
  workload_identity_pool_id = "github-actions"
}

resource "google_iam_workload_identity_pool_provider" "github" {
  workload_identity_pool_id          = google_iam_workload_identity_pool.github.workload_identity_pool_id
  workload_identity_pool_provider_id = "github"
  attribute_mapping = {
    "google.subject"       = "assertion.sub"
    "attribute.repository" = "assertion.repository"
  }
  attribute_condition = "assertion.repository_owner == 'acme'"
  oidc {
    issuer_uri = "https://token.actions.githubusercontent.com"
    # Spelled out, but the same as GCP's default: the provider's own resource name.
    allowed_audiences = ["https://iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/github-actions/providers/github"]
  }
}

resource "google_service_account_iam_member" "storefront_wif" {
  service_account_id = "projects/acme-ci/serviceAccounts/gha-storefront@acme-ci.iam.gserviceaccount.com"
  role               = "roles/iam.workloadIdentityUser"
  member             = "principalSet://iam.googleapis.com/${google_iam_workload_identity_pool.github.name}/attribute.repository/acme/storefront"
}
