"""The watch: scheduled collectors that fetch sources (RSS/Atom/JSON Feed, HTML pages, iCalendar, JSON APIs),
parse them into items, deduplicate within and across sources, sanitise, find deadlines and suggest tags."""
