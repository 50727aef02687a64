# A new API, or the team's own (existing_api): then only the authoriser, routes, stage and the rest are added.
resource "aws_apigatewayv2_api" "this" {
  count = var.existing_api == null ? 1 : 0

  name                       = var.name
  description                = var.description
  protocol_type              = "WEBSOCKET"
  route_selection_expression = var.route_selection_expression
  # Off only with a custom domain (variables.tf): clients then reach the API by that name alone.
  disable_execute_api_endpoint = var.disable_execute_api_endpoint
  tags                         = var.tags
}

moved {
  from = aws_apigatewayv2_api.this
  to   = aws_apigatewayv2_api.this[0]
}

# Stacks applied before terraform/account existed hold the region's logging role and setting here. Destroying
# them would leave API Gateway naming a deleted role, so an upgrade only forgets them (import them into
# terraform/account, README "Upgrading from a stack that managed the logging role").
removed {
  from = aws_api_gateway_account.this

  lifecycle {
    destroy = false
  }
}

removed {
  from = aws_iam_role_policy_attachment.apigateway_logging

  lifecycle {
    destroy = false
  }
}

removed {
  from = aws_iam_role.apigateway_logging

  lifecycle {
    destroy = false
  }
}

# The team's API as API Gateway describes it: its execution ARN is derived, never typed in.
data "aws_apigatewayv2_api" "existing" {
  count = var.existing_api == null ? 0 : 1

  api_id = var.existing_api.id
}

locals {
  api_id        = var.existing_api != null ? var.existing_api.id : aws_apigatewayv2_api.this[0].id
  execution_arn = var.existing_api != null ? data.aws_apigatewayv2_api.existing[0].execution_arn : aws_apigatewayv2_api.this[0].execution_arn
}

# Authorisation settings (identity_sources) live here; WebSocket APIs reject a result TTL, so
# API Gateway calls the authoriser on every $connect. CreateAuthorizer's IdentitySource is optional
# for a REQUEST authoriser (token location `any`): none is sent as null, not [].
resource "aws_apigatewayv2_authorizer" "this" {
  api_id           = local.api_id
  name             = "${var.name}-jwt"
  authorizer_type  = "REQUEST"
  authorizer_uri   = var.authoriser.invoke_arn
  identity_sources = length(var.authoriser.identity_sources) > 0 ? var.authoriser.identity_sources : null
}

resource "aws_apigatewayv2_integration" "this" {
  for_each = var.routes

  api_id             = local.api_id
  description        = "Lambda ${each.value.function_name} for ${each.key}"
  integration_type   = "AWS_PROXY"
  integration_method = "POST"
  integration_uri    = each.value.invoke_arn
}

resource "aws_apigatewayv2_route" "this" {
  #checkov:skip=CKV_AWS_309:API Gateway accepts an authoriser on $connect only; $disconnect and $default run on a connection $connect already authorised.
  for_each = var.routes

  api_id             = local.api_id
  route_key          = each.key
  target             = "integrations/${aws_apigatewayv2_integration.this[each.key].id}"
  authorization_type = each.key == var.authoriser.route_key ? "CUSTOM" : "NONE"
  authorizer_id      = each.key == var.authoriser.route_key ? aws_apigatewayv2_authorizer.this.id : null
}

# A WebSocket stage ignores auto_deploy (the provider applies it to HTTP APIs only), so changes reach
# clients only through a new deployment. The triggers hash what defines the behaviour of every route,
# integration and the authoriser: a change to any of it makes a new deployment, create_before_destroy
# swaps the stage onto it, and referencing the routes also orders the deployment after them (an API
# without routes cannot be deployed). Whole resources are not hashed: the provider reads some empty
# maps and lists back as null after create and as {} or [] after a refresh, which would redeploy once
# after every fresh apply (found by `make tf-moto`'s empty second plan).
resource "aws_apigatewayv2_deployment" "this" {
  api_id      = local.api_id
  description = "Terraform deployment of ${var.name}"

  triggers = {
    redeployment = sha1(jsonencode([
      [
        aws_apigatewayv2_authorizer.this.id,
        aws_apigatewayv2_authorizer.this.authorizer_type,
        aws_apigatewayv2_authorizer.this.authorizer_uri,
        # No identity source (token location any) reads back as null after create and [] after refresh.
        aws_apigatewayv2_authorizer.this.identity_sources == null ? [] : aws_apigatewayv2_authorizer.this.identity_sources,
      ],
      { for key, integration in aws_apigatewayv2_integration.this : key => [
        integration.id,
        integration.integration_type,
        integration.integration_method,
        integration.integration_uri,
      ] },
      { for key, route in aws_apigatewayv2_route.this : key => [
        route.id,
        route.route_key,
        route.target,
        route.authorization_type,
        route.authorizer_id,
      ] },
    ]))
  }

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_cloudwatch_log_group" "access" {
  #checkov:skip=CKV_AWS_158:CloudWatch Logs encrypts every log group at rest by default, and the lines hold no token; log_kms_key_arn opts into a customer-managed key (its key policy and monthly cost are the caller's choice).
  name              = "/aws/apigateway/${var.name}/${var.stage_name}/access"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.log_kms_key_arn
  tags              = var.tags
}

