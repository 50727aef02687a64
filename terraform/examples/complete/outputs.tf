output "websocket_url" {
  description = "wss:// URL through the custom domain."
  value       = module.wsauth.custom_domain_url
}

output "connections_endpoint" {
  description = "https:// endpoint of the @connections Management API."
  value       = module.wsauth.connections_endpoint
}

output "alarm_topic_arn" {
  description = "SNS topic the alarms notify: subscribe to it."
  value       = module.wsauth.alarm_topic_arn
}
