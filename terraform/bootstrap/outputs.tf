output "state_bucket" {
  description = "Name of the state bucket (the `bucket` of backend.hcl)."
  value       = aws_s3_bucket.state.id
}

output "state_bucket_arn" {
  description = "ARN of the state bucket, for IAM policies of the people and pipelines that run Terraform."
  value       = aws_s3_bucket.state.arn
}

output "state_kms_key_arn" {
  description = "ARN of the KMS key that encrypts every state and lock object (the `kms_key_id` of backend_hcl)."
  value       = local.state_key_arn
}

output "region" {
  description = "Region of the state bucket (checked against the provider's on every plan)."
  value       = module.state_region.region
}

output "backend_hcl" {
  description = "The settings every environment's backend.hcl shares; add one `key` line per stack and region (README, step 3)."
  value       = <<-EOT
    bucket       = "${aws_s3_bucket.state.id}"
    region       = "${aws_s3_bucket.state.region}"
    encrypt      = true
    kms_key_id   = "${local.state_key_arn}"
    use_lockfile = true
  EOT
}
