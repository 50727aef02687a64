output "websocket_urls" {
  description = "wss:// URL of the stage, by region."
  value = {
    (var.primary_region)   = module.primary.websocket_url
    (var.secondary_region) = module.secondary.websocket_url
  }
}

output "user_pool_ids" {
  description = "User pool of each region, by region: a token of one region's pool is refused by the other's authoriser."
  value = {
    (var.primary_region)   = module.primary.user_pool_id
    (var.secondary_region) = module.secondary.user_pool_id
  }
}
