output "websocket_url" {
  description = "wss:// URL of the stage."
  value       = module.websocket_api.websocket_url
}

output "user_pool_id" {
  description = "ID of the Cognito user pool whose tokens the authoriser accepts (null with oidc_issuer)."
  value       = local.user_pool_id
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

output "function_log_group_names" {
  description = "CloudWatch log group of each function, by function."
  value       = { for name, function in module.function : name => function.log_group_name }
}
