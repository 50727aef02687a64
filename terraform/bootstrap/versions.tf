terraform {
  required_version = ">= 1.11.0"

  required_providers {
    aws = {
      source = "hashicorp/aws"
      # 6.x is untested here: move to it on purpose (README, "Upgrading the provider").
      version = "~> 5.100"
    }
  }
}

# The state bucket's region is an input; credentials come from the environment (AWS_PROFILE, ...).
provider "aws" {
  region              = var.region
  allowed_account_ids = var.account_id == null ? null : [var.account_id]

  default_tags {
    tags = var.tags
  }
}
