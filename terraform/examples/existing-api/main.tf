# Attach the JWT authoriser, the routes and a stage to a WebSocket API your team already has, trusting the
# team's existing Cognito pool. Only the ids below are yours to put in.
module "wsauth" {
  source = "../../"

  name       = "wsauth-attached"
  stage_name = "authed"

  existing_api = {
    id = var.api_id
  }

  existing_cognito = {
    user_pool_id = var.user_pool_id
    client_ids   = var.client_ids
  }
  required_groups = var.required_groups
}
