"""Word 97-2003 (.doc, OLE2; also WPS files in that container) and RTF -> Document.

.doc: LibreOffice headless first (`soffice --convert-to docx`, read by the DOCX reader),
because it keeps every table: antiword's text of a table with vertically merged cells loses
rows and whole tables (三 and 四 of the national template, typically). LibreOffice runs with
one profile per process (`-env:UserInstallation`, made on first use and removed when the
process exits, or by the next process that finds its owner gone), so that a build's worker does not build a fresh profile for every file;
calls within a process take turns, since two soffice processes on one profile hand their
work to each other. A conversion that runs over its time limit is killed with its process
group (soffice starts soffice.bin under it).

antiword (`antiword -w 0 -m UTF-8.txt FILE`, text with `|` table rows, read by the text
reader) where LibreOffice is absent or fails. Its text is then checked against the file's
own table cells (the piece table of the WordDocument stream, where every cell ends with
U+0007): when antiword's rows hold fewer number cells than the file's tables, a
DOC_TABLE_CELLS_LOST warning says so and names the package that reads them. With neither
converter installed: UnsupportedInput naming the Debian packages.

RTF (what many ".doc" links really serve): a small pure-Python reader. Control words are
dropped, \\'hh bytes are decoded with the font's \\fcharset or the document's \\ansicpg
(936 and the GB charsets as GB18030), \\uN with its \\ucN fallback skipped; header, footer,
picture, field-instruction and other non-text destinations are skipped. Tables (\\cell,
\\row) become row blocks with spans: colspan from the \\cellx boundaries of all rows of the
table, \\clmgf/\\clmrg merges, rowspan from \\clvmgf/\\clvmrg. `line` is the paragraph or
row ordinal, as for DOCX.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import struct
import subprocess
import tempfile
import threading
from bisect import bisect_left
from dataclasses import dataclass, field
from pathlib import Path

from ..document import Block, Cell, Document, Location, Warning, para
from . import UnsupportedInput
from .grid import RawCell, finish_table
from .html import join_pieces, norm_text

ANTIWORD_TIMEOUT = 60
SOFFICE_TIMEOUT = 180
SOFFICE_PACKAGE = "libreoffice-writer-nogui"


# =========================================================================== .doc


class _ConvertError(Exception):
    pass


def _antiword(exe: str, data: bytes) -> str:
    with tempfile.TemporaryDirectory(prefix="xxgk-doc-") as tmp:
        src = Path(tmp) / "in.doc"
        src.write_bytes(data)
        try:
            r = subprocess.run(
                [exe, "-w", "0", "-m", "UTF-8.txt", str(src)],
                capture_output=True,
                timeout=ANTIWORD_TIMEOUT,
                env={**os.environ, "HOME": os.environ.get("HOME", tmp)},
            )
        except subprocess.TimeoutExpired as e:
            raise _ConvertError(f"antiword timed out after {ANTIWORD_TIMEOUT}s") from e
        except OSError as e:
            raise _ConvertError(f"antiword could not run: {e}") from e
    if r.returncode != 0:
        msg = r.stderr.decode("utf-8", "replace").strip().replace(str(src), "<file>")
        raise _ConvertError(f"antiword failed ({r.returncode}): {msg[:300]}")
    return r.stdout.decode("utf-8", "replace")


_profile_lock = threading.Lock()
_profile: tuple[int, Path] | None = None  # (pid, folder): a forked child makes its own


def _remove_profile(pid: int, folder: Path) -> None:
    if os.getpid() == pid:
        shutil.rmtree(folder, ignore_errors=True)


PROFILE_PREFIX = "xxgk-lo-profile-"


def _remove_stale_profiles() -> None:
    """Profiles of processes that are gone (a build kills a worker that runs over its time
    limit, and a killed process removes nothing): the pid is in the folder's name."""
    for folder in Path(tempfile.gettempdir()).glob(PROFILE_PREFIX + "*-*"):
        pid = folder.name[len(PROFILE_PREFIX) :].split("-", 1)[0]
        if not pid.isdigit():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            shutil.rmtree(folder, ignore_errors=True)
        except OSError:  # alive, another user's
            pass


