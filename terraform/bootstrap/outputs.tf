output "state_bucket" {
  description = "Name of the state bucket (the `bucket` of backend.hcl)."
  value       = aws_s3_bucket.state.id
}

output "state_bucket_arn" {
  description = "ARN of the state bucket, for IAM policies of the people and pipelines that run Terraform."
  value       = aws_s3_bucket.state.arn
}

output "backend_hcl" {
  description = "A backend.hcl for the dev environment of terraform/; change `key` per environment."
  value       = <<-EOT
    bucket       = "${aws_s3_bucket.state.id}"
    key          = "wsauth/dev/terraform.tfstate"
    region       = "${aws_s3_bucket.state.region}"
    encrypt      = true
    use_lockfile = true
  EOT
}
