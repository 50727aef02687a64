# One configuration, two regions: the module twice, each with its own aliased provider. The same `name` works in
# both (IAM role names carry the region; everything else is regional), and each region has its own pool, table,
# functions and API. Both share one state, so apply and destroy them together.
provider "aws" {
  alias  = "primary"
  region = var.primary_region

  default_tags {
    tags = { Project = var.name }
  }
}

provider "aws" {
  alias  = "secondary"
  region = var.secondary_region

  default_tags {
    tags = { Project = var.name }
  }
}

module "primary" {
  source = "../../"
  providers = {
    aws = aws.primary
  }

  name                        = var.name
  stage_name                  = "live"
  cognito_groups              = { ops = { description = "May connect" } }
  required_groups             = ["ops"]
  cognito_deletion_protection = var.cognito_deletion_protection
}

module "secondary" {
  source = "../../"
  providers = {
    aws = aws.secondary
  }

  name                        = var.name
  stage_name                  = "live"
  cognito_groups              = { ops = { description = "May connect" } }
  required_groups             = ["ops"]
  cognito_deletion_protection = var.cognito_deletion_protection
}
