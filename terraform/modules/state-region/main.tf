# Ties a state to the region it was first applied in. The region is recorded once and kept (ignore_changes);
# every later plan compares it with the provider's, and stops before planning anything when they differ: one
# region's state is never read, or replaced, with another region's provider.
data "aws_region" "current" {}

resource "terraform_data" "this" {
  input = data.aws_region.current.id

  lifecycle {
    ignore_changes = [input]
  }
}
