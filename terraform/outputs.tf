output "websocket_url" {
  description = "wss:// URL of the stage."
  value       = module.websocket_api.websocket_url

  # The message function refuses the same at init (functions/shared/route-authorisation.ts); here the plan stops.
  precondition {
    condition = alltrue([
      for route, requirement in local.route_authorisation : try(
        !contains(["$connect", "$disconnect", "refresh"], route) &&
        contains(local.api.functions[local.api.routes[route]].env, "ROUTE_REQUIREMENTS") &&
        length(keys(requirement)) > 0 &&
        length(setsubtract(keys(requirement), ["requiredGroups", "requiredScopes"])) == 0 &&
        alltrue([for names in values(requirement) : length(tolist(names)) > 0 && alltrue([for name in names : can(regex("^\\S(.*\\S)?$", name))])]),
      false)
    ])
    error_message = "functions/api.json routeAuthorisation: each key must be a route of routes other than $connect, $disconnect and refresh, served by a function that lists ROUTE_REQUIREMENTS, with non-empty requiredGroups and/or requiredScopes only."
  }
}

output "custom_domain_url" {
  description = "wss:// URL through custom_domain, or null without one."
  value       = module.websocket_api.custom_domain_url
}

output "custom_domain_target" {
  description = "Regional host name to point a DNS record at when custom_domain has no route53_zone_id (null without a custom domain)."
  value       = module.websocket_api.custom_domain_target
}

output "api_id" {
  description = "ID of the WebSocket API."
  value       = module.websocket_api.api_id
}

output "api_execution_arn" {
  description = "execute-api ARN prefix of the API, for IAM policies (arn:<partition>:execute-api:<region>:<account>:<api-id>)."
  value       = module.websocket_api.execution_arn
}

output "stage_name" {
  description = "Name of the deployed stage."
  value       = module.websocket_api.stage_name
}

output "connections_endpoint" {
  description = "https:// endpoint of the API Gateway Management API (@connections) of the stage, for backends that post to clients."
  value       = module.websocket_api.connections_endpoint
}

output "function_names" {
  description = "Name of each Lambda function, by function (authoriser, connect, disconnect, message, refresh, sweeper)."
  value       = { for name, function in module.function : name => function.function_name }
}

output "function_arns" {
  description = "ARN of each Lambda function, by function."
  value       = { for name, function in module.function : name => function.function_arn }
}

output "revoke_function_arn" {
  description = "ARN of the revoke function: grant lambda:InvokeFunction on it to whoever may close users' connections."
  value       = module.function[local.api.invoked[0]].function_arn
}

output "revoke_rule_arn" {
  description = "EventBridge rule that revokes on AdminUserGlobalSignOut (null unless revoke_on_admin_sign_out)."
  value       = var.revoke_on_admin_sign_out ? aws_cloudwatch_event_rule.revoke_on_sign_out[0].arn : null
}

output "user_pool_id" {
  description = "ID of the Cognito user pool whose tokens the authoriser accepts (null with oidc_issuer)."
  value       = local.user_pool_id
}

output "cognito_group_names" {
  description = "Groups created in the user pool (empty with an existing pool or another issuer)."
  value       = local.create_cognito ? module.cognito[0].group_names : []
}

output "client_id" {
  description = "App client id(s) whose tokens the authoriser accepts (comma-separated)."
  value       = join(",", local.client_ids)
}

output "token_location" {
  description = "Where clients must send the token on $connect."
  value       = var.token_location
}

output "wscat_command" {
  description = "Connects with wscat (npx wscat) once TOKEN holds a token of the pool."
  value = (var.token_location == "protocol"
    ? "wscat -c \"${module.websocket_api.websocket_url}\" -s bearer -s \"$TOKEN\""
    : "wscat -c \"${module.websocket_api.websocket_url}?${var.token_query_param}=$TOKEN\""
  )
}

output "access_log_group_name" {
  description = "CloudWatch log group of the stage's JSON access logs."
  value       = module.websocket_api.access_log_group_name
}

output "authoriser_log_group_name" {
  description = "CloudWatch log group of the authoriser: its decisions, by reason, never with the token."
  value       = module.function[local.api.authoriser.function].log_group_name
}

output "function_log_group_names" {
  description = "CloudWatch log group of each function, by function."
  value       = { for name, function in module.function : name => function.log_group_name }
}

output "connections_table_name" {
  description = "DynamoDB table of open connections (connection registry)."
  value       = module.connection_registry.table_name
}

output "connections_table_arn" {
  description = "ARN of the DynamoDB table of open connections, for the IAM policies of backends that read it."
  value       = module.connection_registry.table_arn
}

output "alarm_topic_arn" {
  description = "SNS topic the alarms notify (null without alarms)."
  value       = var.alarms == null ? null : module.alarms[0].sns_topic_arn
}
