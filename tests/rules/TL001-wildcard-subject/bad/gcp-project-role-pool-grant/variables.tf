variable "project_id" {
  type    = string
  default = "acme-web"
}

variable "github_org" {
  type    = string
  default = "acme"
}
