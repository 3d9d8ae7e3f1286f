variable "name" {
  description = "The bucket's name (global: callers make it unique, e.g. with the account id)."
  type        = string
  nullable    = false
}

variable "force_destroy" {
  description = "Allow destroying the bucket while it still holds objects (every version of them)."
  type        = bool
  default     = false
  nullable    = false
}

variable "noncurrent_version_expiration_days" {
  description = "Days after which an overwritten or deleted object's old version expires; incomplete multipart uploads are aborted after abort_incomplete_multipart_upload_days. null keeps every version for ever and sets no lifecycle rule at all."
  type        = number
  default     = null

  validation {
    condition     = var.noncurrent_version_expiration_days == null || try(var.noncurrent_version_expiration_days >= 1, false)
    error_message = "noncurrent_version_expiration_days must be null or at least 1."
  }
}

variable "abort_incomplete_multipart_upload_days" {
  description = "Days after which an incomplete multipart upload is aborted; part of the lifecycle rule, so only used when noncurrent_version_expiration_days is set."
  type        = number
  default     = 7
  nullable    = false

  validation {
    condition     = var.abort_incomplete_multipart_upload_days >= 1
    error_message = "abort_incomplete_multipart_upload_days must be at least 1."
  }
}
