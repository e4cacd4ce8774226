resource "aws_s3_bucket_policy" "logs" {
  bucket = "logs"
  policy = <<-EOT
    {"Version": "2012-10-17", "Statement": []}
    EOT
}

variable "subject" {
  default = "repo:acme/*"
}

resource "aws_s3_bucket" "logs" {
  bucket = "logs"
  tags = { Note = "x" }
  lifecycle_note = <<-EOT
    managed
  EOT
}
