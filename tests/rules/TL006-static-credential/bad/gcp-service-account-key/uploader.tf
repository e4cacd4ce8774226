resource "google_service_account" "uploader" {
  account_id   = "artifact-uploader"
  display_name = "Artifact uploader (from before federation)"
}

resource "google_service_account_key" "uploader" {
  service_account_id = google_service_account.uploader.name
}

output "uploader_key" {
  value     = google_service_account_key.uploader.private_key
  sensitive = true
}
