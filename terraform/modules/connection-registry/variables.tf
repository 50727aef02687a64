variable "table_name" {
  description = "Name of the DynamoDB table of open connections (the functions' CONNECTIONS_TABLE); also prefixes the sweep schedule's rule name."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]{3,200}$", var.table_name))
    error_message = "table_name must be 3-200 letters, digits, '_', '.' or '-'."
  }
}

variable "kms_key_arn" {
  description = "Customer managed KMS key that encrypts the table; null uses DynamoDB's AWS owned key. With a key, each function role is allowed to use it through DynamoDB only."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", var.kms_key_arn))
    error_message = "kms_key_arn must be null or a KMS key ARN (arn:<partition>:kms:<region>:<account>:key/<id>)."
  }
}

variable "point_in_time_recovery" {
  description = "Continuous backups of the table (point-in-time recovery)."
  type        = bool
  default     = true
}

variable "deletion_protection" {
  description = "Refuse to delete the table until this is turned off."
  type        = bool
  default     = false
}

variable "function_access" {
  description = "Per function: its execution role name, the DynamoDB actions it needs on the registry (functions/api.json `registry`) and the indexes it may Query (`registryIndexes`). Item actions are granted on the table, Query on those indexes only."
  type = map(object({
    role_name = string
    actions   = list(string)
    indexes   = optional(list(string), [])
  }))
  default = {}

  validation {
    condition     = alltrue([for access in values(var.function_access) : length(access.actions) > 0 && alltrue([for action in access.actions : contains(["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:Query"], action)])])
    error_message = "function_access actions must be a non-empty list of dynamodb:GetItem, PutItem, UpdateItem, DeleteItem or Query."
  }

  validation {
    condition     = alltrue([for access in values(var.function_access) : contains(access.actions, "dynamodb:Query") == (length(access.indexes) > 0) && alltrue([for index in access.indexes : contains(["by-sub", "by-origin-jti", "by-expiry"], index)])])
    error_message = "function_access: a function with dynamodb:Query names the indexes it queries (by-sub, by-origin-jti, by-expiry), and only such a function names any."
  }
}

variable "sweeper_function_name" {
  description = "Name of the sweeper Lambda function the schedule invokes."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,64}$", var.sweeper_function_name))
    error_message = "sweeper_function_name must be a Lambda function name (1-64 letters, digits, '-' or '_')."
  }
}

variable "sweeper_function_arn" {
  description = "ARN of the sweeper Lambda function (the schedule's target)."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:lambda:[a-z0-9-]+:[0-9]{12}:function:[A-Za-z0-9_-]+$", var.sweeper_function_arn))
    error_message = "sweeper_function_arn must be an unqualified Lambda function ARN."
  }
}

variable "sweep_schedule" {
  description = "EventBridge schedule of the sweeper; it bounds how long a connection outlives its token (one interval). rate(1 minute) is EventBridge's shortest."
  type        = string
  default     = "rate(1 minute)"

  validation {
    condition     = can(regex("^(rate\\((1 (minute|hour|day)|([2-9]|[1-9][0-9]+) (minutes|hours|days))\\)|cron\\(.+\\))$", var.sweep_schedule))
    error_message = "sweep_schedule must be an EventBridge rate(...) or cron(...) expression: rate(1 minute), rate(5 minutes) (a value of 1 takes the singular unit, others the plural, as EventBridge requires)."
  }
}

variable "tags" {
  description = "Tags added to every resource of the module."
  type        = map(string)
  default     = {}
}
