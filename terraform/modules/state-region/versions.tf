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
