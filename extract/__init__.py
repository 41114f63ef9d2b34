"""Shanghai government-transparency work plans: crawl, archive, parse, validate, load."""

__version__ = "0.1.0"
