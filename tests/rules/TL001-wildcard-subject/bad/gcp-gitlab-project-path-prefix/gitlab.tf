resource "google_iam_workload_identity_pool" "gitlab" {
  workload_identity_pool_id = "gitlab-com"
}

resource "google_iam_workload_identity_pool_provider" "gitlab" {
  workload_identity_pool_id          = google_iam_workload_identity_pool.gitlab.workload_identity_pool_id
  workload_identity_pool_provider_id = "gitlab-com-oidc"
  attribute_mapping = {
    "google.subject"         = "assertion.sub"
    "attribute.project_path" = "assertion.project_path"
  }
  attribute_condition = "assertion.project_path.startsWith('acme')"
  oidc {
    issuer_uri = "https://gitlab.com"
  }
}

resource "google_service_account_iam_member" "runner_wif" {
  service_account_id = "projects/acme-ci/serviceAccounts/gitlab-runner@acme-ci.iam.gserviceaccount.com"
  role               = "roles/iam.workloadIdentityUser"
  member             = "principalSet://iam.googleapis.com/${google_iam_workload_identity_pool.gitlab.name}/*"
}
