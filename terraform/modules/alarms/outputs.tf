output "sns_topic_arn" {
  description = "ARN of the topic the alarms notify (created here or passed in)."
  value       = local.topic_arn
}

output "alarm_names" {
  description = "Names of every alarm of the module."
  value       = [for alarm in aws_cloudwatch_metric_alarm.this : alarm.alarm_name]
}
