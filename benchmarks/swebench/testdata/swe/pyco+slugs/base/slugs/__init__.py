"""Turn titles into URL slugs."""


def slugify(title):
    """Return title as a slug: words joined by '-'."""
    words = title.split()
    return "-".join(words)
