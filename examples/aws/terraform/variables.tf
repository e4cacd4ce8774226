variable "github_org" {
  description = "GitHub organisation that owns the deployed repositories"
  type        = string
  default     = "acme"
}

variable "app_repo" {
  type    = string
  default = "payments-api"
}

locals {
  prod_subject = "repo:${var.github_org}/${var.app_repo}:environment:production"
  tags = {
    Team = "platform"
  }
}
