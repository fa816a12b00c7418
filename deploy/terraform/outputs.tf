output "database_endpoint" {
  value = aws_db_instance.db.endpoint
}

output "database_secret_arn" {
  description = "Secrets Manager secret holding the database password (for DATABASE_URL_FILE)."
  value       = aws_db_instance.db.master_user_secret[0].secret_arn
}

output "redis_endpoint" {
  value = aws_elasticache_replication_group.cache.primary_endpoint_address
}

output "media_bucket" {
  value = aws_s3_bucket.media.bucket
}

output "cdn_base_url" {
  value = "https://${var.media_domain != "" ? var.media_domain : aws_cloudfront_distribution.media.domain_name}"
}
