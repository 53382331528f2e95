"""Email templates: Jinja2 sources producing MJML (HTML part) and plain text (text part)."""
