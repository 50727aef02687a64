output "apigateway_logging_role_arn" {
  description = "ARN of the role this region's API Gateway account setting names for CloudWatch logging."
  value       = aws_iam_role.apigateway_logging.arn
}

output "cloudwatch_role_arn" {
  description = "The role ARN the region's API Gateway account setting holds after apply (read back from API Gateway)."
  value       = aws_api_gateway_account.this.cloudwatch_role_arn
}
