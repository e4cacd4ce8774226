variable "name" {}
resource "google_storage_bucket" "b" {
  name = var.name
  location = "EU"
}
