variable "api_id" {
  description = "ID of your existing WebSocket API (aws apigatewayv2 get-apis)."
  type        = string
  default     = "a1b2c3d4e5"
}

variable "user_pool_id" {
  description = "Your existing Cognito user pool, whose tokens the authoriser accepts."
  type        = string
  default     = "eu-west-1_AbC123"
}

variable "client_ids" {
  description = "App client ids of that pool whose tokens are accepted."
  type        = list(string)
  default     = ["1example23456789"]
}

variable "required_groups" {
  description = "Groups of your pool of which a user must belong to one; empty lets every user of the pool in."
  type        = list(string)
  default     = []
}

variable "region" {
  description = "Region to deploy the example to."
  type        = string
  default     = "eu-west-1"
}
