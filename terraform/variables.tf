variable "name" {
  description = "Prefix of every resource name (API, functions, user pool, log groups); one per environment in the same account and region. IAM role names (global in an account) also carry the region, so the same name may be used in two regions."
  type        = string
  default     = "wsauth"

  validation {
    # 32: role names are `<name>-<function>-<region>` and IAM allows 64 (the longest function and region names take 26).
    condition     = can(regex("^[a-z][a-z0-9-]{1,30}[a-z0-9]$", var.name))
    error_message = "name must be 3-32 lower-case letters, digits or hyphens, starting with a letter and not ending with a hyphen."
  }
}

variable "stage_name" {
  description = "WebSocket API stage name (last path segment of the wss:// URL)."
  type        = string
  default     = "prod"

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,128}$", var.stage_name))
    error_message = "stage_name must be 1-128 letters, digits, hyphens or underscores."
  }
}

variable "tags" {
  description = "Tags added to the resources of the stack (terraform/deploy also applies them, with Project = name, as the provider's default_tags)."
  type        = map(string)
  default     = {}
}

variable "token_location" {
  description = "Where clients send the JWT on $connect, and so the authoriser's identity source: `query` (?<token_query_param>=<jwt>), `protocol` (Sec-WebSocket-Protocol: bearer, <jwt>), or `any` (no identity source: either place, so one stack serves wscat and browsers). With query or protocol, API Gateway answers 401 without calling the authoriser when that source is missing; with any, every $connect invokes the authoriser, which refuses a missing token itself."
  type        = string
  default     = "query"

  validation {
    condition     = contains(["query", "protocol", "any"], var.token_location)
    error_message = "token_location must be query, protocol or any."
  }
}

variable "token_query_param" {
  description = "Query string parameter that carries the JWT when token_location is query (authoriser TOKEN_QUERY_PARAM)."
  type        = string
  default     = "auth"

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,64}$", var.token_query_param))
    error_message = "token_query_param must be 1-64 letters, digits, hyphens or underscores."
  }
}

variable "token_use" {
  description = "Which token the authoriser accepts: id, access or any (authoriser TOKEN_USE); null lets it choose (id for Cognito, any for an OIDC issuer, whose tokens carry no token_use)."
  type        = string
  default     = null

  validation {
    condition     = var.token_use == null || contains(["id", "access", "any"], coalesce(var.token_use, "unset"))
    error_message = "token_use must be null, id, access or any."
  }
}

variable "cognito_groups" {
  description = "Groups to create in the created user pool, by name (description, optional precedence); required_groups must name groups from here when the stack creates the pool."
  type = map(object({
    description = optional(string, "")
    precedence  = optional(number)
  }))
  default = {}
}

variable "required_groups" {
  description = "Cognito groups of which a user must belong to at least one to connect; empty lets any user of the pool in (authoriser REQUIRED_GROUPS)."
  type        = list(string)
  default     = []

  validation {
    # Only the created pool is known here; an existing pool or another issuer is trusted as it is.
    condition     = var.existing_cognito != null || var.oidc_issuer != null || alltrue([for group in var.required_groups : contains(keys(var.cognito_groups), group)])
    error_message = "required_groups must name groups of cognito_groups when this stack creates the user pool: a group that does not exist would refuse everyone."
  }

  validation {
    condition     = alltrue([for group in var.required_groups : can(regex("^[^,\\s]{1,128}$", group))])
    error_message = "required_groups entries must be 1-128 characters without commas or spaces."
  }
}

variable "required_scopes" {
  description = "OAuth scopes of which an access token must carry at least one to connect; empty checks no scope (authoriser REQUIRED_SCOPES). Needs token_use access or any."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for scope in var.required_scopes : can(regex("^[!#-\\[\\]-~]{1,256}$", scope)) && !strcontains(scope, ",")])
    error_message = "required_scopes entries must be 1-256 printable characters without spaces, commas, quotes or backslashes."
  }
}

variable "groups_claim" {
  description = "Where the groups are in the token: a claim name or a dotted path such as realm_access.roles (authoriser GROUPS_CLAIM); null uses cognito:groups."
  type        = string
  default     = null

  validation {
    condition     = var.groups_claim == null || can(regex("^[!-~]{1,256}$", coalesce(var.groups_claim, "x")))
    error_message = "groups_claim must be 1-256 printable characters without spaces."
  }
}

variable "username_claim" {
  description = "With oidc_issuer: the claim (name or dotted path) that names the user, such as preferred_username (authoriser USERNAME_CLAIM); null names the user by sub."
  type        = string
  default     = null

  validation {
    condition     = var.username_claim == null || (var.oidc_issuer != null && can(regex("^[!-~]{1,256}$", coalesce(var.username_claim, "x"))))
    error_message = "username_claim must be 1-256 printable characters without spaces, and is set only with oidc_issuer (Cognito names the user itself)."
  }
}

