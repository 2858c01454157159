"""The cache folder's files (compiled template regexes, the region store): what a later
process reads is what it would have computed, a damaged or unwritable cache is no error,
and stale files are pruned."""

import os
import re
import subprocess
import sys
import time

from parsers import cachedir, regex_cache

PATTERNS = [r"(?:本[\s“”]*年[\s“”]*新)|(?P<n>[一二三]{1,2})\s*[、.]", r"\d+(?=件)", "(?i)abc|[^\\s\\d]{1,5}"]


def _compile_in_child(cache, code: str) -> str:
    env = {**os.environ, "XXGK_CACHE_DIR": str(cache)}
    pre = "from parsers import regex_cache\nimport re\n"
    return subprocess.run(
        [sys.executable, "-c", pre + code], capture_output=True, text=True, check=True, env=env
    ).stdout.strip()


def test_compiled_patterns_come_back_from_the_file_equal(tmp_path):
    _compile_in_child(tmp_path, f"[regex_cache.compile(p) for p in {PATTERNS!r}]")
    assert (tmp_path / regex_cache.path().name).is_file()
    out = _compile_in_child(
        tmp_path,
        f"ps = {PATTERNS!r}\n"
        "print(len(regex_cache._entries()), all(regex_cache.compile(p) == re.compile(p) "
        "for p in ps), regex_cache._new == {})",
    )
    assert out == f"{len(PATTERNS)} True True"


def test_a_damaged_file_is_compiled_again(tmp_path):
    _compile_in_child(tmp_path, f"[regex_cache.compile(p) for p in {PATTERNS!r}]")
    f = tmp_path / regex_cache.path().name
    f.write_bytes(f.read_bytes()[: len(f.read_bytes()) // 2])
    out = _compile_in_child(tmp_path, f"print(all(regex_cache.compile(p) == re.compile(p) for p in {PATTERNS!r}))")
    assert out == "True"


def test_an_entry_whose_code_the_engine_refuses_falls_back(monkeypatch):
    p = PATTERNS[1]
    flags, code, groups, gi, ig = regex_cache._entry_of(p, 0)
    monkeypatch.setattr(regex_cache, "_stored", {(p, 0): (flags, b"\x07" * len(code), groups, gi, ig)})
    monkeypatch.setattr(regex_cache, "_compiled", {})
    assert regex_cache.compile(p) == re.compile(p)


def test_stale_files_are_pruned_and_files_in_use_kept(tmp_path):
    keep = tmp_path / "regions-new.sqlite"
    old, fresh, other = (tmp_path / n for n in ("regions-old.sqlite", "segment-fresh.sqlite", "notes.txt"))
    for p in (keep, old, fresh, other):
        p.write_bytes(b"x")
    day_ago = time.time() - cachedir.STALE_SECONDS - 60
    for p in (keep, old, other):
        os.utime(p, (day_ago, day_ago))
    assert cachedir.prune(keep, "regions-*.sqlite", "segment-*.sqlite") == [old]
    assert keep.exists() and fresh.exists() and other.exists() and not old.exists()


def test_an_unwritable_cache_folder_builds_the_region_index_in_memory(tmp_path):
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    env = {**os.environ, "XXGK_CACHE_DIR": str(blocked / "xxgk")}
    code = (
        "from pipeline.regions import resolve_region\n"
        "r = resolve_region('永安市大胡镇人民政府')\nprint(r.code, r.warnings[0][0])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    assert out.stdout.split() == ["350481104", "PLACE_NAME_FUZZY"]
    assert "building it in memory" in out.stderr


def test_a_file_grown_past_its_size_starts_over(tmp_path):
    _compile_in_child(tmp_path, f"[regex_cache.compile(p) for p in {PATTERNS[:2]!r}]")
    out = _compile_in_child(
        tmp_path,
        f"regex_cache.MAX_BYTES = 10\nregex_cache.compile({PATTERNS[2]!r})\n"
        "regex_cache.save()\nregex_cache._stored = None\nprint(len(regex_cache._entries()))",
    )
    assert out == "1"
