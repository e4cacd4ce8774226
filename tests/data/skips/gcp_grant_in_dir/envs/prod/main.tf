variable "ci_members" {
  type = list(string)
}

module "artifacts" {
  source = "../../modules/bucket"
  name   = "acme-artifacts"
}

resource "google_service_account" "deployer" {
  account_id = "prod-deployer"
}

resource "google_service_account_iam_member" "wif" {
  for_each           = toset(var.ci_members)
  service_account_id = google_service_account.deployer.name
  role               = "roles/iam.workloadIdentityUser"
  member             = each.value
}
