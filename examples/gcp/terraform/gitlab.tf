# GitLab CI (gitlab.com) -> Google Cloud, for the platform group's pipelines.

resource "google_iam_workload_identity_pool" "gitlab" {
  project                   = var.project_id
  workload_identity_pool_id = "gitlab-com"
  display_name              = "gitlab.com"
}

resource "google_iam_workload_identity_pool_provider" "gitlab" {
  project                            = var.project_id
  workload_identity_pool_id          = google_iam_workload_identity_pool.gitlab.workload_identity_pool_id
  workload_identity_pool_provider_id = "gitlab-com-oidc"
  attribute_mapping = {
    # The group path as the subject: "so that one binding covers the group".
    "google.subject"         = "assertion.namespace_path"
    "attribute.project_path" = "assertion.project_path"
  }
  attribute_condition = "assertion.namespace_path == 'acme/platform'"
  oidc {
    issuer_uri = "https://gitlab.com"
  }
}

resource "google_service_account" "platform_terraform" {
  project    = var.project_id
  account_id = "platform-terraform"
}

resource "google_service_account_iam_member" "platform_terraform" {
  service_account_id = google_service_account.platform_terraform.name
  role               = "roles/iam.workloadIdentityUser"
  member             = "principal://iam.googleapis.com/${google_iam_workload_identity_pool.gitlab.name}/subject/acme/platform"
}

# The platform pipeline applies Terraform for the whole project.
resource "google_project_iam_member" "platform_terraform_owner" {
  project = "acme-platform-prod"
  role    = "roles/owner"
  member  = "serviceAccount:${google_service_account.platform_terraform.email}"
}
