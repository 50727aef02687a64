output "user_pool_id" {
  description = "ID of the user pool (the authoriser's USER_POOL_ID)."
  value       = aws_cognito_user_pool.this.id
}

output "user_pool_arn" {
  description = "ARN of the user pool."
  value       = aws_cognito_user_pool.this.arn
}

output "client_id" {
  description = "ID of the public app client (the authoriser's CLIENT_ID)."
  value       = aws_cognito_user_pool_client.this.id
}

output "issuer" {
  description = "Issuer (iss claim) of the pool's tokens."
  value       = "https://${aws_cognito_user_pool.this.endpoint}"
}

output "group_names" {
  description = "Names of the groups created in the pool."
  value       = sort(keys(aws_cognito_user_group.this))
}
