# The connection registry (issue 12): the table every connection is written to, the sweeper's schedule, and each
# function's access as functions/api.json lists it under `registry`.

module "connection_registry" {
  source = "./modules/connection-registry"

  table_name             = "${var.name}-connections"
  kms_key_arn            = var.registry_kms_key_arn
  point_in_time_recovery = true
  sweep_schedule         = var.sweep_schedule
  sweeper_function_name  = module.function[local.api.scheduled[0]].function_name
  sweeper_function_arn   = module.function[local.api.scheduled[0]].function_arn
  tags                   = var.tags

  function_access = {
    for name, fn in local.api.functions : name => {
      role_name = module.function[name].role_name
      actions   = fn.registry
      indexes   = lookup(fn, "registryIndexes", [])
    } if length(lookup(fn, "registry", [])) > 0
  }
}
