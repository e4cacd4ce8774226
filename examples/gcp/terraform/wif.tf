# GitHub Actions -> Google Cloud, one pool for the organisation.

resource "google_iam_workload_identity_pool" "github" {
  project                   = var.project_id
  workload_identity_pool_id = "github-actions"
  display_name              = "GitHub Actions"
}

resource "google_iam_workload_identity_pool_provider" "github" {
  project                            = var.project_id
  workload_identity_pool_id          = google_iam_workload_identity_pool.github.workload_identity_pool_id
  workload_identity_pool_provider_id = "github"
  display_name                       = "GitHub"
  attribute_mapping = {
    "google.subject"       = "assertion.sub"
    "attribute.actor"      = "assertion.actor"
    "attribute.repository" = "assertion.repository"
  }
  attribute_condition = "assertion.repository_owner == '${var.github_org}'"
  oidc {
    issuer_uri = "https://token.actions.githubusercontent.com"
  }
}

# Storefront CI: one repository, any of its workflows (GCP's repository grain).
resource "google_service_account" "storefront_ci" {
  project      = var.project_id
  account_id   = "storefront-ci"
  display_name = "storefront builds"
}

resource "google_service_account_iam_member" "storefront_ci" {
  service_account_id = google_service_account.storefront_ci.name
  role               = "roles/iam.workloadIdentityUser"
  member             = "principalSet://iam.googleapis.com/${google_iam_workload_identity_pool.github.name}/attribute.repository/${var.storefront_repository}"
}

# Storefront production deploys: only the protected `production` environment of the repository.
resource "google_service_account" "storefront_deploy" {
  project      = var.project_id
  account_id   = "storefront-prod-deploy"
  display_name = "storefront production deploys"
}

resource "google_service_account_iam_member" "storefront_deploy" {
  service_account_id = google_service_account.storefront_deploy.name
  role               = "roles/iam.workloadIdentityUser"
  member             = "principal://iam.googleapis.com/${google_iam_workload_identity_pool.github.name}/subject/repo:${var.storefront_repository}:environment:production"
}

# Checkout production deploys, granted on the whole repository: pull requests get in too.
resource "google_service_account" "checkout_deploy" {
  project      = var.project_id
  account_id   = "checkout-prod-deploy"
  display_name = "checkout production deploys"
}

resource "google_service_account_iam_member" "checkout_deploy" {
  service_account_id = google_service_account.checkout_deploy.name
  role               = "roles/iam.workloadIdentityUser"
  member             = "principalSet://iam.googleapis.com/${google_iam_workload_identity_pool.github.name}/attribute.repository/${var.checkout_repository}"
}

# Docs site publishing, granted on the whole pool "because every repo has docs".
resource "google_service_account" "docs_publisher" {
  project      = var.project_id
  account_id   = "docs-publisher"
  display_name = "docs.acme.example publisher"
}

resource "google_service_account_iam_member" "docs_publisher" {
  service_account_id = google_service_account.docs_publisher.name
  role               = "roles/iam.workloadIdentityUser"
  member             = "principalSet://iam.googleapis.com/${google_iam_workload_identity_pool.github.name}/*"
}

# Release signing: one deployment environment of one repository may mint tokens as the signer.
resource "google_service_account" "release_signer" {
  project    = var.project_id
  account_id = "release-signer"
}

data "google_iam_policy" "release_signer" {
  binding {
    role = "roles/iam.serviceAccountTokenCreator"
    members = [
      "principal://iam.googleapis.com/${google_iam_workload_identity_pool.github.name}/subject/repo:${var.storefront_repository}:environment:signing",
    ]
  }
}

resource "google_service_account_iam_policy" "release_signer" {
  service_account_id = google_service_account.release_signer.name
  policy_data        = data.google_iam_policy.release_signer.policy_data
}

resource "google_project_iam_member" "storefront_deploy_run" {
  project = "acme-storefront-prod"
  role    = "roles/run.developer"
  member  = "serviceAccount:${google_service_account.storefront_deploy.email}"
}

resource "google_project_iam_member" "docs_publisher_bucket" {
  project = "acme-docs"
  role    = "roles/storage.objectAdmin"
  member  = google_service_account.docs_publisher.member
}
