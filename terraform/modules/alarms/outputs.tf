output "sns_topic_arn" {
  description = "ARN of the topic the alarms notify (created here or passed in)."
  value       = local.topic_arn
}

output "alarm_names" {
  description = "Names of every alarm of the module."
  value = concat(
    [aws_cloudwatch_metric_alarm.authoriser_faults.alarm_name],
    [for alarm in aws_cloudwatch_metric_alarm.connect_errors : alarm.alarm_name],
    [for alarm in aws_cloudwatch_metric_alarm.function_errors : alarm.alarm_name],
    [for alarm in aws_cloudwatch_metric_alarm.function_throttles : alarm.alarm_name],
    [aws_cloudwatch_metric_alarm.reauth_warnings_failed.alarm_name],
    aws_cloudwatch_metric_alarm.active_connections[*].alarm_name,
  )
}
