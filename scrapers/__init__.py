"""Crawling portals: polite client, CMS families, raw store, crawler, portal simulator."""

__version__ = "0.1.0"
