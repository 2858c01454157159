"""File names as they are on disk, whatever their bytes.

A POSIX file name is bytes. Python hands a name that is not UTF-8 (a GBK name from a zip made
on Windows and unpacked on Linux) as a str holding lone surrogates (PEP 383 surrogate
escapes): lossless inside the program, so the file can still be opened, but impossible to
write as UTF-8. Every output gets `readable(name)` instead: valid UTF-8 kept as it is, each
byte that is not written ``\\xHH``; and, where the two differ, `raw_hex(name)`, the name's
bytes in hex, so that nothing is lost.
"""

from __future__ import annotations


def name_bytes(name: str) -> bytes:
    try:
        return name.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a lone surrogate that is no escaped byte: keep it visible
        return name.encode("utf-8", "backslashreplace")


def readable(name: str) -> str:
    """Valid UTF-8 with the undecodable bytes escaped (``报告\\xb1\\xa8.txt``)."""
    return name_bytes(name).decode("utf-8", "backslashreplace")


def raw_hex(name: str) -> str | None:
    """The name's bytes in hex when `readable` had to escape some of them, else None."""
    b = name_bytes(name)
    try:
        b.decode("utf-8")
    except UnicodeDecodeError:
        return b.hex()
    return None
