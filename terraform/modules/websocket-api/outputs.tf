output "api_id" {
  description = "ID of the WebSocket API."
  value       = local.api_id
}

output "execution_arn" {
  description = "execute-api ARN prefix of the API (arn:<partition>:execute-api:<region>:<account>:<api-id>)."
  value       = local.execution_arn
}

output "stage_name" {
  description = "Name of the deployed stage."
  value       = aws_apigatewayv2_stage.this.name
}

output "websocket_url" {
  description = "wss:// URL clients connect to."
  value       = aws_apigatewayv2_stage.this.invoke_url
}

output "connections_endpoint" {
  description = "https:// endpoint of the API Gateway Management API (@connections) for this stage."
  value       = replace(aws_apigatewayv2_stage.this.invoke_url, "wss://", "https://")
}

output "authoriser_id" {
  description = "ID of the REQUEST authoriser on $connect."
  value       = aws_apigatewayv2_authorizer.this.id
}

output "access_log_group_name" {
  description = "CloudWatch log group of the stage's JSON access logs."
  value       = aws_cloudwatch_log_group.access.name
}

output "custom_domain_url" {
  description = "wss:// URL through the custom domain, or null without one."
  value       = var.custom_domain == null ? null : "wss://${var.custom_domain.domain_name}${try(var.custom_domain.api_mapping_key, null) == null ? "" : "/${var.custom_domain.api_mapping_key}"}"
}

output "custom_domain_target" {
  description = "The regional host name to point a DNS record at when Route 53 is not used, or null without a custom domain."
  value       = var.custom_domain == null ? null : aws_apigatewayv2_domain_name.this[0].domain_name_configuration[0].target_domain_name
}
