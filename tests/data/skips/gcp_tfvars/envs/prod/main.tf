variable "ci_members" {
  type = list(string)
}

module "deployer" {
  source     = "../../modules/ci-sa"
  account_id = "prod-deployer"
  members    = var.ci_members
}
