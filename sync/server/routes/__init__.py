"""The referral server's routes, one module per resource."""
