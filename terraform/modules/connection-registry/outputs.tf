output "table_name" {
  description = "Name of the connection registry table (the functions' CONNECTIONS_TABLE)."
  value       = aws_dynamodb_table.this.name
}

output "table_arn" {
  description = "ARN of the connection registry table."
  value       = aws_dynamodb_table.this.arn
}

output "sweep_rule_arn" {
  description = "ARN of the EventBridge rule that runs the sweeper."
  value       = aws_cloudwatch_event_rule.sweep.arn
}
