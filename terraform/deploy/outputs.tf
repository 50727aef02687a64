output "region" {
  description = "The region this environment's state belongs to (checked against the provider's on every plan)."
  value       = module.state_region.region
}

output "websocket_url" {
  description = "wss:// URL of the stage."
  value       = module.wsauth.websocket_url
}

output "custom_domain_url" {
  description = "wss:// URL through custom_domain, or null without one."
  value       = module.wsauth.custom_domain_url
}

output "custom_domain_target" {
  description = "Regional host name to point a DNS record at when custom_domain has no route53_zone_id (null without a custom domain)."
  value       = module.wsauth.custom_domain_target
}

output "api_id" {
  description = "ID of the WebSocket API."
  value       = module.wsauth.api_id
}

output "api_execution_arn" {
  description = "execute-api ARN prefix of the API, for IAM policies (arn:<partition>:execute-api:<region>:<account>:<api-id>)."
  value       = module.wsauth.api_execution_arn
}

output "stage_name" {
  description = "Name of the deployed stage."
  value       = module.wsauth.stage_name
}

output "connections_endpoint" {
  description = "https:// endpoint of the API Gateway Management API (@connections) of the stage, for backends that post to clients."
  value       = module.wsauth.connections_endpoint
}

output "function_names" {
  description = "Name of each Lambda function, by function (authoriser, connect, disconnect, message, refresh, sweeper)."
  value       = module.wsauth.function_names
}

output "function_arns" {
  description = "ARN of each Lambda function, by function."
  value       = module.wsauth.function_arns
}

output "revoke_function_arn" {
  description = "ARN of the revoke function: grant lambda:InvokeFunction on it to whoever may close users' connections."
  value       = module.wsauth.revoke_function_arn
}

output "revoke_rule_arn" {
  description = "EventBridge rule that revokes on AdminUserGlobalSignOut (null unless revoke_on_admin_sign_out)."
  value       = module.wsauth.revoke_rule_arn
}

output "user_pool_id" {
  description = "ID of the Cognito user pool whose tokens the authoriser accepts (null with oidc_issuer)."
  value       = module.wsauth.user_pool_id
}

output "cognito_group_names" {
  description = "Groups created in the user pool (empty with an existing pool or another issuer)."
  value       = module.wsauth.cognito_group_names
}

output "client_id" {
  description = "App client id(s) whose tokens the authoriser accepts (comma-separated)."
  value       = module.wsauth.client_id
}

output "token_location" {
  description = "Where clients must send the token on $connect."
  value       = module.wsauth.token_location
}

output "wscat_command" {
  description = "Connects with wscat (npx wscat) once TOKEN holds a token of the pool."
  value       = module.wsauth.wscat_command
}

output "access_log_group_name" {
  description = "CloudWatch log group of the stage's JSON access logs."
  value       = module.wsauth.access_log_group_name
}

output "authoriser_log_group_name" {
  description = "CloudWatch log group of the authoriser: its decisions, by reason, never with the token."
  value       = module.wsauth.authoriser_log_group_name
}

output "function_log_group_names" {
  description = "CloudWatch log group of each function, by function."
  value       = module.wsauth.function_log_group_names
}

output "connections_table_name" {
  description = "DynamoDB table of open connections (connection registry)."
  value       = module.wsauth.connections_table_name
}

output "connections_table_arn" {
  description = "ARN of the DynamoDB table of open connections, for the IAM policies of backends that read it."
  value       = module.wsauth.connections_table_arn
}

output "alarm_topic_arn" {
  description = "SNS topic the alarms notify (null without alarms)."
  value       = module.wsauth.alarm_topic_arn
}
