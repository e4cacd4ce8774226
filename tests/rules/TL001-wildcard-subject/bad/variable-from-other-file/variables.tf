variable "subject_pattern" {
  type    = string
  default = "repo:acme/*"
}
