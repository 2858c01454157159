"""CMS families: a county is configuration, a family is code.

``detect_family(url, html, hint)`` picks the module (detection order from the portal
digest); ``get(name)`` looks one up by name; ``FAMILIES`` lists them all."""

from __future__ import annotations

from types import ModuleType

from . import generic, gkmlpt, hanweb, trs, trs_hexmon, vsb

# detection order: hanweb markers → gkmlpt → TRS createPageHTML → VSB → hexmon URL shape → generic
FAMILIES: tuple[ModuleType, ...] = (hanweb, gkmlpt, trs, vsb, trs_hexmon, generic)
BY_NAME = {m.NAME: m for m in FAMILIES}
ALIASES = {
    "trs": trs,
    "trs_wcm": trs,
    "hanweb": hanweb,
    "hanweb_jcms": hanweb,
    "hanweb_xxgk_annualreport": hanweb,
    "gkmlpt": gkmlpt,
    "gd_post": gkmlpt,
    "vsb": vsb,
    "trs_hexmon": trs_hexmon,
    "generic": generic,
}


def get(name: str | None) -> ModuleType | None:
    if not name:
        return None
    return BY_NAME.get(name) or ALIASES.get(name)


def detect_family(url: str, html: str, hint: str | None = None) -> ModuleType:
    for fam in FAMILIES[:-1]:
        if fam.detect(url, html):
            return fam
    hinted = get(hint)
    return hinted if hinted is not None else generic
