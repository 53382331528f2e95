"""The digest: assembles newsletters and thematic emailings from approved items, segments them by subscribers'
preferences and renders each segment once (Jinja2 -> MJML -> HTML, plus a plain-text twin)."""
