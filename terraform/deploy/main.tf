# The deploy root: one environment in one region, on the S3 backend. It holds what a module must not: the
# provider (region and account from the environment's files), the backend, and the variables; the stack itself
# is the module in terraform/ (terraform/README.md). `variables.tf` is the module's own file (a link), so every
# input of the module is an input here, with the same validation.

terraform {
  # Partial configuration: bucket, key and region come from the environment's backend file,
  # `terraform init -reconfigure -backend-config=../envs/<env>/<region>/backend.hcl`.
  backend "s3" {}
}

provider "aws" {
  region = var.region
  # Credentials of any other account are refused before anything is read.
  allowed_account_ids = var.account_id == null ? null : [var.account_id]

  default_tags {
    tags = merge({ Project = var.name }, var.tags)
  }
}

# Stops any plan whose provider is in another region than this state's (another environment's backend file,
# or the wrong var-file), before it plans to replace one region's stack with another's.
module "state_region" {
  source = "../modules/state-region"

  stack = "environment"
  fix   = "init with terraform/envs/<env>/<region>/backend.hcl and plan with the terraform.tfvars beside it, both of one environment and region (terraform init -reconfigure)."
}

module "wsauth" {
  source = "../"

  name                               = var.name
  stage_name                         = var.stage_name
  token_location                     = var.token_location
  token_query_param                  = var.token_query_param
  token_use                          = var.token_use
  cognito_groups                     = var.cognito_groups
  required_groups                    = var.required_groups
  required_scopes                    = var.required_scopes
  groups_claim                       = var.groups_claim
  allowed_algorithms                 = var.allowed_algorithms
  existing_api                       = var.existing_api
  route_throttling                   = var.route_throttling
  custom_domain                      = var.custom_domain
  disable_execute_api_endpoint       = var.disable_execute_api_endpoint
  authoriser_provisioned_concurrency = var.authoriser_provisioned_concurrency
  alarms                             = var.alarms
  jwks_uri                           = var.jwks_uri
  jwks_json                          = var.jwks_json
  jwks_cache_seconds                 = var.jwks_cache_seconds
  existing_cognito                   = var.existing_cognito
  oidc_issuer                        = var.oidc_issuer
  username_claim                     = var.username_claim
  cognito_deletion_protection        = var.cognito_deletion_protection
  cognito_password_minimum_length    = var.cognito_password_minimum_length
  cognito_mfa_configuration          = var.cognito_mfa_configuration
  cognito_allow_user_password_auth   = var.cognito_allow_user_password_auth
  access_token_validity_minutes      = var.access_token_validity_minutes
  id_token_validity_minutes          = var.id_token_validity_minutes
  refresh_token_validity_days        = var.refresh_token_validity_days
  lambda_memory_size                 = var.lambda_memory_size
  lambda_timeout                     = var.lambda_timeout
  reserved_concurrency               = var.reserved_concurrency
  application_log_level              = var.application_log_level
  log_retention_days                 = var.log_retention_days
  log_kms_key_arn                    = var.log_kms_key_arn
  throttling_burst_limit             = var.throttling_burst_limit
  throttling_rate_limit              = var.throttling_rate_limit
  registry_kms_key_arn               = var.registry_kms_key_arn
  sweep_schedule                     = var.sweep_schedule
  revoke_on_admin_sign_out           = var.revoke_on_admin_sign_out
  reauth_warning_seconds             = var.reauth_warning_seconds
}
