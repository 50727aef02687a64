terraform {
  required_version = ">= 1.10.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.100.0, < 7.0.0"
    }
  }
}

# Region and credentials come from the environment (AWS_REGION, AWS_PROFILE, ...).
provider "aws" {
  default_tags {
    tags = var.tags
  }
}
