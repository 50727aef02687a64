terraform {
  required_version = ">= 1.11.0"

  required_providers {
    aws = {
      source = "hashicorp/aws"
      # 6.x is untested here: move to it on purpose (README, "Upgrading the provider").
      version = "~> 5.100"
    }
  }

  # Partial configuration, as for terraform/: bucket and region from the bootstrap's backend_hcl, and a key
  # per region such as `account/eu-west-1/terraform.tfstate`.
  backend "s3" {}
}

# The region is an input: each region's setting has its own state (key account/<region>/terraform.tfstate).
provider "aws" {
  region              = var.region
  allowed_account_ids = var.account_id == null ? null : [var.account_id]

  default_tags {
    tags = var.tags
  }
}
