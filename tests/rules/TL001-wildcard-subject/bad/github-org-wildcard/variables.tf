variable "github_org" {
  description = "GitHub organisation whose workflows may read build artifacts"
  type        = string
  default     = "acme"
}

variable "artifact_bucket" {
  type    = string
  default = "acme-build-artifacts"
}
