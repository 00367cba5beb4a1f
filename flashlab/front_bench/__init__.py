"""``make bench-front``: how fast and how fair the API tier answers buyers (issue 10's front-door benchmark)."""
