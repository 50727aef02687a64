# A module: no provider and no backend. The caller (terraform/deploy, an example, your own root) configures
# both, and may pass an aliased provider, use count or for_each on it.
terraform {
  # 1.11: the S3 backend's native lock file (use_lockfile) is generally available, no longer experimental.
  required_version = ">= 1.11.0"

  required_providers {
    # tflint-ignore: terraform_unused_required_providers # the submodules use it; the constraint binds callers here
    aws = {
      source = "hashicorp/aws"
      # 6.x is untested here: move to it on purpose (README, "Upgrading the provider").
      version = "~> 5.100"
    }
  }
}