def profile_dir() -> Path:
    """This process's LibreOffice profile folder (made on first use, removed at exit)."""
    global _profile
    if _profile is None or _profile[0] != os.getpid():
        from multiprocessing.util import Finalize

        _remove_stale_profiles()
        folder = Path(tempfile.mkdtemp(prefix=f"{PROFILE_PREFIX}{os.getpid()}-"))
        _profile = (os.getpid(), folder)
        # Finalize, not atexit: multiprocessing workers leave through os._exit, which runs
        # finalizers but not atexit handlers.
        Finalize(None, _remove_profile, args=_profile, exitpriority=0)
    return _profile[1]


def _run_killing_group(cmd: list[str], timeout: float) -> subprocess.CompletedProcess:
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True) as p:
        try:
            out, err = p.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except OSError:
                pass
            p.communicate()
            raise
    return subprocess.CompletedProcess(cmd, p.returncode, out, err)


def _soffice(exe: str, data: bytes, suffix: str = ".doc") -> bytes:
    with _profile_lock, tempfile.TemporaryDirectory(prefix="xxgk-lo-") as tmp:
        src = Path(tmp) / f"in{suffix}"
        src.write_bytes(data)
        out = Path(tmp) / "out"
        cmd = [
            exe,
            f"-env:UserInstallation={profile_dir().as_uri()}",
            "--headless",
            "--norestore",
            "--nologo",
            "--nodefault",
            "--nolockcheck",
            "--convert-to",
            "docx",
            "--outdir",
            str(out),
            str(src),
        ]
        try:
            r = _run_killing_group(cmd, SOFFICE_TIMEOUT)
        except subprocess.TimeoutExpired as e:
            raise _ConvertError(f"LibreOffice timed out after {SOFFICE_TIMEOUT}s") from e
        except OSError as e:
            raise _ConvertError(f"LibreOffice could not run: {e}") from e
        result = out / "in.docx"
        if not result.exists():
            msg = (r.stderr or r.stdout).decode("utf-8", "replace").strip()
            raise _ConvertError(f"LibreOffice produced no DOCX ({r.returncode}): {msg[:300]}")
        return result.read_bytes()


def converters() -> dict[str, str | None]:
    """The external converters found on PATH."""
    return {"antiword": shutil.which("antiword"), "soffice": shutil.which("soffice") or shutil.which("libreoffice")}


def word97_text(data: bytes) -> str | None:
    """The main text of a Word 97-2003 file, from the piece table of its WordDocument
    stream (table cells end with U+0007, paragraphs with CR); None where the file's
    structure cannot be read."""
    import olefile

    try:
        ole = olefile.OleFileIO(data)
        wd = ole.openstream("WordDocument").read()
        flags = struct.unpack_from("<H", wd, 0x0A)[0]
        table = ole.openstream("1Table" if flags & 0x0200 else "0Table").read()
        pos = 32  # FibBase; then fibRgW, fibRgLw, fibRgFcLcb, each after its count
        pos += 2 + 2 * struct.unpack_from("<H", wd, pos)[0]
        rglw = pos + 2
        ccp_text = struct.unpack_from("<i", wd, rglw + 12)[0]
        pos = rglw + 4 * struct.unpack_from("<H", wd, pos)[0]
        fc_clx, lcb_clx = struct.unpack_from("<II", wd, pos + 2 + 33 * 8)
        clx = table[fc_clx : fc_clx + lcb_clx]
        i = 0
        while i < len(clx) and clx[i] == 0x01:  # Prc: property modifiers, skipped
            i += 3 + struct.unpack_from("<h", clx, i + 1)[0]
        if i >= len(clx) or clx[i] != 0x02:
            return None
        lcb = struct.unpack_from("<I", clx, i + 1)[0]
        plc = clx[i + 5 : i + 5 + lcb]
        n = (len(plc) - 4) // 12
        cps = struct.unpack_from(f"<{n + 1}I", plc, 0)
        parts = []
        for k in range(n):
            fc = struct.unpack_from("<I", plc, 4 * (n + 1) + 8 * k + 2)[0]
            count = cps[k + 1] - cps[k]
            if fc & 0x40000000:  # 8-bit piece
                start = (fc & 0x3FFFFFFF) // 2
                parts.append(wd[start : start + count].decode("cp1252", "replace"))
            else:
                parts.append(wd[fc : fc + 2 * count].decode("utf-16-le", "replace"))
    except (OSError, struct.error, ValueError, IndexError):
        return None
    return "".join(parts)[: max(0, ccp_text)]


