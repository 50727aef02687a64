output "region" {
  description = "The region this account state belongs to (checked against the provider's on every plan)."
  value       = module.state_region.region
}

output "apigateway_logging_role_arn" {
  description = "ARN of the role this region's API Gateway account setting names for CloudWatch logging (null with logging_setting = none)."
  value       = local.manage_setting ? aws_iam_role.apigateway_logging[0].arn : null
}

output "cloudwatch_role_arn" {
  description = "The role ARN the region's API Gateway account setting holds after apply, read back from API Gateway (null with logging_setting = none)."
  value       = local.manage_setting ? aws_api_gateway_account.this[0].cloudwatch_role_arn : null
}
