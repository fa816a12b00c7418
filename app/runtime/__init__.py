"""The processes the site runs beside its web server: the embedded Redis and the RQ worker."""
