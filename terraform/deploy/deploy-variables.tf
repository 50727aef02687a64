# Inputs of the deploy root only; every other input is the module's (variables.tf).

# tflint-ignore: terraform_standard_module_structure # variables.tf is the module's own file (a link)
variable "region" {
  description = "AWS region of the environment, from its terraform/envs/<env>/<region>/terraform.tfvars (or TF_VAR_region). The provider deploys there, and a plan stops when the state was applied in another region."
  type        = string
  default     = null

  validation {
    condition     = var.region != null
    error_message = "region is not set: plan with -var-file=../envs/<env>/<region>/terraform.tfvars, or export TF_VAR_region."
  }

  validation {
    condition     = var.region == null || can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", coalesce(var.region, "unset")))
    error_message = "region must be an AWS region name such as eu-west-1."
  }
}

# tflint-ignore: terraform_standard_module_structure # as region
variable "account_id" {
  description = "The 12-digit AWS account of the environment (its terraform.tfvars): the provider refuses credentials of any other account (allowed_account_ids). Null accepts any account."
  type        = string
  default     = null

  validation {
    condition     = var.account_id == null || can(regex("^[0-9]{12}$", coalesce(var.account_id, "unset")))
    error_message = "account_id must be null or a 12-digit AWS account id."
  }
}
