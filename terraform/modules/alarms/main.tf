locals {
  topic_arn = var.sns_topic_arn != null ? var.sns_topic_arn : aws_sns_topic.alarms[0].arn
  # A rejected token makes the authoriser throw Unauthorized, which Lambda counts as an error: its Errors
  # metric is mostly clients with bad tokens. Its faults (keys unreachable, internal) come from its log instead.
  erroring_functions = { for key, name in var.function_names : key => name if key != var.authoriser_key }
  # WebSocket APIs publish no 5XXError: these two are the server-side failures of a route.
  connect_error_metrics = ["IntegrationError", "ExecutionError"]

  # Every alarm but ActiveConnections fires on one event in a period: a Sum of at least 1, no data meaning none.
  on_any = { statistic = "Sum", comparison_operator = "GreaterThanOrEqualToThreshold", threshold = 1, treat_missing_data = "notBreaching" }
  alarms = merge(
    {
      "authoriser-faults" = merge(local.on_any, {
        description = "The authoriser refused connections because it could not verify tokens (signing keys unreachable, or an internal error): valid users are locked out."
        namespace   = var.metric_namespace
        metric_name = "AuthoriserFaults"
        dimensions  = {}
      })
      # The sweeper writes ReauthWarningsFailed (EMF) when reauth_required could not be sent: clients then learn of
      # expiry only when they are closed.
      "reauth-warnings-failed" = merge(local.on_any, {
        description = "The sweeper could not send reauth_required to some connections (it retries on the next sweep)."
        namespace   = var.connection_metrics_namespace
        metric_name = "ReauthWarningsFailed"
        dimensions  = { ConnectionsTable = var.connections_table_name }
      })
    },
    { for metric in local.connect_error_metrics : "connect-${lower(metric)}" => merge(local.on_any, {
      description = "API Gateway answered $connect with a server-side ${metric} (5xx)."
      namespace   = "AWS/ApiGateway"
      metric_name = metric
      dimensions  = { ApiId = var.api_id, Stage = var.stage_name, Route = "$connect" }
    }) },
    { for key, name in local.erroring_functions : "${key}-errors" => merge(local.on_any, {
      description = "The ${name} function failed (threw, timed out or ran out of memory)."
      namespace   = "AWS/Lambda"
      metric_name = "Errors"
      dimensions  = { FunctionName = name }
    }) },
    { for key, name in var.function_names : "${key}-throttles" => merge(local.on_any, {
      description = "Lambda throttled the ${name} function: its concurrency limit turned calls away."
      namespace   = "AWS/Lambda"
      metric_name = "Throttles"
      dimensions  = { FunctionName = name }
    }) },
    { for threshold in var.active_connections_threshold == null ? [] : [var.active_connections_threshold] : "active-connections" => {
      description         = "More than ${threshold} connections are open (the sweeper's ActiveConnections gauge)."
      namespace           = var.connection_metrics_namespace
      metric_name         = "ActiveConnections"
      dimensions          = { ConnectionsTable = var.connections_table_name }
      statistic           = "Maximum"
      comparison_operator = "GreaterThanThreshold"
      threshold           = threshold
      treat_missing_data  = "missing"
    } },
  )
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

# One resource for every alarm, keyed by its name after "<name>-" (moved.tf maps the addresses of before).
resource "aws_cloudwatch_metric_alarm" "this" {
  for_each = local.alarms

  alarm_name          = "${var.name}-${each.key}"
  alarm_description   = each.value.description
  namespace           = each.value.namespace
  metric_name         = each.value.metric_name
  dimensions          = length(each.value.dimensions) > 0 ? each.value.dimensions : null
  statistic           = each.value.statistic
  period              = var.period_seconds
  evaluation_periods  = var.evaluation_periods
  comparison_operator = each.value.comparison_operator
  threshold           = each.value.threshold
  treat_missing_data  = each.value.treat_missing_data
  alarm_actions       = [local.topic_arn]
  ok_actions          = [local.topic_arn]
  tags                = var.tags

  # AuthoriserFaults exists only through the log metric filter.
  depends_on = [aws_cloudwatch_log_metric_filter.authoriser_faults]
}
