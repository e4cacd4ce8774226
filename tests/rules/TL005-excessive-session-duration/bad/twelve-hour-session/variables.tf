variable "max_session_hours" {
  description = "Long enough for the nightly full rebuild"
  type        = number
  default     = 12
}