variable "allowed_algorithms" {
  description = "Token signature algorithms the authoriser accepts (authoriser ALLOWED_ALGORITHMS); empty uses RS256, which Cognito signs with."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for alg in var.allowed_algorithms : contains(["RS256", "RS384", "RS512", "ES256", "ES384", "ES512", "EdDSA"], alg)])
    error_message = "allowed_algorithms entries must be among RS256, RS384, RS512, ES256, ES384, ES512, EdDSA."
  }
}

variable "existing_api" {
  description = "A WebSocket API your team already has, by id; its execution ARN is read from API Gateway. The stack then adds the authoriser, routes, a deployment and stage_name to it instead of creating an API (the API must have no $connect, $disconnect or $default routes yet). Null creates an API."
  type = object({
    id = string
  })
  default = null
}

variable "route_throttling" {
  description = "Per-route limits tighter than the stage-wide ones, by route key (burst requests, rate per second). The default holds $connect, where each call runs the authoriser, to a fifth of the stage-wide default."
  type = map(object({
    burst_limit = number
    rate_limit  = number
  }))
  default = { "$connect" = { burst_limit = 20, rate_limit = 10 } }
}

variable "custom_domain" {
  description = "A custom domain for the API, or null: domain_name, the ARN of its ACM certificate in this region (certificate_arn), an optional path (api_mapping_key) and an optional Route 53 zone (route53_zone_id) for an alias record."
  type = object({
    domain_name     = string
    certificate_arn = string
    api_mapping_key = optional(string)
    route53_zone_id = optional(string)
  })
  default = null
}

variable "disable_execute_api_endpoint" {
  description = "Whether clients may connect only through custom_domain (the default execute-api endpoint turned off). See the websocket-api module's README before turning it on."
  type        = bool
  default     = false
}

variable "authoriser_provisioned_concurrency" {
  description = "Authoriser environments Lambda keeps initialised (billed while idle), so that $connect never waits for a cold start; 0 turns it off."
  type        = number
  default     = 0
}

variable "alarms" {
  description = "Opt-in CloudWatch alarms (authoriser errors, $connect errors, Lambda errors and throttles, failed reauth_required warnings, and active connections above active_connections_threshold when set) to an SNS topic: sns_topic_arn of yours, or null to create one. Turns on per-route API metrics (billed as custom metrics). Null: no alarms."
  type = object({
    sns_topic_arn      = optional(string)
    period_seconds     = optional(number, 300)
    evaluation_periods = optional(number, 1)
    # Alarm when the ActiveConnections gauge goes above this; null: no such alarm.
    active_connections_threshold = optional(number)
  })
  default = null
}

variable "jwks_uri" {
  description = "Override of the JWKS URL of the Cognito pool (authoriser JWKS_URI); null derives it from the pool id. For another OIDC issuer use oidc_issuer.jwks_uri."
  type        = string
  default     = null

  validation {
    condition     = var.jwks_uri == null || can(regex("^https://[^\\s]+$", var.jwks_uri))
    error_message = "jwks_uri must be null or an https:// URL."
  }
}

variable "jwks_json" {
  description = "The pool's JWKS document (JSON), passed to the authoriser to seed its key cache so a cold start makes no network call; null fetches it on first use (authoriser JWKS_JSON). Example: jwks_json = file(\"jwks.json\")."
  type        = string
  default     = null

  validation {
    condition     = var.jwks_json == null || can(jsondecode(var.jwks_json).keys)
    error_message = "jwks_json must be null or a JSON document with a `keys` array."
  }

  validation {
    # Lambda caps the whole environment at 4 KB.
    condition     = var.jwks_json == null ? true : length(var.jwks_json) <= 3000
    error_message = "jwks_json must be at most 3000 characters: Lambda limits all environment variables to 4 KB together."
  }
}

variable "jwks_cache_seconds" {
  description = "How long the authoriser keeps fetched signing keys, in seconds (authoriser JWKS_CACHE_SECONDS)."
  type        = number
  default     = 3600

  validation {
    condition     = var.jwks_cache_seconds >= 60 && var.jwks_cache_seconds <= 86400 && floor(var.jwks_cache_seconds) == var.jwks_cache_seconds
    error_message = "jwks_cache_seconds must be a whole number between 60 and 86400."
  }
}

