variable "name" {
  description = "Name of the WebSocket API; also prefixes its access log group."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$", var.name))
    error_message = "name must be 1-128 letters, digits, hyphens or underscores, starting with a letter or digit."
  }
}

variable "existing_api" {
  description = "A WebSocket API the team already has, by id, to which the authoriser, routes, a deployment and a stage are added; its execution ARN is read with a data source. It must not have $connect, $disconnect or $default routes of its own. Null creates an API."
  type = object({
    id = string
  })
  default = null

  validation {
    condition     = var.existing_api == null || try(can(regex("^[a-z0-9]{10}$", var.existing_api.id)), false)
    error_message = "existing_api.id must be a 10-character API id (aws apigatewayv2 get-apis)."
  }
}

variable "description" {
  description = "Description of the WebSocket API."
  type        = string
  default     = "WebSocket API with a JWT REQUEST authoriser on $connect."
}

variable "stage_name" {
  description = "Name of the stage clients connect to (the last path segment of the wss:// URL)."
  type        = string
  default     = "prod"

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,128}$", var.stage_name))
    error_message = "stage_name must be 1-128 letters, digits, hyphens or underscores."
  }
}

variable "route_selection_expression" {
  description = "Expression API Gateway evaluates on each message to pick a route."
  type        = string
  default     = "$request.body.action"
}

variable "routes" {
  description = "Route key => Lambda function behind it (AWS_PROXY). Must include $connect, $disconnect and $default."
  type = map(object({
    function_name = string
    invoke_arn    = string
  }))

  validation {
    condition     = alltrue([for key in ["$connect", "$disconnect", "$default"] : contains(keys(var.routes), key)])
    error_message = "routes must define $connect, $disconnect and $default."
  }
}

variable "authoriser" {
  description = "The Lambda REQUEST authoriser: its function, the route it guards (WebSocket APIs authorise on $connect only), its identity sources (an empty list: none, so API Gateway invokes it on every $connect), and the alias API Gateway invokes (qualifier, null for $LATEST)."
  type = object({
    function_name    = string
    invoke_arn       = string
    route_key        = string
    identity_sources = list(string)
    qualifier        = optional(string)
  })

  validation {
    condition     = var.authoriser.route_key == "$connect"
    error_message = "authoriser.route_key must be $connect: WebSocket APIs accept an authoriser on $connect only."
  }

  validation {
    condition = alltrue([
      for source in var.authoriser.identity_sources : can(regex("^route\\.request\\.(header|querystring)\\.[A-Za-z0-9_.-]+$", source))
    ])
    error_message = "authoriser.identity_sources must list route.request.header.<name> or route.request.querystring.<name> entries, or none (stage and context variables are not what the authoriser reads)."
  }
}

variable "throttling_burst_limit" {
  description = "Stage-wide burst limit (requests) for every route."
  type        = number
  default     = 100

  validation {
    condition     = var.throttling_burst_limit >= 1 && floor(var.throttling_burst_limit) == var.throttling_burst_limit
    error_message = "throttling_burst_limit must be a whole number >= 1."
  }
}

variable "throttling_rate_limit" {
  description = "Stage-wide steady-state rate limit (requests per second) for every route."
  type        = number
  default     = 50

  validation {
    condition     = var.throttling_rate_limit > 0
    error_message = "throttling_rate_limit must be greater than 0."
  }
}

variable "route_throttling" {
  description = "Per-route limits tighter than the stage-wide ones, by route key: burst (requests) and rate (requests per second). The default holds $connect, where every call runs the authoriser, to a fifth of the stage default."
  type = map(object({
    burst_limit = number
    rate_limit  = number
  }))
  default = { "$connect" = { burst_limit = 20, rate_limit = 10 } }

  validation {
    condition     = alltrue([for key, limits in var.route_throttling : contains(keys(var.routes), key) && limits.burst_limit >= 1 && floor(limits.burst_limit) == limits.burst_limit && limits.rate_limit > 0])
    error_message = "route_throttling keys must be route keys of routes, burst_limit a whole number >= 1 and rate_limit > 0."
  }
}

variable "custom_domain" {
  description = "A custom domain for the API, or null: the domain name, the ARN of its ACM certificate in this region, an optional path (api_mapping_key) and an optional Route 53 zone id in which to create an alias record."
  type = object({
    domain_name     = string
    certificate_arn = string
    api_mapping_key = optional(string)
    route53_zone_id = optional(string)
  })
  default = null

  validation {
    condition     = var.custom_domain == null || try(can(regex("^arn:aws[a-z-]*:acm:[a-z0-9-]+:[0-9]{12}:certificate/.+$", var.custom_domain.certificate_arn)) && can(regex("^([a-z0-9-]+\\.)+[a-z]{2,}$", var.custom_domain.domain_name)), false)
    error_message = "custom_domain needs a lower-case domain_name and an ACM certificate_arn."
  }
}

variable "disable_execute_api_endpoint" {
  description = "Whether to turn off the default execute-api endpoint so that clients connect only through custom_domain. Not verified here: whether the message function's @connections calls, which go to the execute-api host, still work with it off; try it in a test account first."
  type        = bool
  default     = false

  validation {
    condition     = !var.disable_execute_api_endpoint || var.custom_domain != null
    error_message = "disable_execute_api_endpoint needs custom_domain: without it no endpoint would be left."
  }
}

variable "detailed_metrics_enabled" {
  description = "Whether API Gateway publishes per-route CloudWatch metrics (billed as custom metrics)."
  type        = bool
  default     = false
}

variable "log_retention_days" {
  description = "Days CloudWatch Logs keeps the stage's access log events."
  type        = number
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a retention CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288 or 3653)."
  }
}

variable "log_kms_key_arn" {
  description = "ARN of a KMS key that encrypts the access log group; null uses CloudWatch Logs' default encryption."
  type        = string
  default     = null

  validation {
    condition     = var.log_kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", var.log_kms_key_arn))
    error_message = "log_kms_key_arn must be null or a KMS key ARN (arn:<partition>:kms:<region>:<account>:key/<id>)."
  }
}

variable "tags" {
  description = "Tags added to every resource of the module."
  type        = map(string)
  default     = {}
}
