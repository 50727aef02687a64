# Used by scripts/tf-check.sh for terraform/ and every directory under it.
# The AWS ruleset is enabled from the command line (--enable-plugin=aws) when scripts/tf-tools.sh has
# built it into TFLINT_PLUGIN_DIR: a plugin block without `source` loads that binary and never
# downloads, and leaving the block out here keeps tflint usable where the ruleset cannot be built.
config {
  call_module_type = "local"
}

plugin "terraform" {
  enabled = true
  preset  = "all"
}
