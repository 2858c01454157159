"""The parser: bytes of a report in, a Report out (parsers.report.parse_bytes).

The hot modules run as their compiled twins where the install built them from the
source that is there now (parsers.twins; XXGK_PURE=1 runs them all as Python)."""

from . import twins

twins.install()
