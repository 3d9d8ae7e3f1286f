terraform {
  required_version = ">= 1.11.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "5.100.0"
    }
  }

  # Partial configuration: bucket, key (gangway/<environment>/terraform.tfstate),
  # region and use_lockfile = true are given at `terraform init` with
  # -backend-config, so nothing per-environment is written here. A missing
  # bucket or key makes `terraform init -input=false` stop with
  # "Missing Required Value: The attribute "bucket" is required by the backend".
  backend "s3" {}
}

provider "aws" {
  region = var.region

  # Every resource carries these, so cost reports and SSM targeting can
  # filter by environment. The instance repeats them explicitly (see main.tf).
  default_tags {
    tags = local.tags
  }
}
