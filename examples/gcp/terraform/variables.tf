variable "project_id" {
  description = "Project that holds the CI service accounts and the workload identity pools"
  type        = string
  default     = "acme-ci"
}

variable "github_org" {
  description = "GitHub organisation whose workflows may use the pool"
  type        = string
  default     = "acme"
}

variable "storefront_repository" {
  description = "Repository that deploys the storefront"
  type        = string
  default     = "acme/storefront"
}

variable "checkout_repository" {
  description = "Repository that deploys the checkout service"
  type        = string
  default     = "acme/checkout"
}
