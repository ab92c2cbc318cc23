"""Users, roles and permissions; signing in and out."""
