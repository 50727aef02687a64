variable "name" {
  description = "Name of the user pool; the app client is named `<name>-client`."
  type        = string

  validation {
    # 121: the app client is named `<name>-client` and Cognito allows 128.
    condition     = can(regex("^[\\w\\s+=,.@-]{1,121}$", var.name))
    error_message = "name must be 1-121 characters of letters, digits, spaces and + = , . @ - _."
  }
}

variable "deletion_protection" {
  description = "Whether Cognito refuses to delete the user pool (set false before `destroy`)."
  type        = bool
  default     = true
}

variable "password_minimum_length" {
  description = "Minimum password length; passwords also need lower and upper case letters, a digit and a symbol."
  type        = number
  default     = 12

  validation {
    condition     = var.password_minimum_length >= 8 && var.password_minimum_length <= 99 && floor(var.password_minimum_length) == var.password_minimum_length
    error_message = "password_minimum_length must be a whole number between 8 and 99."
  }
}

variable "mfa_configuration" {
  description = "Multi-factor authentication with TOTP apps: OFF, OPTIONAL (each user chooses) or ON (required)."
  type        = string
  default     = "OPTIONAL"

  validation {
    condition     = contains(["OFF", "OPTIONAL", "ON"], var.mfa_configuration)
    error_message = "mfa_configuration must be OFF, OPTIONAL or ON."
  }
}

variable "allow_user_password_auth" {
  description = "Whether the app client also accepts USER_PASSWORD_AUTH (the password is sent to Cognito over TLS instead of SRP). Handy for CLI tests; keep false in production."
  type        = bool
  default     = false
}

variable "access_token_validity_minutes" {
  description = "Lifetime of access tokens, in minutes."
  type        = number
  default     = 60

  validation {
    condition     = var.access_token_validity_minutes >= 5 && var.access_token_validity_minutes <= 1440 && floor(var.access_token_validity_minutes) == var.access_token_validity_minutes
    error_message = "access_token_validity_minutes must be a whole number between 5 and 1440 (24 hours)."
  }
}

variable "id_token_validity_minutes" {
  description = "Lifetime of ID tokens, in minutes."
  type        = number
  default     = 60

  validation {
    condition     = var.id_token_validity_minutes >= 5 && var.id_token_validity_minutes <= 1440 && floor(var.id_token_validity_minutes) == var.id_token_validity_minutes
    error_message = "id_token_validity_minutes must be a whole number between 5 and 1440 (24 hours)."
  }
}

variable "refresh_token_validity_days" {
  description = "Lifetime of refresh tokens, in days."
  type        = number
  default     = 30

  validation {
    condition     = var.refresh_token_validity_days >= 1 && var.refresh_token_validity_days <= 3650 && floor(var.refresh_token_validity_days) == var.refresh_token_validity_days
    error_message = "refresh_token_validity_days must be a whole number between 1 and 3650."
  }
}

variable "groups" {
  description = "User groups to create, by name: a description and an optional precedence (lower wins when a user is in several)."
  type = map(object({
    description = optional(string, "")
    precedence  = optional(number)
  }))
  default = {}

  validation {
    condition     = alltrue([for name in keys(var.groups) : can(regex("^[^,\\s]{1,128}$", name))])
    error_message = "groups names must be 1-128 characters without commas or spaces (the authoriser's REQUIRED_GROUPS is comma-separated)."
  }
}

variable "tags" {
  description = "Tags added to the user pool."
  type        = map(string)
  default     = {}
}