def _number_cells(texts) -> int:
    from ..values import parse_value

    return sum(1 for t in texts if parse_value(t.strip()).status == "number")


def lost_table_cells(data: bytes, doc: Document) -> Warning | None:
    """A warning when the rows of `doc` (antiword's text of `data`) hold fewer number cells
    than the tables of the Word file do."""
    text = word97_text(data)
    if text is None:
        return None
    # every cell and row end is U+0007; a cell's own text is its last paragraph here
    have = _number_cells(piece.rsplit("\r", 1)[-1] for piece in text.split("\x07")[:-1])
    got = _number_cells(c.text for b in doc.blocks if b.kind == "row" for c in b.cells)
    if got >= have:
        return None
    return Warning(
        "DOC_TABLE_CELLS_LOST",
        f"antiword's text of this Word 97 file holds {got} of the {have} number cells of its tables "
        f"(merged cells lose rows and tables); install LibreOffice ({SOFFICE_PACKAGE}) to read them",
    )


def _via_antiword(exe: str, data: bytes, note: tuple[Warning, ...]) -> Document:
    from .text import read_text

    d = read_text(_antiword(exe, data).encode("utf-8"))
    warnings = d.warnings + note
    if not d.blocks:
        warnings += (Warning("NO_TEXT", "antiword found no text"),)
    lost = lost_table_cells(data, d)
    if lost is not None:
        warnings += (lost,)
    return Document(d.blocks, "doc", d.header, warnings)


def read_doc(data: bytes) -> Document:
    """Word 97-2003 bytes -> Document. Content that is really RTF, DOCX or HTML (as .doc
    links often serve) goes to that reader."""
    from .sniff import sniff

    kind = sniff(data)
    if kind == "rtf":
        return read_rtf(data)
    if kind == "docx":
        from .docx import read_docx

        return read_docx(data)
    if kind == "html":
        from .html import read_html

        return read_html(data)
    if kind != "doc":
        raise UnsupportedInput(f"not a Word 97-2003 document (content looks like {kind})")
    tools = converters()
    if not tools["antiword"] and not tools["soffice"]:
        raise UnsupportedInput(
            "Word 97-2003 (.doc) files need a converter: install LibreOffice "
            f"(Debian/Ubuntu: apt-get install {SOFFICE_PACKAGE}) or antiword (apt-get install antiword)"
        )
    errors: list[str] = []
    if tools["soffice"]:
        try:
            docx_bytes = _soffice(tools["soffice"], data)
        except _ConvertError as e:
            errors.append(str(e))
        else:
            from .docx import read_docx

            d = read_docx(docx_bytes)
            return Document(d.blocks, "doc", d.header, d.warnings)
    if tools["antiword"]:
        note = tuple(Warning("DOC_CONVERTER_FAILED", f"{e}; read through antiword instead") for e in errors)
        try:
            return _via_antiword(tools["antiword"], data, note)
        except _ConvertError as e:
            errors.append(str(e))
    raise UnsupportedInput("could not read the Word 97-2003 file: " + "; ".join(errors))


