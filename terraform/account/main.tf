# API Gateway's CloudWatch role is one setting per account and region, shared by every API there: it lives
# in this one-off stack, never in an environment's, so applying or destroying an environment cannot move it.
data "aws_partition" "current" {}
data "aws_region" "current" {}

data "aws_iam_policy_document" "apigateway_assume_role" {
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
  name               = "${var.name_prefix}-apigateway-logging-${data.aws_region.current.id}"
  description        = "Lets API Gateway write access and execution logs to CloudWatch Logs in ${data.aws_region.current.id} (account setting)."
  assume_role_policy = data.aws_iam_policy_document.apigateway_assume_role.json
}

resource "aws_iam_role_policy_attachment" "apigateway_logging" {
  role       = aws_iam_role.apigateway_logging.name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"
}

resource "aws_api_gateway_account" "this" {
  cloudwatch_role_arn = aws_iam_role.apigateway_logging.arn

  depends_on = [aws_iam_role_policy_attachment.apigateway_logging]
}
