# Stacks applied before terraform/deploy existed ran terraform/ itself as the root: their resources move into
# module.wsauth, with nothing destroyed or made again (README, "Upgrading from terraform/ as the root").

moved {
  from = module.cognito
  to   = module.wsauth.module.cognito
}

moved {
  from = module.function
  to   = module.wsauth.module.function
}

moved {
  from = module.websocket_api
  to   = module.wsauth.module.websocket_api
}

moved {
  from = module.alarms
  to   = module.wsauth.module.alarms
}

moved {
  from = module.connection_registry
  to   = module.wsauth.module.connection_registry
}
