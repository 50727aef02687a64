output "function_name" {
  description = "Name of the Lambda function."
  value       = aws_lambda_function.this.function_name
}

output "function_arn" {
  description = "ARN of the Lambda function."
  value       = aws_lambda_function.this.arn
}

output "invoke_arn" {
  description = "ARN API Gateway uses to invoke the function (integration and authoriser URI): the `live` alias's with provisioned concurrency."
  value       = var.provisioned_concurrency > 0 ? aws_lambda_alias.live[0].invoke_arn : aws_lambda_function.this.invoke_arn
}

output "qualifier" {
  description = "The alias callers invoke (`live`) with provisioned concurrency, else null ($LATEST); an invoke permission needs it."
  value       = var.provisioned_concurrency > 0 ? aws_lambda_alias.live[0].name : null
}

output "role_arn" {
  description = "ARN of the function's execution role."
  value       = aws_iam_role.this.arn
}

output "log_group_name" {
  description = "Name of the function's CloudWatch log group."
  value       = aws_cloudwatch_log_group.this.name
}

output "role_name" {
  description = "Name of the function's execution role (for policies granted by other modules)."
  value       = aws_iam_role.this.name
}
