variable "name" {
  description = "Prefix of every resource in both regions."
  type        = string
  default     = "wsauth-global"
}

variable "primary_region" {
  description = "First region."
  type        = string
  default     = "eu-west-1"
}

variable "secondary_region" {
  description = "Second region; must differ from primary_region."
  type        = string
  default     = "us-east-1"

  validation {
    condition     = var.secondary_region != var.primary_region
    error_message = "secondary_region must differ from primary_region: one name per region."
  }
}

variable "cognito_deletion_protection" {
  description = "Whether both user pools refuse deletion (set false and apply before destroy)."
  type        = bool
  default     = true
}
