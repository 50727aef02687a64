# Everything on: the stack with a custom domain and its Route 53 record, groups, tighter per-route limits,
# a warm authoriser and alarms. The certificate and zone are placeholders: put in your own.
module "wsauth" {
  source = "../../"

  name           = "wsauth-complete"
  stage_name     = "live"
  token_location = "protocol"
  tags           = { Environment = "example" }

  cognito_groups = {
    ops     = { description = "May connect", precedence = 10 }
    support = { description = "May connect, read-only clients", precedence = 20 }
  }
  required_groups = ["ops", "support"]

  route_throttling = {
    "$connect" = { burst_limit = 10, rate_limit = 5 }
    "$default" = { burst_limit = 50, rate_limit = 25 }
  }

  custom_domain = {
    domain_name     = var.domain_name
    certificate_arn = var.certificate_arn
    route53_zone_id = var.route53_zone_id
  }
  disable_execute_api_endpoint = false

  authoriser_provisioned_concurrency = 2
  reserved_concurrency               = { authoriser = 50 }

  alarms = { period_seconds = 60, evaluation_periods = 2 }
  # Needs a CloudTrail trail of management events in the account (README, Revocation).
  revoke_on_admin_sign_out = true
}
