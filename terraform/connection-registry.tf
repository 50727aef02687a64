# The connection registry (issue 12): the table every connection is written to, the sweeper's schedule, and each
# function's access as functions/stack.json lists it under `registry`.

variable "registry_kms_key_arn" {
  description = "Customer managed KMS key for the connection registry table; null uses DynamoDB's AWS owned key."
  type        = string
  default     = null

  validation {
    condition     = var.registry_kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", var.registry_kms_key_arn))
    error_message = "registry_kms_key_arn must be null or a KMS key ARN."
  }
}

variable "sweep_schedule" {
  description = "EventBridge schedule of the sweeper that closes connections whose token expired; no connection outlives its token by more than one interval."
  type        = string
  default     = "rate(1 minute)"

  validation {
    condition     = can(regex("^(rate\\([1-9][0-9]* (minute|minutes|hour|hours)\\)|cron\\(.+\\))$", var.sweep_schedule))
    error_message = "sweep_schedule must be an EventBridge rate(...) or cron(...) expression, e.g. rate(1 minute)."
  }
}

module "connection_registry" {
  source = "./modules/connection-registry"

  table_name             = "${var.name}-connections"
  kms_key_arn            = var.registry_kms_key_arn
  point_in_time_recovery = true
  sweep_schedule         = var.sweep_schedule
  sweeper_function_name  = module.function[local.stack.scheduled[0]].function_name
  sweeper_function_arn   = module.function[local.stack.scheduled[0]].function_arn

  function_access = {
    for name, fn in local.stack.functions : name => {
      role_name = module.function[name].role_name
      actions   = fn.registry
    } if length(lookup(fn, "registry", [])) > 0
  }
}

output "connections_table_name" {
  description = "DynamoDB table of open connections (connection registry)."
  value       = module.connection_registry.table_name
}
