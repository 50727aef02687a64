output "api_id" {
  description = "ID of the WebSocket API."
  value       = aws_apigatewayv2_api.this.id
}

output "execution_arn" {
  description = "execute-api ARN prefix of the API (arn:<partition>:execute-api:<region>:<account>:<api-id>)."
  value       = aws_apigatewayv2_api.this.execution_arn
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
