locals {
  # The one description of routes, functions and the token locations, shared with the code and tests.
  stack = jsondecode(file("${path.module}/../functions/stack.json"))

  create_cognito = var.existing_cognito == null && var.oidc_issuer == null
  user_pool_id = (var.oidc_issuer != null ? null
    : var.existing_cognito != null ? var.existing_cognito.user_pool_id
  : module.cognito[0].user_pool_id)
  client_ids = (var.oidc_issuer != null ? var.oidc_issuer.client_ids
    : var.existing_cognito != null ? var.existing_cognito.client_ids
  : [module.cognito[0].client_id])

  identity_source = replace(local.stack.authoriser.tokenLocations[var.token_location], "{TOKEN_QUERY_PARAM}", var.token_query_param)

  # Values left null are not set on the function; the authoriser then uses its own default.
  function_environment = {
    authoriser = {
      USER_POOL_ID       = local.user_pool_id
      CLIENT_ID          = join(",", local.client_ids)
      TOKEN_USE          = var.token_use
      JWKS_URI           = var.oidc_issuer != null ? var.oidc_issuer.jwks_uri : var.jwks_uri
      ISSUER             = var.oidc_issuer != null ? var.oidc_issuer.issuer : null
      TOKEN_QUERY_PARAM  = var.token_query_param
      REQUIRED_GROUPS    = length(var.required_groups) > 0 ? join(",", var.required_groups) : null
      JWKS_JSON          = var.jwks_json
      JWKS_CACHE_SECONDS = tostring(var.jwks_cache_seconds)
    }
    connect    = {}
    disconnect = {}
    message    = {}
  }

  # POST answers the sender, DELETE drops a connection whose token expired.
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
}

module "function" {
  source   = "./modules/lambda-function"
  for_each = local.stack.functions

  function_name         = "${var.name}-${each.key}"
  description           = "WebSocket JWT auth: ${each.key}"
  zip_path              = "${path.module}/../dist/${each.key}.zip"
  environment           = local.function_environment[each.key]
  memory_size           = var.lambda_memory_size
  timeout               = var.lambda_timeout
  reserved_concurrency  = lookup(var.reserved_concurrency, each.key, null)
  application_log_level = var.application_log_level
  log_retention_days    = var.log_retention_days
  log_kms_key_arn       = var.log_kms_key_arn

  manage_connections_arns = each.value.managesConnections ? [
    for operation in local.connection_operations :
    "${module.websocket_api.execution_arn}/${var.stage_name}/${operation}/@connections/*"
  ] : []
}

module "websocket_api" {
  source = "./modules/websocket-api"

  name                       = var.name
  stage_name                 = var.stage_name
  route_selection_expression = local.stack.routeSelectionExpression

  routes = {
    for route_key, function in local.stack.routes : route_key => {
      function_name = module.function[function].function_name
      invoke_arn    = module.function[function].invoke_arn
    }
  }

  authoriser = {
    function_name    = module.function[local.stack.authoriser.function].function_name
    invoke_arn       = module.function[local.stack.authoriser.function].invoke_arn
    route_key        = local.stack.authoriser.route
    identity_sources = compact([local.identity_source])
  }

  throttling_burst_limit      = var.throttling_burst_limit
  throttling_rate_limit       = var.throttling_rate_limit
  log_retention_days          = var.log_retention_days
  log_kms_key_arn             = var.log_kms_key_arn
  manage_account_logging_role = var.manage_api_gateway_account_logging_role
}
