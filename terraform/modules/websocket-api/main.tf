resource "aws_apigatewayv2_api" "this" {
  name                       = var.name
  description                = var.description
  protocol_type              = "WEBSOCKET"
  route_selection_expression = var.route_selection_expression
  tags                       = var.tags
}

# Authorisation settings (identity_sources) live here; WebSocket APIs reject a result TTL, so
# API Gateway calls the authoriser on every $connect. CreateAuthorizer's IdentitySource is optional
# for a REQUEST authoriser (token location `any`): none is sent as null, not [].
resource "aws_apigatewayv2_authorizer" "this" {
  api_id           = aws_apigatewayv2_api.this.id
  name             = "${var.name}-jwt"
  authorizer_type  = "REQUEST"
  authorizer_uri   = var.authoriser.invoke_arn
  identity_sources = length(var.authoriser.identity_sources) > 0 ? var.authoriser.identity_sources : null
}

resource "aws_apigatewayv2_integration" "this" {
  for_each = var.routes

  api_id             = aws_apigatewayv2_api.this.id
  description        = "Lambda ${each.value.function_name} for ${each.key}"
  integration_type   = "AWS_PROXY"
  integration_method = "POST"
  integration_uri    = each.value.invoke_arn
}

resource "aws_apigatewayv2_route" "this" {
  #checkov:skip=CKV_AWS_309:API Gateway accepts an authoriser on $connect only; $disconnect and $default run on a connection $connect already authorised.
  for_each = var.routes

  api_id             = aws_apigatewayv2_api.this.id
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
  api_id      = aws_apigatewayv2_api.this.id
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
  name              = "/aws/apigateway/${var.name}/${var.stage_name}/access"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.log_kms_key_arn
  tags              = var.tags
}

# The account-level role API Gateway uses to write any stage's logs in this region.
data "aws_iam_policy_document" "apigateway_assume_role" {
  count = var.manage_account_logging_role ? 1 : 0

  statement {
    effect  = "Allow"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["apigateway.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "apigateway_logging" {
  count = var.manage_account_logging_role ? 1 : 0

  name               = "${var.name}-apigateway-logging"
  description        = "Lets API Gateway write access and execution logs to CloudWatch Logs (regional account setting)."
  assume_role_policy = data.aws_iam_policy_document.apigateway_assume_role[0].json
  tags               = var.tags
}

data "aws_partition" "current" {}

resource "aws_iam_role_policy_attachment" "apigateway_logging" {
  count = var.manage_account_logging_role ? 1 : 0

  role       = aws_iam_role.apigateway_logging[0].name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"
}

resource "aws_api_gateway_account" "this" {
  count = var.manage_account_logging_role ? 1 : 0

  cloudwatch_role_arn = aws_iam_role.apigateway_logging[0].arn

  depends_on = [aws_iam_role_policy_attachment.apigateway_logging]
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
  api_id        = aws_apigatewayv2_api.this.id
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

  access_log_settings {
    destination_arn = aws_cloudwatch_log_group.access.arn
    format          = local.access_log_format
  }

  tags = var.tags

  # API Gateway refuses access logging until the account has a logging role.
  depends_on = [aws_api_gateway_account.this]
}

resource "aws_lambda_permission" "authoriser" {
  statement_id  = "AllowApiGatewayAuthoriser"
  action        = "lambda:InvokeFunction"
  function_name = var.authoriser.function_name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_apigatewayv2_api.this.execution_arn}/authorizers/${aws_apigatewayv2_authorizer.this.id}"
}

resource "aws_lambda_permission" "route" {
  for_each = var.routes

  statement_id  = "AllowApiGatewayRoute${replace(title(trimprefix(each.key, "$")), "/[^A-Za-z0-9]/", "")}"
  action        = "lambda:InvokeFunction"
  function_name = each.value.function_name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_apigatewayv2_api.this.execution_arn}/${var.stage_name}/${each.key}"
}
