resource "google_iam_workload_identity_pool_provider" "p" {
  workload_identity_pool_id          = "pool"
  workload_identity_pool_provider_id = "p"
  attribute_condition                = "assertion.repository_owner == 'acme' &&"
  oidc {
    issuer_uri = "https://token.actions.githubusercontent.com"
  }
}
resource "google_service_account_iam_member" "m" {
  service_account_id = "projects/p/serviceAccounts/sa@p.iam.gserviceaccount.com"
  role               = "roles/iam.workloadIdentityUser"
  member             = "principalSet://iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/pool/*"
}
