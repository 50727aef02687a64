terraform {
  # 1.10 brings the S3 backend's native lock file (use_lockfile) to both Terraform and OpenTofu.
  required_version = ">= 1.10.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.100.0, < 7.0.0"
    }
  }
}

# Region and credentials come from the environment (AWS_REGION, AWS_PROFILE, ...), never from here.
provider "aws" {
  default_tags {
    tags = merge({ Project = var.name }, var.tags)
  }
}
