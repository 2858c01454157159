"""What the notebooks share: finding the dataset folder and drawing Chinese labels.

    from pipeline.plots import dataset_dir, use_cjk_font, save
    data = dataset_dir("data/demo/clean")   # relative to the project root, wherever the notebook runs
    use_cjk_font()                          # matplotlib draws 汉字, not empty boxes
    save(fig, "county_profile", figures)    # PNG under `figures` when it is set

Matplotlib's default fonts have no CJK glyphs: a Chinese label comes out as boxes (tofu)
with a warning. `use_cjk_font` puts the first installed CJK font of `CJK_FONTS` in front of
matplotlib's sans-serif list, and fails with a clear message when the machine has none
(`scripts/system-deps.sh` installs fonts-wqy-microhei).
"""

from __future__ import annotations

from pathlib import Path

CJK_FONTS = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "SimHei",
    "Microsoft YaHei",
    "PingFang SC",
    "Heiti SC",
    "AR PL UMing CN",
)


def project_root(start: Path | None = None) -> Path:
    """The folder holding pyproject.toml, from `start` (default: the working directory) up."""
    here = (start or Path.cwd()).resolve()
    for p in (here, *here.parents):
        if (p / "pyproject.toml").is_file():
            return p
    return here


def dataset_dir(path: str | Path) -> Path:
    """A dataset folder given absolute or relative to the project root; it must hold the
    files `xxgk build` writes."""
    p = Path(path)
    if not p.is_absolute():
        p = project_root() / p
    if not (p / "reports.parquet").is_file():
        raise FileNotFoundError(
            f"{p}: no reports.parquet — build it first (`xxgk demo --out data/demo` or "
            f"`xxgk build --out {path}`), or set DATA to a folder `xxgk build` wrote"
        )
    return p


def use_cjk_font() -> str:
    """Make matplotlib draw Chinese: returns the font family chosen."""
    import matplotlib
    from matplotlib import font_manager

    installed = {f.name for f in font_manager.fontManager.ttflist}
    for name in CJK_FONTS:
        if name in installed:
            matplotlib.rcParams["font.sans-serif"] = [name, *matplotlib.rcParams["font.sans-serif"]]
            matplotlib.rcParams["font.family"] = "sans-serif"
            matplotlib.rcParams["axes.unicode_minus"] = False  # CJK fonts often lack U+2212
            return name
    raise RuntimeError(
        "no CJK font installed for matplotlib (one of: " + ", ".join(CJK_FONTS) + "); "
        "on Debian: apt-get install fonts-wqy-microhei"
    )


def save(fig, name: str, folder: str | Path | None) -> Path | None:
    """Write `fig` as <folder>/<name>.png (150 dpi) when `folder` is set."""
    if not folder:
        return None
    folder = Path(folder)
    if not folder.is_absolute():
        folder = project_root() / folder
    folder.mkdir(parents=True, exist_ok=True)
    p = folder / f"{name}.png"
    fig.savefig(p, dpi=150, bbox_inches="tight", metadata={"Software": None})
    return p
