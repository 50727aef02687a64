variable "name_prefix" {
  description = "Prefix of the logging role's name, `<prefix>-apigateway-logging-<region>`."
  type        = string
  default     = "wsauth"

  validation {
    # 33: the suffix takes up to 31 of IAM's 64 characters.
    condition     = can(regex("^[A-Za-z0-9][A-Za-z0-9_+=,.@-]{0,32}$", var.name_prefix))
    error_message = "name_prefix must be 1-33 characters of letters, digits and _+=,.@- starting with a letter or digit."
  }
}

variable "tags" {
  description = "Tags applied to every resource through the provider's default_tags."
  type        = map(string)
  default     = { Project = "wsauth" }
}
