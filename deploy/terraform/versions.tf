# A sketch of the managed services StoryForge runs on in AWS: RDS PostgreSQL, ElastiCache Redis,
# a private S3 bucket for media served through CloudFront with origin access control.
terraform {
  required_version = ">= 1.6"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.80"
    }
    random = {
      source  = "hashicorp/random"
      version = "~> 3.6"
    }
  }
}

provider "aws" {
  region = var.region
}
