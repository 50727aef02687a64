variable "stack" {
  description = "What the state holds, for the error message (e.g. `environment`, `account`)."
  type        = string

  validation {
    condition     = length(var.stack) > 0
    error_message = "stack must name what the state holds."
  }
}

variable "fix" {
  description = "What to do when the regions differ, for the error message: which backend file or var-file to use."
  type        = string

  validation {
    condition     = length(var.fix) > 0
    error_message = "fix must say how to point the state and the provider at the same region."
  }
}
