resource "google_iam_workload_identity_pool" "github" {
  workload_identity_pool_id = "github-actions"
  display_name              = "GitHub Actions"
}

resource "google_iam_workload_identity_pool_provider" "github" {
  workload_identity_pool_id          = google_iam_workload_identity_pool.github.workload_identity_pool_id
  workload_identity_pool_provider_id = "github"
  attribute_mapping = {
    "google.subject"       = "assertion.sub"
    "attribute.actor"      = "assertion.actor"
    "attribute.repository" = "assertion.repository"
  }
  attribute_condition = "assertion.repository_owner == 'acme'"
  oidc {
    issuer_uri = "https://token.actions.githubusercontent.com"
    # GitHub's default audience: every token of the organisation carries it.
    allowed_audiences = ["https://github.com/acme"]
  }
}

resource "google_service_account_iam_member" "storefront_wif" {
  service_account_id = "projects/acme-ci/serviceAccounts/gha-storefront@acme-ci.iam.gserviceaccount.com"
  role               = "roles/iam.workloadIdentityUser"
  member             = "principalSet://iam.googleapis.com/${google_iam_workload_identity_pool.github.name}/attribute.repository/acme/storefront"
}
