variable "function_name" {
  description = "Name of the Lambda function; also names its role `<name>-<region>` and its log group `/aws/lambda/<name>`."
  type        = string

  validation {
    # 49, not Lambda's 64: the role is named `<function_name>-<region>`, IAM allows 64 and region names reach 14.
    condition     = can(regex("^[A-Za-z0-9_-]{1,49}$", var.function_name))
    error_message = "function_name must be 1-49 letters, digits, hyphens or underscores."
  }
}

variable "description" {
  description = "Description shown on the Lambda function."
  type        = string
  default     = ""
}

variable "zip_path" {
  description = "Path of the deployment zip made by `make build` (holds index.mjs exporting `handler`)."
  type        = string

  validation {
    condition     = endswith(var.zip_path, ".zip")
    error_message = "zip_path must name a .zip file."
  }
}

variable "runtime" {
  description = "Lambda runtime; the build targets Node.js 22."
  type        = string
  default     = "nodejs22.x"

  validation {
    condition     = can(regex("^nodejs(2[2-9]|[3-9][0-9])\\.x$", var.runtime))
    error_message = "runtime must be nodejs22.x or newer: the bundle is built for Node.js 22."
  }
}

variable "architecture" {
  description = "Instruction set of the function."
  type        = string
  default     = "arm64"

  validation {
    condition     = contains(["arm64", "x86_64"], var.architecture)
    error_message = "architecture must be arm64 or x86_64."
  }
}

variable "memory_size" {
  description = "Memory in MB (CPU scales with it)."
  type        = number
  default     = 256

  validation {
    condition     = var.memory_size >= 128 && var.memory_size <= 10240 && floor(var.memory_size) == var.memory_size
    error_message = "memory_size must be a whole number of MB between 128 and 10240."
  }
}

variable "timeout" {
  description = "Timeout in seconds. API Gateway waits at most 29 s for an integration and 10 s for an authoriser."
  type        = number
  default     = 10

  validation {
    condition     = var.timeout >= 1 && var.timeout <= 29 && floor(var.timeout) == var.timeout
    error_message = "timeout must be a whole number of seconds between 1 and 29 (API Gateway's integration limit)."
  }
}

variable "reserved_concurrency" {
  description = "Reserved concurrent executions; null leaves the function on the account's unreserved pool."
  type        = number
  default     = null

  validation {
    condition     = var.reserved_concurrency == null || try(var.reserved_concurrency >= 0 && floor(var.reserved_concurrency) == var.reserved_concurrency, false)
    error_message = "reserved_concurrency must be null or a whole number >= 0 (0 disables the function)."
  }
}

variable "environment" {
  description = "Environment variables; entries whose value is null are left unset."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for name in keys(var.environment) : can(regex("^[A-Za-z][A-Za-z0-9_]*$", name)) && !startswith(name, "AWS_")])
    error_message = "environment names must be letters, digits and underscores, start with a letter, and not use the reserved AWS_ prefix."
  }
}

variable "provisioned_concurrency" {
  description = "Environments Lambda keeps initialised (billed while idle) behind a `live` alias of a published version; 0 turns it off and callers invoke $LATEST."
  type        = number
  default     = 0

  validation {
    condition     = var.provisioned_concurrency >= 0 && floor(var.provisioned_concurrency) == var.provisioned_concurrency
    error_message = "provisioned_concurrency must be a whole number >= 0."
  }
}

variable "application_log_level" {
  description = "Lowest level of the function's own JSON log lines that Lambda keeps."
  type        = string
  default     = "INFO"

  validation {
    condition     = contains(["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"], var.application_log_level)
    error_message = "application_log_level must be one of TRACE, DEBUG, INFO, WARN, ERROR, FATAL."
  }
}

variable "log_retention_days" {
  description = "Days CloudWatch Logs keeps the function's log events."
  type        = number
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a retention CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288 or 3653)."
  }
}

variable "log_kms_key_arn" {
  description = "ARN of a KMS key that encrypts the log group; null uses CloudWatch Logs' default encryption. The key policy must allow the logs service principal."
  type        = string
  default     = null

  validation {
    condition     = var.log_kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", var.log_kms_key_arn))
    error_message = "log_kms_key_arn must be null or a KMS key ARN (arn:<partition>:kms:<region>:<account>:key/<id>)."
  }
}

variable "manage_connections_arns" {
  description = "execute-api ARNs of `@connections` operations the function may call (execute-api:ManageConnections); empty for none."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for arn in var.manage_connections_arns : can(regex("^arn:aws[a-z-]*:execute-api:[a-z0-9-]+:[0-9]{12}:[a-z0-9]+/[^/*]+/(POST|GET|DELETE)/@connections/\\*$", arn))])
    error_message = "manage_connections_arns entries must be arn:<partition>:execute-api:<region>:<account>:<api-id>/<stage>/<POST|GET|DELETE>/@connections/*: one API and stage, no wildcard stage."
  }
}

variable "tags" {
  description = "Tags added to every resource of the module."
  type        = map(string)
  default     = {}
}