# =========================================================================== RTF

_CHARSET_CODEPAGE = {
    0: "cp1252",
    77: "mac_roman",
    128: "cp932",
    129: "cp949",
    130: "johab",
    134: "gb18030",
    136: "cp950",
    161: "cp1253",
    162: "cp1254",
    163: "cp1258",
    177: "cp1255",
    178: "cp1256",
    186: "cp1257",
    204: "cp1251",
    222: "cp874",
    238: "cp1250",
}
_CJK_CODEPAGES = {"gb18030", "cp950", "cp932", "cp949"}
_SKIP_DEST = {
    "colortbl",
    "stylesheet",
    "info",
    "pict",
    "header",
    "headerl",
    "headerr",
    "headerf",
    "footer",
    "footerl",
    "footerr",
    "footerf",
    "footnote",
    "fldinst",
    "themedata",
    "colorschememapping",
    "datastore",
    "latentstyles",
    "listtable",
    "listoverridetable",
    "rsidtbl",
    "generator",
    "xmlnstbl",
    "mmathPr",
    "filetbl",
    "revtbl",
    "pgdsctbl",
    "bkmkstart",
    "bkmkend",
    "shpinst",
    "shppict",
    "nonshppict",
    "blipuid",
    "userprops",
    "docvar",
    "template",
    "objdata",
    "objclass",
    "annotation",
    "atnid",
    "atnauthor",
    "formfield",
    "datafield",
    "fontemb",
    "fontfile",
    "falt",
    "panose",
    "pntxta",
    "pntxtb",
    "xe",
    "tc",
    "txe",
    "sp",
    "sn",
    "sv",
    "wgrffmtfilter",
    "xmlopen",
    "xmlclose",
    "ftnsep",
    "ftnsepc",
    "ftncn",
    "aftnsep",
    "aftnsepc",
    "aftncn",
    "comment",
    "private",
    "protusertbl",
    "defchp",
    "defpap",
    "oldcprops",
    "oldpprops",
    "oldtprops",
    "oldsprops",
    "listpicture",
}
_CHAR_WORDS = {
    "emdash": "\u2014",
    "endash": "\u2013",
    "lquote": "\u2018",
    "rquote": "\u2019",
    "ldblquote": "\u201c",
    "rdblquote": "\u201d",
    "bullet": "\u2022",
    "emspace": " ",
    "enspace": " ",
    "qmspace": " ",
    "zwj": "",
    "zwnj": "",
    "zwbo": "",
    "zwnbo": "",
}
_SYMBOLS = {"~": "\u00a0", "-": "", "_": "-", "{": "{", "}": "}", "\\": "\\", "|": "", ":": ""}

_TOKEN = re.compile(
    r"\\([a-zA-Z]{1,32})(-?\d{1,10})? ?|\\'([0-9a-fA-F]{2})|\\([^a-zA-Z'])|([{}])|[\r\n]+|([^\\{}\r\n]+)", re.S
)
_SKIPPER = re.compile(r"\\bin(-?\d{1,10}) ?|\\.|[{}]", re.S)


def _fix_surrogates(s: str) -> str:
    if any("\ud800" <= ch <= "\udfff" for ch in s):
        return s.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return s


