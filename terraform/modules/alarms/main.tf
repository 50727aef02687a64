locals {
  topic_arn = var.sns_topic_arn != null ? var.sns_topic_arn : aws_sns_topic.alarms[0].arn
  # A rejected token makes the authoriser throw Unauthorized, which Lambda counts as an error: its Errors
  # metric is mostly clients with bad tokens. Its faults (keys unreachable, internal) come from its log instead.
  erroring_functions = { for key, name in var.function_names : key => name if key != var.authoriser_key }
  # WebSocket APIs publish no 5XXError: these two are the server-side failures of a route.
  connect_error_metrics = ["IntegrationError", "ExecutionError"]
}

resource "aws_sns_topic" "alarms" {
  #checkov:skip=CKV_AWS_26:CloudWatch cannot publish to a topic under the AWS-managed aws/sns key, and alarm names and states carry no secret; pass sns_topic_arn for a topic under a key of your own.
  count = var.sns_topic_arn == null ? 1 : 0

  name = "${var.name}-alarms"
  tags = var.tags
}

resource "aws_cloudwatch_log_metric_filter" "authoriser_faults" {
  name           = "${var.name}-authoriser-faults"
  log_group_name = var.authoriser_log_group_name
  pattern        = "{ $.message = \"connection refused\" && ($.reason = \"internal\" || $.reason = \"keys_unavailable\") }"

  metric_transformation {
    name          = "AuthoriserFaults"
    namespace     = var.metric_namespace
    value         = "1"
    default_value = "0"
  }
}

resource "aws_cloudwatch_metric_alarm" "authoriser_faults" {
  alarm_name          = "${var.name}-authoriser-faults"
  alarm_description   = "The authoriser refused connections because it could not verify tokens (signing keys unreachable, or an internal error): valid users are locked out."
  namespace           = var.metric_namespace
  metric_name         = "AuthoriserFaults"
  statistic           = "Sum"
  period              = var.period_seconds
  evaluation_periods  = var.evaluation_periods
  comparison_operator = "GreaterThanOrEqualToThreshold"
  threshold           = 1
  treat_missing_data  = "notBreaching"
  alarm_actions       = [local.topic_arn]
  ok_actions          = [local.topic_arn]
  tags                = var.tags

  depends_on = [aws_cloudwatch_log_metric_filter.authoriser_faults]
}

resource "aws_cloudwatch_metric_alarm" "connect_errors" {
  for_each = toset(local.connect_error_metrics)

  alarm_name          = "${var.name}-connect-${lower(each.key)}"
  alarm_description   = "API Gateway answered $connect with a server-side ${each.key} (5xx)."
  namespace           = "AWS/ApiGateway"
  metric_name         = each.key
  dimensions          = { ApiId = var.api_id, Stage = var.stage_name, Route = "$connect" }
  statistic           = "Sum"
  period              = var.period_seconds
  evaluation_periods  = var.evaluation_periods
  comparison_operator = "GreaterThanOrEqualToThreshold"
  threshold           = 1
  treat_missing_data  = "notBreaching"
  alarm_actions       = [local.topic_arn]
  ok_actions          = [local.topic_arn]
  tags                = var.tags
}

resource "aws_cloudwatch_metric_alarm" "function_errors" {
  for_each = local.erroring_functions

  alarm_name          = "${var.name}-${each.key}-errors"
  alarm_description   = "The ${each.value} function failed (threw, timed out or ran out of memory)."
  namespace           = "AWS/Lambda"
  metric_name         = "Errors"
  dimensions          = { FunctionName = each.value }
  statistic           = "Sum"
  period              = var.period_seconds
  evaluation_periods  = var.evaluation_periods
  comparison_operator = "GreaterThanOrEqualToThreshold"
  threshold           = 1
  treat_missing_data  = "notBreaching"
  alarm_actions       = [local.topic_arn]
  ok_actions          = [local.topic_arn]
  tags                = var.tags
}

resource "aws_cloudwatch_metric_alarm" "function_throttles" {
  for_each = var.function_names

  alarm_name          = "${var.name}-${each.key}-throttles"
  alarm_description   = "Lambda throttled the ${each.value} function: its concurrency limit turned calls away."
  namespace           = "AWS/Lambda"
  metric_name         = "Throttles"
  dimensions          = { FunctionName = each.value }
  statistic           = "Sum"
  period              = var.period_seconds
  evaluation_periods  = var.evaluation_periods
  comparison_operator = "GreaterThanOrEqualToThreshold"
  threshold           = 1
  treat_missing_data  = "notBreaching"
  alarm_actions       = [local.topic_arn]
  ok_actions          = [local.topic_arn]
  tags                = var.tags
}

# The sweeper writes ReauthWarningsFailed (EMF) when reauth_required could not be sent: clients then learn of
# expiry only when they are closed.
resource "aws_cloudwatch_metric_alarm" "reauth_warnings_failed" {
  alarm_name          = "${var.name}-reauth-warnings-failed"
  alarm_description   = "The sweeper could not send reauth_required to some connections (it retries on the next sweep)."
  namespace           = var.connection_metrics_namespace
  metric_name         = "ReauthWarningsFailed"
  dimensions          = { ConnectionsTable = var.connections_table_name }
  statistic           = "Sum"
  period              = var.period_seconds
  evaluation_periods  = var.evaluation_periods
  comparison_operator = "GreaterThanOrEqualToThreshold"
  threshold           = 1
  treat_missing_data  = "notBreaching"
  alarm_actions       = [local.topic_arn]
  ok_actions          = [local.topic_arn]
  tags                = var.tags
}

resource "aws_cloudwatch_metric_alarm" "active_connections" {
  count = var.active_connections_threshold == null ? 0 : 1

  alarm_name          = "${var.name}-active-connections"
  alarm_description   = "More than ${var.active_connections_threshold} connections are open (the sweeper's ActiveConnections gauge)."
  namespace           = var.connection_metrics_namespace
  metric_name         = "ActiveConnections"
  dimensions          = { ConnectionsTable = var.connections_table_name }
  statistic           = "Maximum"
  period              = var.period_seconds
  evaluation_periods  = var.evaluation_periods
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.active_connections_threshold
  treat_missing_data  = "missing"
  alarm_actions       = [local.topic_arn]
  ok_actions          = [local.topic_arn]
  tags                = var.tags
}
