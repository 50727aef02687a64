output "websocket_url" {
  description = "wss:// URL of the new stage on your API."
  value       = module.wsauth.websocket_url
}

output "authoriser_function_name" {
  description = "Name of the authoriser function attached to $connect."
  value       = module.wsauth.function_names["authoriser"]
}