variable "existing_cognito" {
  description = "An existing user pool and its app client ids to trust instead of creating a pool; null creates a pool and a public client."
  type = object({
    user_pool_id = string
    client_ids   = list(string)
  })
  default = null

  validation {
    condition     = var.existing_cognito == null || can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]_[0-9A-Za-z]+$", var.existing_cognito.user_pool_id))
    error_message = "existing_cognito.user_pool_id must look like eu-west-1_AbC123."
  }

  validation {
    condition     = var.existing_cognito == null || try(length(var.existing_cognito.client_ids) > 0 && alltrue([for id in var.existing_cognito.client_ids : can(regex("^[0-9a-z]{1,128}$", id))]), false)
    error_message = "existing_cognito.client_ids must list at least one app client id (lower-case letters and digits)."
  }
}

variable "oidc_issuer" {
  description = "A non-Cognito OIDC issuer to trust instead of a Cognito pool: its iss value, JWKS URL and the client ids (aud/client_id) it issues tokens to (authoriser ISSUER, JWKS_URI, CLIENT_ID). Null uses Cognito."
  type = object({
    issuer     = string
    jwks_uri   = string
    client_ids = list(string)
  })
  default = null

  validation {
    condition     = var.oidc_issuer == null || try(can(regex("^https://[^\\s]+$", var.oidc_issuer.issuer)) && can(regex("^https://[^\\s]+$", var.oidc_issuer.jwks_uri)), false)
    error_message = "oidc_issuer.issuer and oidc_issuer.jwks_uri must be https:// URLs."
  }

  validation {
    condition     = var.oidc_issuer == null || try(length(var.oidc_issuer.client_ids) > 0 && alltrue([for id in var.oidc_issuer.client_ids : can(regex("^[\\w.:/-]{1,128}$", id))]), false)
    error_message = "oidc_issuer.client_ids must list at least one client id (letters, digits, _ . : / -)."
  }

  validation {
    condition     = var.oidc_issuer == null || var.existing_cognito == null
    error_message = "Set at most one of oidc_issuer and existing_cognito: the authoriser trusts one issuer."
  }
}

variable "cognito_deletion_protection" {
  description = "Whether the created user pool is protected from deletion (set false and apply before `destroy`)."
  type        = bool
  default     = true
}

variable "cognito_password_minimum_length" {
  description = "Minimum password length of the created user pool."
  type        = number
  default     = 12

  validation {
    condition     = var.cognito_password_minimum_length >= 8 && var.cognito_password_minimum_length <= 99
    error_message = "cognito_password_minimum_length must be between 8 and 99."
  }
}

variable "cognito_mfa_configuration" {
  description = "TOTP multi-factor authentication of the created pool: OFF, OPTIONAL or ON."
  type        = string
  default     = "OPTIONAL"

  validation {
    condition     = contains(["OFF", "OPTIONAL", "ON"], var.cognito_mfa_configuration)
    error_message = "cognito_mfa_configuration must be OFF, OPTIONAL or ON."
  }
}

variable "cognito_allow_user_password_auth" {
  description = "Whether the created app client also accepts USER_PASSWORD_AUTH, which the README's `aws cognito-idp initiate-auth` walkthrough uses. Keep false in production (SRP never sends the password)."
  type        = bool
  default     = false
}

variable "access_token_validity_minutes" {
  description = "Lifetime of the created client's access tokens, in minutes (5-1440)."
  type        = number
  default     = 60

  validation {
    condition     = var.access_token_validity_minutes >= 5 && var.access_token_validity_minutes <= 1440
    error_message = "access_token_validity_minutes must be between 5 and 1440."
  }
}

variable "id_token_validity_minutes" {
  description = "Lifetime of the created client's ID tokens, in minutes (5-1440)."
  type        = number
  default     = 60

  validation {
    condition     = var.id_token_validity_minutes >= 5 && var.id_token_validity_minutes <= 1440
    error_message = "id_token_validity_minutes must be between 5 and 1440."
  }
}

variable "refresh_token_validity_days" {
  description = "Lifetime of the created client's refresh tokens, in days (1-3650)."
  type        = number
  default     = 30

  validation {
    condition     = var.refresh_token_validity_days >= 1 && var.refresh_token_validity_days <= 3650
    error_message = "refresh_token_validity_days must be between 1 and 3650."
  }
}

variable "lambda_memory_size" {
  description = "Memory in MB of every function."
  type        = number
  default     = 256

  validation {
    condition     = var.lambda_memory_size >= 128 && var.lambda_memory_size <= 10240
    error_message = "lambda_memory_size must be between 128 and 10240."
  }
}

variable "lambda_timeout" {
  description = "Timeout in seconds of every function; API Gateway gives an authoriser at most 10 s."
  type        = number
  default     = 10

  validation {
    condition     = var.lambda_timeout >= 1 && var.lambda_timeout <= 29
    error_message = "lambda_timeout must be between 1 and 29 seconds."
  }
}

