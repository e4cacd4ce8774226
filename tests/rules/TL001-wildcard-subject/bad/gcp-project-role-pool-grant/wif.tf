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
  attribute_condition = "assertion.repository_owner == '${var.github_org}'"
  oidc {
    issuer_uri = "https://token.actions.githubusercontent.com"
  }
}

# A role granted to federated identities directly, without a service account in between.
resource "google_project_iam_member" "artifacts_writer" {
  project = var.project_id
  role    = "roles/artifactregistry.writer"
  member  = format("principalSet://iam.googleapis.com/%s/*", google_iam_workload_identity_pool.github.name)
}
