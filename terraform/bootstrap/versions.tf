# Bootstrap: what must exist before the pipeline can run terraform/ at all.
# Applied rarely, once per AWS account, by a person with administrator
# credentials, with LOCAL state (this configuration creates the bucket the
# main state lives in). Keep terraform.tfstate somewhere safe, or move it
# into the new bucket afterwards (see README.md in this directory).
terraform {
  required_version = ">= 1.11.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "5.100.0"
    }
  }
}

provider "aws" {
  region = var.region

  default_tags {
    tags = {
      App       = "gangway"
      ManagedBy = "terraform-bootstrap"
    }
  }
}
