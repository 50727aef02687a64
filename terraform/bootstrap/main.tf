data "aws_caller_identity" "current" {}
data "aws_region" "current" {}

data "aws_partition" "current" {}

# One bucket per account for every region: re-running this state with another region would plan to replace the
# bucket, so the plan stops instead (modules/state-region).
module "state_region" {
  source = "../modules/state-region"

  stack = "bootstrap"
  fix   = "one state bucket serves every region of the account: apply the bootstrap once, with the region it was first applied in."
}

locals {
  bucket_name = coalesce(var.bucket_name, "${var.bucket_prefix}-${data.aws_caller_identity.current.account_id}-${data.aws_region.current.id}")
  # The key the backend names in every write (backend_hcl's kms_key_id), and the bucket's default.
  state_key_arn = var.kms_key_arn != null ? var.kms_key_arn : aws_kms_key.state[0].arn
}

# The account's own administrators manage the key through IAM, as with a key made in the console; the
# backend needs kms:GenerateDataKey and kms:Decrypt on it, granted to whoever runs Terraform.
data "aws_iam_policy_document" "state_key" {
  count = var.kms_key_arn == null ? 1 : 0

  statement {
    sid       = "AccountAdministersThroughIam"
    effect    = "Allow"
    actions   = ["kms:*"]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = ["arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:root"]
    }
  }
}

resource "aws_kms_key" "state" {
  count = var.kms_key_arn == null ? 1 : 0

  description             = "Encrypts the Terraform state and lock files in ${local.bucket_name}."
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy                  = data.aws_iam_policy_document.state_key[0].json

  # Without the key the state cannot be read: it outlives every environment, like the bucket.
  lifecycle {
    prevent_destroy = true
  }
}

resource "aws_kms_alias" "state" {
  count = var.kms_key_arn == null ? 1 : 0

  name          = "alias/${local.bucket_name}"
  target_key_id = aws_kms_key.state[0].key_id
}

resource "aws_s3_bucket" "state" {
  #checkov:skip=CKV_AWS_144:State is small and versioned in one region; cross-region replication needs a second bucket and role the bootstrap does not own, and the deployed stack is regional too.
  #checkov:skip=CKV2_AWS_62:Nothing consumes events for state writes; the backend's lock file already serialises writers.
  bucket = local.bucket_name

  # State is the only record of what Terraform manages: never delete it with its objects.
  force_destroy = false

  lifecycle {
    prevent_destroy = true
  }
}

resource "aws_s3_bucket_ownership_controls" "state" {
  bucket = aws_s3_bucket.state.id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_public_access_block" "state" {
  bucket                  = aws_s3_bucket.state.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_versioning" "state" {
  bucket = aws_s3_bucket.state.id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "state" {
  bucket = aws_s3_bucket.state.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = local.state_key_arn
    }
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "state" {
  bucket = aws_s3_bucket.state.id

  rule {
    id     = "expire-old-state-versions"
    status = "Enabled"

    filter {}

    noncurrent_version_expiration {
      noncurrent_days = var.noncurrent_version_retention_days
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }

  depends_on = [aws_s3_bucket_versioning.state]
}

resource "aws_s3_bucket_logging" "state" {
  count = var.access_log_bucket == null ? 0 : 1

  bucket        = aws_s3_bucket.state.id
  target_bucket = var.access_log_bucket
  target_prefix = "s3/${local.bucket_name}/"
}

locals {
  # Requests the bucket refuses whoever makes them: plain HTTP, and TLS older than 1.2.
  denied_transports = {
    DenyInsecureTransport = { test = "Bool", variable = "aws:SecureTransport", value = "false" }
    DenyOutdatedTls       = { test = "NumericLessThan", variable = "s3:TlsVersion", value = "1.2" }
  }
}

data "aws_iam_policy_document" "state" {
  dynamic "statement" {
    for_each = local.denied_transports

    content {
      sid       = statement.key
      effect    = "Deny"
      actions   = ["s3:*"]
      resources = [aws_s3_bucket.state.arn, "${aws_s3_bucket.state.arn}/*"]

      principals {
        type        = "*"
        identifiers = ["*"]
      }

      condition {
        test     = statement.value.test
        variable = statement.value.variable
        values   = [statement.value.value]
      }
    }
  }
}

resource "aws_s3_bucket_policy" "state" {
  bucket = aws_s3_bucket.state.id
  policy = data.aws_iam_policy_document.state.json

  # S3 rejects a bucket policy while the public access block is being applied.
  depends_on = [aws_s3_bucket_public_access_block.state]
}
