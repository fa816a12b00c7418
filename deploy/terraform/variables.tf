variable "region" {
  type    = string
  default = "eu-west-1"
}

variable "name" {
  description = "Prefix of every resource's name."
  type        = string
  default     = "storyforge"
}

variable "vpc_id" {
  type = string
}

variable "private_subnet_ids" {
  description = "Subnets of the database, the cache and the application (no internet-facing addresses)."
  type        = list(string)
}

variable "app_security_group_id" {
  description = "The security group of the web and worker nodes: the only clients of the database and cache."
  type        = string
}

variable "db_instance_class" {
  type    = string
  default = "db.t4g.medium"
}

variable "cache_node_type" {
  type    = string
  default = "cache.t4g.small"
}

variable "media_domain" {
  description = "Optional alias of the CDN (needs an ACM certificate in us-east-1)."
  type        = string
  default     = ""
}

variable "site_origin" {
  description = "The site's origin (PUBLIC_BASE_URL), the only one allowed to fetch media across origins."
  type        = string
  default     = "https://storyforge.example"
}