locals {
  # One JSON line per event. Deliberately absent: the request URL and query string, headers and
  # identity sources, which carry the bearer token.
  access_log_format = jsonencode({
    requestId          = "$context.requestId"
    extendedRequestId  = "$context.extendedRequestId"
    requestTime        = "$context.requestTime"
    eventType          = "$context.eventType"
    routeKey           = "$context.routeKey"
    connectionId       = "$context.connectionId"
    sourceIp           = "$context.identity.sourceIp"
    status             = "$context.status"
    principalId        = "$context.authorizer.principalId"
    authorizeStatus    = "$context.authorize.status"
    authorizeLatency   = "$context.authorize.latency"
    authorizerError    = "$context.authorizer.error"
    integrationStatus  = "$context.integration.status"
    integrationLatency = "$context.integration.latency"
    integrationError   = "$context.integration.error"
    errorMessage       = "$context.error.message"
    errorResponseType  = "$context.error.responseType"
  })
}

resource "aws_apigatewayv2_stage" "this" {
  #checkov:skip=CKV2_AWS_51:A client certificate authenticates API Gateway to HTTP backends; every integration here is a Lambda proxy, and clients authenticate with the JWT.
  api_id        = local.api_id
  name          = var.stage_name
  description   = "Stage ${var.stage_name} of ${var.name}"
  deployment_id = aws_apigatewayv2_deployment.this.id

  default_route_settings {
    throttling_burst_limit   = var.throttling_burst_limit
    throttling_rate_limit    = var.throttling_rate_limit
    detailed_metrics_enabled = var.detailed_metrics_enabled
    # Execution logs at INFO can record request details; the access log above is the audit trail.
    logging_level      = "OFF"
    data_trace_enabled = false
  }

  # Tighter limits on chosen routes; $connect by default (each call runs the authoriser).
  dynamic "route_settings" {
    for_each = var.route_throttling

    content {
      route_key                = route_settings.key
      throttling_burst_limit   = route_settings.value.burst_limit
      throttling_rate_limit    = route_settings.value.rate_limit
      detailed_metrics_enabled = var.detailed_metrics_enabled
      logging_level            = "OFF"
      data_trace_enabled       = false
    }
  }

  access_log_settings {
    destination_arn = aws_cloudwatch_log_group.access.arn
    format          = local.access_log_format
  }

  # API Gateway refuses access logging until the region's account setting names a logging role: that
  # setting is account-wide, so terraform/account (or whoever owns it) sets it, never this module.
  tags = var.tags
}

resource "aws_lambda_permission" "authoriser" {
  statement_id  = "AllowApiGatewayAuthoriser"
  action        = "lambda:InvokeFunction"
  function_name = var.authoriser.function_name
  qualifier     = var.authoriser.qualifier
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${local.execution_arn}/authorizers/${aws_apigatewayv2_authorizer.this.id}"
}

resource "aws_lambda_permission" "route" {
  for_each = var.routes

  statement_id  = "AllowApiGatewayRoute${replace(title(trimprefix(each.key, "$")), "/[^A-Za-z0-9]/", "")}"
  action        = "lambda:InvokeFunction"
  function_name = each.value.function_name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${local.execution_arn}/${var.stage_name}/${each.key}"
}

# Opt-in custom domain: a regional domain name on the caller's ACM certificate, mapped to this stage, and an
# alias record when a Route 53 zone is given.
resource "aws_apigatewayv2_domain_name" "this" {
  count = var.custom_domain == null ? 0 : 1

  domain_name = var.custom_domain.domain_name

  domain_name_configuration {
    certificate_arn = var.custom_domain.certificate_arn
    endpoint_type   = "REGIONAL"
    security_policy = "TLS_1_2"
  }

  tags = var.tags
}

resource "aws_apigatewayv2_api_mapping" "this" {
  count = var.custom_domain == null ? 0 : 1

  api_id          = local.api_id
  domain_name     = aws_apigatewayv2_domain_name.this[0].id
  stage           = aws_apigatewayv2_stage.this.id
  api_mapping_key = var.custom_domain.api_mapping_key
}

resource "aws_route53_record" "this" {
  count = try(var.custom_domain.route53_zone_id, null) == null ? 0 : 1

  zone_id = var.custom_domain.route53_zone_id
  name    = aws_apigatewayv2_domain_name.this[0].domain_name
  type    = "A"

  alias {
    name                   = aws_apigatewayv2_domain_name.this[0].domain_name_configuration[0].target_domain_name
    zone_id                = aws_apigatewayv2_domain_name.this[0].domain_name_configuration[0].hosted_zone_id
    evaluate_target_health = false
  }
}
