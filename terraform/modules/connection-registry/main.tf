locals {
  # Item actions act on the table, Query on the indexes a function names only: no function can Scan the table.
  item_actions  = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"]
  query_actions = ["dynamodb:Query"]
  # DynamoDB calls KMS on behalf of the caller when the table uses a customer managed key.
  kms_actions = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey*", "kms:DescribeKey"]
}

resource "aws_dynamodb_table" "this" {
  #checkov:skip=CKV_AWS_119:A customer managed key is optional (kms_key_arn); without one the table is encrypted at rest with the AWS owned key, and it holds only connection ids, user ids and expiry times.
  name                        = var.table_name
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "connectionId"
  deletion_protection_enabled = var.deletion_protection

  attribute {
    name = "connectionId"
    type = "S"
  }

  attribute {
    name = "sub"
    type = "S"
  }

  attribute {
    name = "expBucket"
    type = "N"
  }

  attribute {
    name = "exp"
    type = "N"
  }

  attribute {
    name = "originJti"
    type = "S"
  }

  # A user's connections.
  global_secondary_index {
    name            = "by-sub"
    hash_key        = "sub"
    range_key       = "connectionId"
    projection_type = "KEYS_ONLY"
  }

  # One sign-in session's connections (Cognito's origin_jti), for revoke; sparse: items without originJti are not in it.
  global_secondary_index {
    name            = "by-origin-jti"
    hash_key        = "originJti"
    range_key       = "connectionId"
    projection_type = "KEYS_ONLY"
  }

  # What the sweeper reads: expBucket is exp rounded down to 10 minutes, so one Query per bucket with exp <= now.
  global_secondary_index {
    name            = "by-expiry"
    hash_key        = "expBucket"
    range_key       = "exp"
    projection_type = "KEYS_ONLY"
  }

  ttl {
    attribute_name = "purgeAt"
    enabled        = true
  }

  point_in_time_recovery {
    enabled = var.point_in_time_recovery
  }

  server_side_encryption {
    enabled     = var.kms_key_arn != null
    kms_key_arn = var.kms_key_arn
  }

  tags = var.tags
}

data "aws_iam_policy_document" "access" {
  for_each = var.function_access

  dynamic "statement" {
    for_each = length(setintersection(each.value.actions, local.item_actions)) > 0 ? [sort(setintersection(each.value.actions, local.item_actions))] : []

    content {
      sid       = "RegistryItems"
      effect    = "Allow"
      actions   = statement.value
      resources = [aws_dynamodb_table.this.arn]
    }
  }

  dynamic "statement" {
    for_each = length(setintersection(each.value.actions, local.query_actions)) > 0 ? [sort(setintersection(each.value.actions, local.query_actions))] : []

    content {
      sid       = "RegistryIndexes"
      effect    = "Allow"
      actions   = statement.value
      resources = [for index in sort(each.value.indexes) : "${aws_dynamodb_table.this.arn}/index/${index}"]
    }
  }

  dynamic "statement" {
    for_each = var.kms_key_arn != null ? [var.kms_key_arn] : []

    content {
      sid       = "RegistryKeyThroughDynamoDB"
      effect    = "Allow"
      actions   = local.kms_actions
      resources = [statement.value]

      condition {
        test     = "StringLike"
        variable = "kms:ViaService"
        values   = ["dynamodb.*.amazonaws.com"]
      }
    }
  }
}

resource "aws_iam_role_policy" "access" {
  for_each = var.function_access

  name   = "connection-registry"
  role   = each.value.role_name
  policy = data.aws_iam_policy_document.access[each.key].json

  lifecycle {
    # A function moving to a new role (a new role name) keeps the table: the grant on the new role is made
    # before the old role's goes, so no invocation in between is refused.
    create_before_destroy = true
  }
}

resource "aws_cloudwatch_event_rule" "sweep" {
  name                = "${var.table_name}-sweep"
  description         = "Runs the sweeper that closes connections whose token expired."
  schedule_expression = var.sweep_schedule
  tags                = var.tags
}

resource "aws_cloudwatch_event_target" "sweep" {
  rule = aws_cloudwatch_event_rule.sweep.name
  arn  = var.sweeper_function_arn

  retry_policy {
    # A late sweep is worth nothing: the next one runs within an interval.
    maximum_event_age_in_seconds = 60
    maximum_retry_attempts       = 0
  }
}

# EventBridge invokes the sweeper asynchronously, where Lambda would retry a failed sweep twice by default: a
# late sweep is worth nothing, so no retry and no event older than a minute (as the target's retry_policy).
resource "aws_lambda_function_event_invoke_config" "sweep" {
  function_name                = var.sweeper_function_name
  maximum_retry_attempts       = 0
  maximum_event_age_in_seconds = 60
}

resource "aws_lambda_permission" "sweep" {
  statement_id  = "AllowSweepSchedule"
  action        = "lambda:InvokeFunction"
  function_name = var.sweeper_function_name
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.sweep.arn
}
