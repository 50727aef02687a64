locals {
  # The one description of routes, functions and the token locations, shared with the code and tests.
  api = jsondecode(file("${path.module}/../functions/api.json"))

  create_cognito = var.existing_cognito == null && var.oidc_issuer == null
  user_pool_id = (var.oidc_issuer != null ? null
    : var.existing_cognito != null ? var.existing_cognito.user_pool_id
  : module.cognito[0].user_pool_id)
  client_ids = (var.oidc_issuer != null ? var.oidc_issuer.client_ids
    : var.existing_cognito != null ? var.existing_cognito.client_ids
  : [module.cognito[0].client_id])

  identity_source = replace(local.api.authoriser.tokenLocations[var.token_location], "{TOKEN_QUERY_PARAM}", var.token_query_param)

  # Values left null are not set on the function; the authoriser then uses its own default.
  authoriser_environment = {
    USER_POOL_ID       = local.user_pool_id
    CLIENT_ID          = join(",", local.client_ids)
    TOKEN_USE          = var.token_use
    JWKS_URI           = var.oidc_issuer != null ? var.oidc_issuer.jwks_uri : var.jwks_uri
    ISSUER             = var.oidc_issuer != null ? var.oidc_issuer.issuer : null
    TOKEN_QUERY_PARAM  = var.token_query_param
    REQUIRED_GROUPS    = length(var.required_groups) > 0 ? join(",", var.required_groups) : null
    REQUIRED_SCOPES    = length(var.required_scopes) > 0 ? join(",", var.required_scopes) : null
    GROUPS_CLAIM       = var.groups_claim
    USERNAME_CLAIM     = var.username_claim
    ALLOWED_ALGORITHMS = length(var.allowed_algorithms) > 0 ? join(",", var.allowed_algorithms) : null
    JWKS_JSON          = var.jwks_json
    JWKS_CACHE_SECONDS = tostring(var.jwks_cache_seconds)
  }
  registry_environment = { CONNECTIONS_TABLE = module.connection_registry.table_name }
  # USER_POOL_ID: the one pool whose AdminUserGlobalSignOut events revoke acts on (null with another issuer).
  revoke_environment = { CONNECTIONS_TABLE = module.connection_registry.table_name, USER_POOL_ID = local.user_pool_id }
  # The sweeper checks its warning window against its schedule: the interval of a rate(...) expression, in seconds.
  sweep_rate_units = { minute = 60, minutes = 60, hour = 3600, hours = 3600, day = 86400, days = 86400 }
  sweep_interval_seconds = try(
    tonumber(regex("^rate\\(([0-9]+) ", var.sweep_schedule)[0]) * local.sweep_rate_units[regex(" ([a-z]+)\\)$", var.sweep_schedule)[0]],
    null,
  )
  sweeper_environment = {
    REAUTH_WARNING_SECONDS = tostring(var.reauth_warning_seconds)
    SWEEP_INTERVAL_SECONDS = local.sweep_interval_seconds == null ? null : tostring(local.sweep_interval_seconds)
  }
  # api.json's per-route groups and scopes (functions/shared/route-authorisation.ts); unset when none are declared.
  route_authorisation = try(local.api.routeAuthorisation, {})
  route_environment = {
    ROUTE_REQUIREMENTS = length(local.route_authorisation) > 0 ? jsonencode(local.route_authorisation) : null
  }
  function_environment = {
    authoriser = local.authoriser_environment
    connect    = local.registry_environment
    disconnect = local.registry_environment
    message    = merge(local.registry_environment, local.route_environment)
    # Refresh verifies with the authoriser's own settings (functions/refresh/verify.ts).
    refresh = merge(local.authoriser_environment, local.registry_environment)
    sweeper = merge(local.registry_environment, local.sweeper_environment)
    revoke  = local.revoke_environment
  }

  # POST answers the sender (or tells a revoked one), DELETE drops a connection whose token expired or was revoked.
  connection_operations = ["POST", "DELETE"]
}

module "cognito" {
  source = "./modules/cognito"
  count  = local.create_cognito ? 1 : 0

  name                          = var.name
  deletion_protection           = var.cognito_deletion_protection
  password_minimum_length       = var.cognito_password_minimum_length
  mfa_configuration             = var.cognito_mfa_configuration
  allow_user_password_auth      = var.cognito_allow_user_password_auth
  access_token_validity_minutes = var.access_token_validity_minutes
  id_token_validity_minutes     = var.id_token_validity_minutes
  refresh_token_validity_days   = var.refresh_token_validity_days
  groups                        = var.cognito_groups
  tags                          = var.tags
}

module "function" {
  source   = "./modules/lambda-function"
  for_each = local.api.functions

  function_name        = "${var.name}-${each.key}"
  description          = "WebSocket JWT auth: ${each.key}"
  zip_path             = "${path.module}/../dist/${each.key}.zip"
  environment          = local.function_environment[each.key]
  memory_size          = var.lambda_memory_size
  timeout              = var.lambda_timeout
  reserved_concurrency = lookup(var.reserved_concurrency, each.key, null)
  # Only the authoriser stands between a client and $connect; the other routes run after it.
  provisioned_concurrency = each.key == local.api.authoriser.function ? var.authoriser_provisioned_concurrency : 0
  application_log_level   = var.application_log_level
  log_retention_days      = var.log_retention_days
  log_kms_key_arn         = var.log_kms_key_arn
  tags                    = var.tags

  manage_connections_arns = each.value.managesConnections ? [
    for operation in local.connection_operations :
    "${module.websocket_api.execution_arn}/${var.stage_name}/${operation}/@connections/*"
  ] : []
}

module "websocket_api" {
  source = "./modules/websocket-api"

  name                       = var.name
  stage_name                 = var.stage_name
  route_selection_expression = local.api.routeSelectionExpression

  routes = {
    for route_key, function in local.api.routes : route_key => {
      function_name = module.function[function].function_name
      invoke_arn    = module.function[function].invoke_arn
    }
  }

  authoriser = {
    function_name    = module.function[local.api.authoriser.function].function_name
    invoke_arn       = module.function[local.api.authoriser.function].invoke_arn
    qualifier        = module.function[local.api.authoriser.function].qualifier
    route_key        = local.api.authoriser.route
    identity_sources = compact([local.identity_source])
  }

  existing_api                 = var.existing_api
  route_throttling             = var.route_throttling
  custom_domain                = var.custom_domain
  disable_execute_api_endpoint = var.disable_execute_api_endpoint
  detailed_metrics_enabled     = var.alarms != null
  throttling_burst_limit       = var.throttling_burst_limit
  throttling_rate_limit        = var.throttling_rate_limit
  log_retention_days           = var.log_retention_days
  log_kms_key_arn              = var.log_kms_key_arn
  tags                         = var.tags
}

module "alarms" {
  source = "./modules/alarms"
  count  = var.alarms == null ? 0 : 1

  name                         = var.name
  sns_topic_arn                = var.alarms.sns_topic_arn
  period_seconds               = var.alarms.period_seconds
  evaluation_periods           = var.alarms.evaluation_periods
  api_id                       = module.websocket_api.api_id
  stage_name                   = module.websocket_api.stage_name
  function_names               = { for name, function in module.function : name => function.function_name }
  authoriser_key               = local.api.authoriser.function
  authoriser_log_group_name    = module.function[local.api.authoriser.function].log_group_name
  connections_table_name       = module.connection_registry.table_name
  active_connections_threshold = var.alarms.active_connections_threshold
  tags                         = var.tags
}
