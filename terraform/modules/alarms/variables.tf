variable "name" {
  description = "Prefix of the alarm, metric filter and topic names."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9][A-Za-z0-9_-]{0,200}$", var.name))
    error_message = "name must be 1-201 letters, digits, hyphens or underscores, starting with a letter or digit."
  }
}

variable "sns_topic_arn" {
  description = "SNS topic that receives alarm and OK notifications; null creates `<name>-alarms`."
  type        = string
  default     = null

  validation {
    condition     = var.sns_topic_arn == null || can(regex("^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:.+$", var.sns_topic_arn))
    error_message = "sns_topic_arn must be null or an SNS topic ARN."
  }
}

variable "api_id" {
  description = "ID of the WebSocket API whose $connect errors are watched (per-route metrics must be on)."
  type        = string
}

variable "stage_name" {
  description = "Stage of the API whose $connect errors are watched."
  type        = string
}

variable "function_names" {
  description = "Lambda function names to watch, by short name (authoriser, connect, ...)."
  type        = map(string)
}

variable "authoriser_key" {
  description = "Key of function_names that is the authoriser: watched through its logged faults, not its Errors metric."
  type        = string
  default     = "authoriser"
}

variable "authoriser_log_group_name" {
  description = "The authoriser's log group, whose JSON lines give its faults (reasons internal and keys_unavailable)."
  type        = string
}

variable "metric_namespace" {
  description = "CloudWatch namespace of the authoriser-fault metric."
  type        = string
  default     = "WebSocketAuth"
}

variable "period_seconds" {
  description = "Length of each evaluated period, in seconds (a multiple of 60)."
  type        = number
  default     = 300

  validation {
    condition     = var.period_seconds >= 60 && var.period_seconds % 60 == 0
    error_message = "period_seconds must be a multiple of 60."
  }
}

variable "evaluation_periods" {
  description = "Consecutive periods with at least one event before an alarm fires."
  type        = number
  default     = 1

  validation {
    condition     = var.evaluation_periods >= 1 && floor(var.evaluation_periods) == var.evaluation_periods
    error_message = "evaluation_periods must be a whole number >= 1."
  }
}

variable "tags" {
  description = "Tags added to every resource of the module."
  type        = map(string)
  default     = {}
}

variable "connections_table_name" {
  description = "The connection registry's table name: the ConnectionsTable dimension of the connection metrics the functions write in EMF."
  type        = string
}

variable "connection_metrics_namespace" {
  description = "CloudWatch namespace of the connection metrics (functions/shared/metrics.ts writes them under WsAuth)."
  type        = string
  default     = "WsAuth"
}

variable "active_connections_threshold" {
  description = "Alarm when the ActiveConnections gauge (counted by each sweep) goes above this many; null: no such alarm."
  type        = number
  default     = null

  validation {
    condition     = var.active_connections_threshold == null || try(var.active_connections_threshold >= 0, false)
    error_message = "active_connections_threshold must be null or a number of connections >= 0."
  }
}
