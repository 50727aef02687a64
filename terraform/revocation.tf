# Revocation (issue 18): the revoke function is in module.function (functions/api.json `invoked`); this file holds
# its optional automatic path. Cognito's AdminUserGlobalSignOut, as CloudTrail records it and EventBridge delivers
# it, invokes revoke, which maps the Username (possibly an alias) to a sub with AdminGetUser. It needs a CloudTrail
# trail logging management events in the account (outside this stack), and delivery is best effort: no bound.
# GlobalSignOut and RevokeToken cannot be mapped: they carry only a token, which CloudTrail hides.

locals {
  revoke_function    = local.api.invoked[0]
  revoke_on_sign_out = var.revoke_on_admin_sign_out ? 1 : 0
  # arn:<partition>:lambda:<region>:<account>:function:<name>: the pool's ARN from the same parts, with no STS call
  # (an aws_caller_identity would stop every offline plan).
  revoke_arn_parts = split(":", module.function[local.revoke_function].function_arn)
  user_pool_arn    = "arn:${local.revoke_arn_parts[1]}:cognito-idp:${local.revoke_arn_parts[3]}:${local.revoke_arn_parts[4]}:userpool/${local.user_pool_id}"
}

resource "aws_cloudwatch_event_rule" "revoke_on_sign_out" {
  count       = local.revoke_on_sign_out
  name        = "${var.name}-revoke-on-sign-out"
  description = "Closes a user's WebSocket connections when Cognito's AdminUserGlobalSignOut succeeds (from CloudTrail)."
  event_pattern = jsonencode({
    source      = ["aws.cognito-idp"]
    detail-type = ["AWS API Call via CloudTrail"]
    detail = {
      eventSource       = ["cognito-idp.amazonaws.com"]
      eventName         = ["AdminUserGlobalSignOut"]
      errorCode         = [{ exists = false }]
      requestParameters = { userPoolId = [local.user_pool_id] }
    }
  })
  tags = var.tags

  lifecycle {
    precondition {
      condition     = local.user_pool_id != null
      error_message = "revoke_on_admin_sign_out needs a Cognito user pool (created here or existing_cognito), not oidc_issuer."
    }
  }
}

resource "aws_cloudwatch_event_target" "revoke_on_sign_out" {
  count = local.revoke_on_sign_out
  rule  = aws_cloudwatch_event_rule.revoke_on_sign_out[0].name
  arn   = module.function[local.revoke_function].function_arn

  retry_policy {
    maximum_event_age_in_seconds = 3600
    maximum_retry_attempts       = 3
  }
}

resource "aws_lambda_permission" "revoke_on_sign_out" {
  count         = local.revoke_on_sign_out
  statement_id  = "AllowRevokeOnSignOut"
  action        = "lambda:InvokeFunction"
  function_name = module.function[local.revoke_function].function_name
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.revoke_on_sign_out[0].arn
}

# The Username in the event to the sub the registry is keyed by: one user pool, one action.
data "aws_iam_policy_document" "revoke_user_lookup" {
  count = local.revoke_on_sign_out

  statement {
    sid       = "MapSignedOutUserToSub"
    effect    = "Allow"
    actions   = ["cognito-idp:AdminGetUser"]
    resources = [local.user_pool_arn]
  }
}

resource "aws_iam_role_policy" "revoke_user_lookup" {
  count  = local.revoke_on_sign_out
  name   = "revoke-user-lookup"
  role   = module.function[local.revoke_function].role_name
  policy = data.aws_iam_policy_document.revoke_user_lookup[0].json
}
