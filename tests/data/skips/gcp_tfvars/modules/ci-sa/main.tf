variable "account_id" {
  type = string
}

variable "members" {
  type = list(string)
}

resource "google_service_account" "this" {
  account_id = var.account_id
}

resource "google_service_account_iam_member" "wif" {
  for_each           = toset(var.members)
  service_account_id = google_service_account.this.name
  role               = "roles/iam.workloadIdentityUser"
  member             = each.value
}
