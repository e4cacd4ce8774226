variable "github_org" {
  type    = string
  default = "acme"
}

variable "repositories" {
  description = "Repositories whose main branch publishes container images"
  type        = list(string)
  default     = ["billing-api", "ledger-worker"]
}
