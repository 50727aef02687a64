# Each kind of alarm had its own resource before this one held them all: the same alarms move, none is made again.
# The per-function addresses name the functions of functions/api.json (a key that was never planned moves nothing).

moved {
  from = aws_cloudwatch_metric_alarm.authoriser_faults
  to   = aws_cloudwatch_metric_alarm.this["authoriser-faults"]
}

moved {
  from = aws_cloudwatch_metric_alarm.reauth_warnings_failed
  to   = aws_cloudwatch_metric_alarm.this["reauth-warnings-failed"]
}

moved {
  from = aws_cloudwatch_metric_alarm.active_connections[0]
  to   = aws_cloudwatch_metric_alarm.this["active-connections"]
}

moved {
  from = aws_cloudwatch_metric_alarm.connect_errors["IntegrationError"]
  to   = aws_cloudwatch_metric_alarm.this["connect-integrationerror"]
}

moved {
  from = aws_cloudwatch_metric_alarm.connect_errors["ExecutionError"]
  to   = aws_cloudwatch_metric_alarm.this["connect-executionerror"]
}

moved {
  from = aws_cloudwatch_metric_alarm.function_errors["connect"]
  to   = aws_cloudwatch_metric_alarm.this["connect-errors"]
}

moved {
  from = aws_cloudwatch_metric_alarm.function_errors["disconnect"]
  to   = aws_cloudwatch_metric_alarm.this["disconnect-errors"]
}

moved {
  from = aws_cloudwatch_metric_alarm.function_errors["message"]
  to   = aws_cloudwatch_metric_alarm.this["message-errors"]
}

moved {
  from = aws_cloudwatch_metric_alarm.function_errors["refresh"]
  to   = aws_cloudwatch_metric_alarm.this["refresh-errors"]
}

moved {
  from = aws_cloudwatch_metric_alarm.function_errors["sweeper"]
  to   = aws_cloudwatch_metric_alarm.this["sweeper-errors"]
}

moved {
  from = aws_cloudwatch_metric_alarm.function_errors["revoke"]
  to   = aws_cloudwatch_metric_alarm.this["revoke-errors"]
}

moved {
  from = aws_cloudwatch_metric_alarm.function_throttles["authoriser"]
  to   = aws_cloudwatch_metric_alarm.this["authoriser-throttles"]
}

moved {
  from = aws_cloudwatch_metric_alarm.function_throttles["connect"]
  to   = aws_cloudwatch_metric_alarm.this["connect-throttles"]
}

moved {
  from = aws_cloudwatch_metric_alarm.function_throttles["disconnect"]
  to   = aws_cloudwatch_metric_alarm.this["disconnect-throttles"]
}

moved {
  from = aws_cloudwatch_metric_alarm.function_throttles["message"]
  to   = aws_cloudwatch_metric_alarm.this["message-throttles"]
}

moved {
  from = aws_cloudwatch_metric_alarm.function_throttles["refresh"]
  to   = aws_cloudwatch_metric_alarm.this["refresh-throttles"]
}

moved {
  from = aws_cloudwatch_metric_alarm.function_throttles["sweeper"]
  to   = aws_cloudwatch_metric_alarm.this["sweeper-throttles"]
}

moved {
  from = aws_cloudwatch_metric_alarm.function_throttles["revoke"]
  to   = aws_cloudwatch_metric_alarm.this["revoke-throttles"]
}
