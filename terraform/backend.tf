# Partial configuration: bucket, key and region come from `-backend-config=backend.hcl`
# (see backend.hcl.example), so one configuration serves every environment.
terraform {
  backend "s3" {}
}