variable "reserved_concurrency" {
  description = "Reserved concurrent executions by function name (authoriser, connect, disconnect, message, refresh, sweeper, revoke); functions not listed use the unreserved pool."
  type        = map(number)
  default     = {}

  validation {
    condition     = alltrue([for name, value in var.reserved_concurrency : contains(["authoriser", "connect", "disconnect", "message", "refresh", "sweeper", "revoke"], name) && value >= 0 && floor(value) == value])
    error_message = "reserved_concurrency keys must be authoriser, connect, disconnect, message, refresh or sweeper, and values whole numbers >= 0."
  }
}

variable "application_log_level" {
  description = "Lowest level of the functions' own JSON log lines that Lambda keeps."
  type        = string
  default     = "INFO"

  validation {
    condition     = contains(["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"], var.application_log_level)
    error_message = "application_log_level must be one of TRACE, DEBUG, INFO, WARN, ERROR, FATAL."
  }
}

variable "log_retention_days" {
  description = "Days CloudWatch Logs keeps function and access logs."
  type        = number
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a retention CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288 or 3653)."
  }
}

variable "log_kms_key_arn" {
  description = "ARN of a KMS key that encrypts every log group; null uses CloudWatch Logs' default encryption. Its key policy must allow logs.<region>.amazonaws.com."
  type        = string
  default     = null

  validation {
    condition     = var.log_kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", var.log_kms_key_arn))
    error_message = "log_kms_key_arn must be null or a KMS key ARN."
  }
}

variable "throttling_burst_limit" {
  description = "Stage-wide burst limit (requests) on every route."
  type        = number
  default     = 100

  validation {
    condition     = var.throttling_burst_limit >= 1
    error_message = "throttling_burst_limit must be at least 1."
  }
}

variable "throttling_rate_limit" {
  description = "Stage-wide steady-state rate (requests per second) on every route."
  type        = number
  default     = 50

  validation {
    condition     = var.throttling_rate_limit > 0
    error_message = "throttling_rate_limit must be greater than 0."
  }
}

variable "registry_kms_key_arn" {
  description = "Customer managed KMS key for the connection registry table; null uses DynamoDB's AWS owned key."
  type        = string
  default     = null

  validation {
    condition     = var.registry_kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", var.registry_kms_key_arn))
    error_message = "registry_kms_key_arn must be null or a KMS key ARN."
  }
}

variable "revoke_on_admin_sign_out" {
  description = "Invoke the revoke function on Cognito's AdminUserGlobalSignOut (EventBridge rule on CloudTrail's record of it): needs a Cognito pool and a CloudTrail trail logging management events in the account; best effort, no bound."
  type        = bool
  default     = false
}

variable "sweep_schedule" {
  description = "EventBridge schedule of the sweeper that closes connections whose token expired; no connection outlives its token by more than one interval."
  type        = string
  default     = "rate(1 minute)"

  validation {
    condition     = can(regex("^(rate\\((1 (minute|hour|day)|([2-9]|[1-9][0-9]+) (minutes|hours|days))\\)|cron\\(.+\\))$", var.sweep_schedule))
    error_message = "sweep_schedule must be an EventBridge rate(...) or cron(...) expression: rate(1 minute), rate(5 minutes) (a value of 1 takes the singular unit, others the plural, as EventBridge requires)."
  }
}

variable "reauth_warning_seconds" {
  description = "How long before a connection's token expires the sweeper sends it {\"type\":\"reauth_required\",\"exp\":...} (the sweeper's REAUTH_WARNING_SECONDS), once per exp; 0 sends none. At least one interval of a rate(...) sweep_schedule, or connections whose exp falls between two sweeps get no warning."
  type        = number
  default     = 120

  validation {
    condition     = var.reauth_warning_seconds >= 0 && var.reauth_warning_seconds <= 7200 && floor(var.reauth_warning_seconds) == var.reauth_warning_seconds
    error_message = "reauth_warning_seconds must be whole seconds from 0 (no warning) to 7200."
  }

  validation {
    condition = var.reauth_warning_seconds == 0 || (
      can(regex("^rate\\(", var.sweep_schedule)) &&
      var.reauth_warning_seconds >= try(tonumber(regex("^rate\\(([0-9]+) ", var.sweep_schedule)[0]) * { minute = 60, minutes = 60, hour = 3600, hours = 3600, day = 86400, days = 86400 }[regex(" ([a-z]+)\\)$", var.sweep_schedule)[0]], 0)
    )
    error_message = "reauth_warning_seconds must be 0 or at least one interval of sweep_schedule (rate(1 minute) = 60), which must then be a rate(...) expression: a shorter window leaves some connections without a warning."
  }
}
