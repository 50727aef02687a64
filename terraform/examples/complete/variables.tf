variable "domain_name" {
  description = "Host name clients connect to; the certificate must cover it."
  type        = string
  default     = "ws.example.com"
}

variable "certificate_arn" {
  description = "ARN of an ACM certificate for domain_name, in the region you deploy to."
  type        = string
  default     = "arn:aws:acm:eu-west-1:123456789012:certificate/00000000-0000-0000-0000-000000000000"
}

variable "route53_zone_id" {
  description = "Route 53 hosted zone in which to create the alias record for domain_name."
  type        = string
  default     = "Z0000000000000EXAMPLE"
}

variable "region" {
  description = "Region to deploy the example to."
  type        = string
  default     = "eu-west-1"
}
