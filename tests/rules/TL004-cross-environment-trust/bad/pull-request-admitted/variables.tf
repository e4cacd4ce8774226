variable "github_org" {
  type    = string
  default = "acme"
}

variable "service" {
  type    = string
  default = "payments-api"
}
