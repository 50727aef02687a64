variable "region" {
  description = "Region of the state bucket and its key (or TF_VAR_region). One bucket holds the states of every region of the account, so this is applied once per account."
  type        = string
  default     = null

  validation {
    condition     = var.region != null
    error_message = "region is not set: pass -var region=<the bucket's region>, or export TF_VAR_region."
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

variable "bucket_name" {
  description = "Name of the state bucket; null makes `<prefix>-<account id>-<region>`, unique per account."
  type        = string
  default     = null

  validation {
    condition     = var.bucket_name == null || can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.bucket_name))
    error_message = "bucket_name must be null or a valid S3 bucket name (3-63 lower-case letters, digits, dots, hyphens)."
  }
}

variable "bucket_prefix" {
  description = "Prefix of the generated bucket name when bucket_name is null."
  type        = string
  default     = "wsauth-tfstate"

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9-]{1,30}$", var.bucket_prefix))
    error_message = "bucket_prefix must be 2-31 lower-case letters, digits or hyphens."
  }
}

variable "kms_key_arn" {
  description = "ARN of an existing customer-managed KMS key for the state objects; null creates one (rotated yearly, kept on destroy)."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", var.kms_key_arn))
    error_message = "kms_key_arn must be null or a KMS key ARN."
  }
}

variable "noncurrent_version_retention_days" {
  description = "Days S3 keeps superseded state versions (the undo history) before expiring them."
  type        = number
  default     = 90

  validation {
    condition     = var.noncurrent_version_retention_days >= 1 && floor(var.noncurrent_version_retention_days) == var.noncurrent_version_retention_days
    error_message = "noncurrent_version_retention_days must be a whole number >= 1."
  }
}

variable "access_log_bucket" {
  description = "Existing bucket that receives the state bucket's server access logs; null turns access logging off."
  type        = string
  default     = null

  validation {
    condition     = var.access_log_bucket == null || can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.access_log_bucket))
    error_message = "access_log_bucket must be null or a valid S3 bucket name."
  }
}

variable "tags" {
  description = "Tags applied to every resource through the provider's default_tags."
  type        = map(string)
  default     = { Project = "wsauth" }
}
