locals {
  # Null values stand for optional settings the caller left out; Lambda must not see them as "".
  # No NODE_OPTIONS: --enable-source-maps cost 3-6 ms of every cold start; traces are mapped offline (scripts/map-trace.ts).
  environment = { for name, value in var.environment : name => value if value != null }
}

resource "aws_cloudwatch_log_group" "this" {
  #checkov:skip=CKV_AWS_158:CloudWatch Logs encrypts every log group at rest by default, and the lines hold no token; log_kms_key_arn opts into a customer-managed key (its key policy and monthly cost are the caller's choice).
  name              = "/aws/lambda/${var.function_name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.log_kms_key_arn
  tags              = var.tags
}

data "aws_iam_policy_document" "assume_role" {
  statement {
    effect  = "Allow"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

data "aws_region" "current" {}

# IAM names are global in an account: the region keeps one environment name usable in every region.
resource "aws_iam_role" "this" {
  name               = "${var.function_name}-${data.aws_region.current.id}"
  description        = "Execution role of the ${var.function_name} Lambda function."
  assume_role_policy = data.aws_iam_policy_document.assume_role.json
  tags               = var.tags

  lifecycle {
    # A new name (the region was added to it) makes a new role: the function moves to it before the old goes.
    create_before_destroy = true

    precondition {
      condition     = length("${var.function_name}-${data.aws_region.current.id}") <= 64
      error_message = "The role name <function_name>-<region> is longer than IAM's 64 characters: shorten function_name."
    }
  }
}

data "aws_iam_policy_document" "permissions" {
  statement {
    sid       = "WriteOwnLogGroup"
    effect    = "Allow"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.this.arn}:*"]
  }

  dynamic "statement" {
    for_each = length(var.manage_connections_arns) > 0 ? [var.manage_connections_arns] : []

    content {
      sid       = "ManageApiConnections"
      effect    = "Allow"
      actions   = ["execute-api:ManageConnections"]
      resources = statement.value
    }
  }
}

resource "aws_iam_role_policy" "this" {
  name   = "least-privilege"
  role   = aws_iam_role.this.id
  policy = data.aws_iam_policy_document.permissions.json
}

resource "aws_lambda_function" "this" {
  #checkov:skip=CKV_AWS_50:X-Ray tracing would need xray:PutTraceSegments on every role; the JSON logs and API Gateway access logs carry the request id instead.
  #checkov:skip=CKV_AWS_116:API Gateway invokes these functions synchronously, so a dead-letter queue would never receive an event.
  #checkov:skip=CKV_AWS_117:The functions reach only public AWS endpoints (Cognito JWKS, the execute-api Management API) and no private resource, so a VPC adds NAT cost and cold-start time for nothing.
  #checkov:skip=CKV_AWS_173:The environment holds public identifiers (pool id, client ids, JWKS public keys), no secret; Lambda encrypts it at rest with an AWS-managed key.
  #checkov:skip=CKV_AWS_272:The zips are built reproducibly by `make build` from this repository; AWS Signer is not set up for it.
  function_name                  = var.function_name
  description                    = var.description
  role                           = aws_iam_role.this.arn
  filename                       = var.zip_path
  source_code_hash               = filebase64sha256(var.zip_path)
  handler                        = "index.handler"
  runtime                        = var.runtime
  architectures                  = [var.architecture]
  memory_size                    = var.memory_size
  timeout                        = var.timeout
  reserved_concurrent_executions = var.reserved_concurrency == null ? -1 : var.reserved_concurrency
  # Provisioned concurrency needs a published version; without it, callers use $LATEST.
  publish = var.provisioned_concurrency > 0

  environment {
    variables = local.environment
  }

  logging_config {
    log_format            = "JSON"
    log_group             = aws_cloudwatch_log_group.this.name
    application_log_level = var.application_log_level
    system_log_level      = "INFO"
  }

  tags = var.tags

  # The role must be able to write logs before the first invocation.
  depends_on = [aws_iam_role_policy.this]
}

# Opt-in warm environments: the alias follows each published version, and callers invoke the alias.
resource "aws_lambda_alias" "live" {
  count = var.provisioned_concurrency > 0 ? 1 : 0

  name             = "live"
  description      = "The published version that keeps ${var.provisioned_concurrency} environments initialised."
  function_name    = aws_lambda_function.this.function_name
  function_version = aws_lambda_function.this.version
}

resource "aws_lambda_provisioned_concurrency_config" "live" {
  count = var.provisioned_concurrency > 0 ? 1 : 0

  function_name                     = aws_lambda_function.this.function_name
  qualifier                         = aws_lambda_alias.live[0].name
  provisioned_concurrent_executions = var.provisioned_concurrency
}
