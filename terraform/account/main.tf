# API Gateway's CloudWatch role is one setting per account and region, shared by every API there: it lives
# in this one-off stack, never in an environment's, so applying or destroying an environment cannot move it.
# Provider 5.100 has no data source that reads the current setting, so nothing here can tell whether another
# team set it: `logging_setting` says what to do, and has no default (README, step 2).
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  manage_setting = contains(["create", "adopt"], var.logging_setting)
  role_name      = "${var.name_prefix}-apigateway-logging-${data.aws_region.current.id}"
}

# One region's account state is never applied to another region's setting (modules/state-region).
module "state_region" {
  source = "../modules/state-region"

  stack = "account"
  fix   = "init with -backend-config=\"key=account/<region>/terraform.tfstate\" of the provider's region (terraform init -reconfigure), or set region to the state's."
}

data "aws_iam_policy_document" "apigateway_assume_role" {
  count = local.manage_setting ? 1 : 0

  statement {
    effect  = "Allow"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["apigateway.amazonaws.com"]
    }
  }
}

# IAM names are global in an account: the region in the name lets this stack run once in every region.
resource "aws_iam_role" "apigateway_logging" {
  count = local.manage_setting ? 1 : 0

  name               = local.role_name
  description        = "Lets API Gateway write access and execution logs to CloudWatch Logs in ${data.aws_region.current.id} (account setting)."
  assume_role_policy = data.aws_iam_policy_document.apigateway_assume_role[0].json

  lifecycle {
    precondition {
      condition     = length(local.role_name) <= 64
      error_message = "The role name ${local.role_name} is longer than IAM's 64 characters: shorten name_prefix."
    }
  }
}

resource "aws_iam_role_policy_attachment" "apigateway_logging" {
  count = local.manage_setting ? 1 : 0

  role       = aws_iam_role.apigateway_logging[0].name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"
}

# `adopt`: the setting that exists (another stack's, or one made by hand) comes under this state first, then
# points at this stack's role.
import {
  for_each = var.logging_setting == "adopt" ? toset(["api-gateway-account"]) : toset([])

  to = aws_api_gateway_account.this[0]
  id = each.value
}

resource "aws_api_gateway_account" "this" {
  count = local.manage_setting ? 1 : 0

  cloudwatch_role_arn = aws_iam_role.apigateway_logging[0].arn
  # Destroy empties the setting before the role goes, so API Gateway never names a deleted role (provider
  # 5.100 would otherwise only forget the setting). The role itself has no prevent_destroy: teardown needs it.
  reset_on_delete = true

  depends_on = [aws_iam_role_policy_attachment.apigateway_logging]
}
