# States of the previous layout (no logging_setting) held one of each, without count: they move to index 0,
# which logging_setting = "create" or "adopt" keeps (README, "Upgrading").
moved {
  from = aws_iam_role.apigateway_logging
  to   = aws_iam_role.apigateway_logging[0]
}

moved {
  from = aws_iam_role_policy_attachment.apigateway_logging
  to   = aws_iam_role_policy_attachment.apigateway_logging[0]
}

moved {
  from = aws_api_gateway_account.this
  to   = aws_api_gateway_account.this[0]
}
