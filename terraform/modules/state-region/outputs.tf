output "region" {
  description = "The region the state belongs to; a plan whose provider is in another region fails here, naming both."
  value       = terraform_data.this.output

  precondition {
    condition     = terraform_data.this.output == data.aws_region.current.id
    error_message = "This ${var.stack} state was applied in ${terraform_data.this.output}, but the provider is in ${data.aws_region.current.id}: ${var.fix}"
  }
}
