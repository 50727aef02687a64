terraform {
  required_version = ">= 1.11.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.100"
    }
  }
}

# The example is a root: it configures the provider, the module never does.
provider "aws" {
  region = var.region

  default_tags {
    tags = { Project = "wsauth-example" }
  }
}