@dataclass
class _Groups:
    """Where the scanner stands in the RTF's nesting of {groups}."""

    state: dict  # the current group's properties (font, \\uc, in a table, destination)
    stack: list[dict] = field(default_factory=list)  # the enclosing groups' properties
    fresh: bool = False  # the next control word is the first of its group
    star: bool = False  # \\* seen: the group is an ignorable destination
    skip: int = 0  # characters of a \\uN's fallback still to skip

    def open(self) -> None:
        self.stack.append(self.state)
        self.state = dict(self.state)
        self.fresh, self.star, self.skip = True, False, 0

    def close(self) -> None:
        if self.stack:
            self.state = self.stack.pop()
        self.fresh, self.star, self.skip = False, False, 0

    def drop(self) -> None:
        """After a destination group was skipped to its closing brace."""
        if self.stack:
            self.state = self.stack.pop()
        self.fresh = self.star = False

    def skip_fallback(self, text: str | None) -> str | None:
        """Skip the fallback characters of a \\uN: what is left of a text run, or None when
        the token (a run, a \\'hh byte, a symbol or a control word: one character) is skipped."""
        if text is None:
            self.skip -= 1
            return None
        take = min(self.skip, len(text))
        self.skip -= take
        return text[take:] or None


class _Rtf:
    def __init__(self) -> None:
        self.ansicpg = "cp1252"
        self.fonts: dict[int, int] = {}
        self.blocks: list[Block] = []
        self.line = 0
        self.ntables = 0
        self.cur: list[str] = []  # text of the current paragraph
        self.bytebuf = bytearray()
        self.byte_cp = "cp1252"
        self.pieces: list[str] = []  # paragraphs of the current cell
        self.row_cells: list[str] = []
        self.table_rows: list[tuple[list[str], list[tuple[int, set]], int]] = []
        self.defs: list[tuple[int, set]] = []
        self.pending_flags: set = set()
        self.row_left = 0

    # ------------------------------------------------------------ text
    def codepage(self, state: dict) -> str:
        font = state.get("afont") if state.get("dbch") and state.get("afont") is not None else state.get("font")
        cs = self.fonts.get(font) if font is not None else None
        if cs is None or cs in (0, 1, 2):
            if cs == 0 and self.ansicpg not in _CJK_CODEPAGES:
                return "cp1252"
            return self.ansicpg
        return _CHARSET_CODEPAGE.get(cs, self.ansicpg)

    def flush_bytes(self) -> None:
        if self.bytebuf:
            self.cur.append(bytes(self.bytebuf).decode(self.byte_cp, errors="replace"))
            self.bytebuf.clear()

    def add_byte(self, b: int, state: dict) -> None:
        cp = self.codepage(state)
        if cp != self.byte_cp:
            self.flush_bytes()
            self.byte_cp = cp
        self.bytebuf.append(b)

    def add(self, s: str) -> None:
        self.flush_bytes()
        self.cur.append(s)

    def take(self) -> str:
        self.flush_bytes()
        s = _fix_surrogates("".join(self.cur))
        self.cur = []
        return s

    # ------------------------------------------------------------ structure
    def par(self, state: dict) -> None:
        text = self.take()
        if state.get("intbl") or self.row_cells:
            self.pieces.append(norm_text(text.replace("\t", " ")))
            return
        self.end_table()
        self.line += 1
        loc = Location(line=self.line)
        s = text.strip(" \t\u3000\u00a0")
        if "\t" in s:
            cells = [c for c in (norm_text(x) for x in re.split(r"\t+", s)) if c]
            if len(cells) >= 2:
                self.blocks.append(Block("row", tuple(Cell(c, loc) for c in cells)))
                return
            s = " ".join(cells)
        s = norm_text(s)
        if s:
            self.blocks.append(para(s, loc))

    def cell(self) -> None:
        text = self.take()
        self.pieces.append(norm_text(text.replace("\t", " ")))
        self.row_cells.append(join_pieces(self.pieces))
        self.pieces = []

    def row(self) -> None:
        if self.cur or self.bytebuf or self.pieces:
            rest = self.take()
            if rest.strip() or self.pieces:
                self.pieces.append(norm_text(rest))
                self.row_cells.append(join_pieces(self.pieces))
                self.pieces = []
        self.table_rows.append((self.row_cells, list(self.defs), self.row_left))
        self.row_cells = []

    def end_table(self) -> None:
        if not self.table_rows:
            return
        rows = self.table_rows
        self.table_rows = []
        xs = sorted({x for _, defs, _ in rows for x, _ in defs} | {left for _, _, left in rows})
        reps: list[int] = []
        for x in xs:
            if not reps or x - reps[-1] > 20:
                reps.append(x)

        def col_of(x: int) -> int:
            i = bisect_left(reps, x)
            if i < len(reps) and (i == 0 or reps[i] - x <= x - reps[i - 1]):
                return i
            return i - 1

        raw: list[list[RawCell]] = []
        open_v: dict[int, RawCell] = {}
        for texts, defs, left in rows:
            self.line += 1
            out: list[RawCell] = []
            use_defs = len(defs) == len(texts)
            lo = col_of(left)
            for i, text in enumerate(texts):
                if use_defs:
                    x, flags = defs[i]
                    hi = col_of(x)
                    span = max(1, hi - lo)
                else:
                    flags, span = set(), 1
                    hi = lo + 1
                if "clmrg" in flags and out:
                    out[-1].colspan += span
                elif "clvmrg" in flags and lo in open_v:
                    open_v[lo].rowspan += 1
                else:
                    cell = RawCell(text, self.line, span, 1)
                    out.append(cell)
                    for c in range(lo, lo + span):
                        open_v.pop(c, None)
                    if "clvmgf" in flags:
                        open_v[lo] = cell
                lo = hi if use_defs else lo + 1
            raw.append(out)
        self.blocks.extend(finish_table(raw, self.ntables))
        self.ntables += 1

    # ------------------------------------------------------------ parse
    def parse(self, s: str) -> None:
        g = _Groups({"uc": 1, "font": None, "intbl": False, "dest": None})
        pos = 0
        n = len(s)
        while pos < n:
            m = _TOKEN.match(s, pos)
            if m is None:  # a lone backslash at the end
                break
            pos = m.end()
            word, arg, hexb, sym, brace, text = m.groups()
            if brace == "{":
                g.open()
                continue
            if brace == "}":
                g.close()
                continue
            if word is None and hexb is None and sym is None and text is None:
                continue  # raw line breaks are not text in RTF
            if g.skip:
                text = g.skip_fallback(text)
                if text is None:
                    continue
            if sym == "*":
                g.star = True
                continue
            if word is not None:
                pos = self._word(s, pos, word, arg, g)
                continue
            g.fresh = False
            if g.state.get("dest") != "fonttbl":
                self._text(hexb, sym, text, g.state)
        if self.cur or self.bytebuf:
            self.par(g.state)
        if self.row_cells:
            self.row()
        self.end_table()

    def _word(self, s: str, pos: int, word: str, arg: str | None, g: _Groups) -> int:
        """Apply a control word that starts at `pos` - 1; returns where scanning goes on
        (past a skipped destination group or \\binN data)."""
        if g.fresh and (g.star or word in _SKIP_DEST):
            if word == "fonttbl":
                g.state["dest"] = "fonttbl"
                g.fresh = False
                return pos
            pos = self._skip_group(s, pos)
            g.drop()
            return pos
        g.fresh = False
        if word == "fonttbl":
            g.state["dest"] = "fonttbl"
        elif word == "bin":
            pos += max(0, int(arg or 0))
        else:
            g.skip = self.control(word, arg, g.state)
        return pos

    def _text(self, hexb: str | None, sym: str | None, text: str | None, state: dict) -> None:
        if hexb is not None:
            self.add_byte(int(hexb, 16), state)
        elif sym is not None:
            if sym in ("\n", "\r"):
                self.par(state)
            else:
                self.add(_SYMBOLS.get(sym, ""))
        elif text is not None:
            if text.isascii():
                self.add(text)
            else:  # raw 8-bit bytes in the text: codepage bytes
                for ch in text:
                    if ord(ch) < 128:
                        self.add(ch)
                    else:
                        self.add_byte(ord(ch), state)

    @staticmethod
    def _skip_group(s: str, pos: int) -> int:
        depth = 1
        n = len(s)
        while depth and pos < n:
            m = _SKIPPER.search(s, pos)
            if m is None:
                return n
            tok = m.group(0)
            if tok == "{":
                depth += 1
            elif tok == "}":
                depth -= 1
            elif m.group(1) is not None:
                pos = m.end() + max(0, int(m.group(1)))
                continue
            pos = m.end()
        return pos

    def control(self, word: str, arg: str | None, state: dict) -> int:
        """Apply a control word; return how many following characters to skip (\\uN)."""
        if state.get("dest") == "fonttbl":
            self._font_table(word, arg, state)
            return 0
        if word == "u" and arg is not None:
            code = int(arg)
            if code < 0:
                code += 65536
            self.add(chr(code))
            return state.get("uc", 1)
        if self._group_property(word, arg, state) or self._table_word(word, arg):
            return 0
        if word in ("par", "sect"):
            self.par(state)
        elif word == "line":
            if state.get("intbl") or self.row_cells:
                self.pieces.append(norm_text(self.take()))
            else:
                self.par(state)
        elif word == "tab":
            self.add("\t")
        elif word in _CHAR_WORDS:
            self.add(_CHAR_WORDS[word])
        return 0

    def _font_table(self, word: str, arg: str | None, state: dict) -> None:
        """Inside {\\fonttbl}: each font's \\fcharset, by font number."""
        if word == "f" and arg is not None:
            state["deffont"] = int(arg)
        elif word == "fcharset" and arg is not None and state.get("deffont") is not None:
            self.fonts[state["deffont"]] = int(arg)

    def _group_property(self, word: str, arg: str | None, state: dict) -> bool:
        """Code page, font, \\uc and table-paragraph words: they set how the text that
        follows is read. True when `word` was one."""
        if word == "uc" and arg is not None:
            state["uc"] = max(0, int(arg))
        elif word == "ansicpg" and arg is not None:
            cp = int(arg)
            self.ansicpg = "gb18030" if cp in (936, 20936, 54936) else f"cp{cp}"
            try:
                b"a".decode(self.ansicpg)
            except LookupError:
                self.ansicpg = "cp1252"
        elif word == "f" and arg is not None:
            state["font"] = int(arg)
        elif word == "af" and arg is not None:
            state["afont"] = int(arg)
        elif word == "dbch":
            state["dbch"] = True
        elif word in ("loch", "hich"):
            state["dbch"] = False
        elif word == "pard":
            state["intbl"] = False
        elif word == "intbl":
            state["intbl"] = True
        else:
            return False
        return True

    def _table_word(self, word: str, arg: str | None) -> bool:
        """Cell and row ends, row definitions (\\trowd, \\cellx boundaries, merge flags).
        True when `word` was one."""
        if word in ("cell", "nestcell"):
            self.cell()
        elif word == "row":
            self.row()
        elif word == "nestrow":
            pass
        elif word == "trowd":
            self.defs = []
            self.pending_flags = set()
            self.row_left = 0
        elif word == "trleft" and arg is not None:
            self.row_left = int(arg)
        elif word in ("clmgf", "clmrg", "clvmgf", "clvmrg"):
            self.pending_flags.add(word)
        elif word == "cellx" and arg is not None:
            self.defs.append((int(arg), self.pending_flags))
            self.pending_flags = set()
        else:
            return False
        return True


def read_rtf(data: bytes) -> Document:
    if not data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{\\rtf"):
        raise UnsupportedInput("not an RTF document (no {\\rtf header)")
    reader = _Rtf()
    reader.parse(data.decode("latin-1"))
    warnings: tuple[Warning, ...] = ()
    if not reader.blocks:
        warnings = (Warning("NO_TEXT", "the RTF document has no text"),)
    return Document(tuple(reader.blocks), "doc", (), warnings)
