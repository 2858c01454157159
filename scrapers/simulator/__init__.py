"""A portal simulator: sites in each CMS family's markup with generated reports, look-alikes,
GBK pages, long pagination and faults on demand, served on 127.0.0.1 (tests, demo, benchmark).

    from scrapers.simulator import Simulator
    with Simulator(reports=12, faults=True) as sim:
        for site in sim.sites: print(site.family, site.column_url)

``python -m scrapers.simulator`` serves it until interrupted and prints the column URLs.
"""

from .server import Simulator
from .sites import FAMILY_NAMES, SITE_CLASSES, Site

__all__ = ["Simulator", "Site", "FAMILY_NAMES", "SITE_CLASSES"]
