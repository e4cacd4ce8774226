resource "google_iam_workload_identity_pool" "hcp" {
  workload_identity_pool_id = "hcp-terraform"
}

resource "google_iam_workload_identity_pool_provider" "hcp" {
  workload_identity_pool_id          = google_iam_workload_identity_pool.hcp.workload_identity_pool_id
  workload_identity_pool_provider_id = "app-terraform-io"
  attribute_mapping = {
    "google.subject"                     = "assertion.sub"
    "attribute.terraform_full_workspace" = "assertion.terraform_full_workspace"
  }
  attribute_condition = "assertion.terraform_organization_name == 'acme'"
  oidc {
    issuer_uri = "https://app.terraform.io"
  }
}

resource "google_project_iam_member" "network_admin" {
  project = "acme-network"
  role    = "roles/compute.networkAdmin"
  member  = "principalSet://iam.googleapis.com/${google_iam_workload_identity_pool.hcp.name}/*"
}
