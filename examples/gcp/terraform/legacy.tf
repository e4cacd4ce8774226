# Kept "until the nightly export moves to federation".

resource "google_service_account" "backup_exporter" {
  project      = var.project_id
  account_id   = "backup-exporter"
  display_name = "Nightly backup export (on-prem runner)"
}

resource "google_service_account_key" "backup_exporter" {
  service_account_id = google_service_account.backup_exporter.name
}
