variable "region" {
  description = "AWS region whose API Gateway logging setting this state manages (or TF_VAR_region)."
  type        = string
  default     = null

  validation {
    condition     = var.region != null
    error_message = "region is not set: pass -var region=<region>, or export TF_VAR_region."
  }

  validation {
    condition     = var.region == null || can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", coalesce(var.region, "unset")))
    error_message = "region must be an AWS region name such as eu-west-1."
  }
}

variable "account_id" {
  description = "The 12-digit AWS account: the provider refuses credentials of any other (allowed_account_ids). Null accepts any account."
  type        = string
  default     = null

  validation {
    condition     = var.account_id == null || can(regex("^[0-9]{12}$", coalesce(var.account_id, "unset")))
    error_message = "account_id must be null or a 12-digit AWS account id."
  }
}

variable "logging_setting" {
  description = "What this stack does with the region's API Gateway logging setting (no default: provider 5.100 cannot read the current one). `create`: nobody has set it; this stack makes the role and sets it. `adopt`: it is set (by hand, another stack, or an older version of this project); this stack imports it and points it at its own role. `none`: it is set and managed elsewhere; this stack changes nothing."
  type        = string

  validation {
    condition     = contains(["create", "adopt", "none"], var.logging_setting)
    error_message = "logging_setting must be create (nobody has set it), adopt (import the setting that exists) or none (another team manages it)."
  }
}

variable "name_prefix" {
  description = "Prefix of the logging role's name, `<prefix>-apigateway-logging-<region>`."
  type        = string
  default     = "wsauth"

  validation {
    # 30: the suffix takes up to 34 of IAM's 64 characters (`-apigateway-logging-ap-southeast-1`).
    condition     = can(regex("^[A-Za-z0-9][A-Za-z0-9_+=,.@-]{0,29}$", var.name_prefix))
    error_message = "name_prefix must be 1-30 characters of letters, digits and _+=,.@- starting with a letter or digit."
  }
}

variable "tags" {
  description = "Tags applied to every resource through the provider's default_tags."
  type        = map(string)
  default     = { Project = "wsauth" }
}
