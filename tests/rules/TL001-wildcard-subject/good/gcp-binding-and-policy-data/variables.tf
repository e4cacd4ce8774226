variable "project_id" {
  type    = string
  default = "acme-ci"
}

variable "project_number" {
  type    = string
  default = "123456789012"
}

variable "repository" {
  type    = string
  default = "acme/storefront"
}
