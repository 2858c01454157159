#!/usr/bin/env python3
"""Compare `xxgk parse --json` output before and after a change, byte for byte.

    .venv/bin/python scripts/compare_outputs.py OUT [--against PREVIOUS_OUT] [--n N] [--corpus DIR]

Writes into OUT:

* ``corpus.jsonl``     `xxgk parse --json` of every raw file of the corpus folder (default
                       ../shared/corpus), run from inside that folder so paths are relative;
* ``generated.jsonl``  the same for a fixed batch of generated reports: seeds 0..N-1 as
                       `synth.generator.generate` draws them (both templates, every text
                       style) and N/5 pre-2019 reports, their text written to OUT/inputs/.

With ``--against``, each file is compared line by line (one report a line) with the same
file of the earlier run: the script prints how many reports differ, the first few
differing cell addresses or keys, and exits 1 when anything differs. A refactoring that
claims "no change in output" runs this on the old commit, then on the new one.

The CLI runs in a child process of this Python with PYTHONPATH set to this checkout, so
that the code compared is the checkout's, whatever is installed.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RAW_EXT = (".txt", ".html", ".htm", ".pdf", ".docx", ".doc", ".wps", ".md")


def _parse_json(files: list[str], cwd: Path) -> str:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    p = subprocess.run([sys.executable, "-m", "pipeline.cli", "parse", "--json", *files], cwd=cwd, env=env,
                       capture_output=True, text=True, check=False)
    if not p.stdout.strip():
        raise SystemExit(f"xxgk parse printed nothing (exit {p.returncode}): {p.stderr[-2000:]}")
    return p.stdout


def _corpus_files(corpus: Path) -> list[str]:
    return sorted(p.name for p in corpus.iterdir() if p.suffix.lower() in RAW_EXT and p.name != "README.md")


def _write_generated(inputs: Path, n: int) -> list[str]:
    sys.path.insert(0, str(ROOT))
    from synth.generator import generate

    inputs.mkdir(parents=True, exist_ok=True)
    names = []
    seeds = [(s, None) for s in range(n)] + [(100_000 + s, "pre2019") for s in range(n // 5)]
    for seed, version in seeds:
        g = generate(seed, version=version)
        name = f"gen-{seed:06d}.txt"
        (inputs / name).write_bytes(g.data)
        names.append(name)
    return names


def _diff(name: str, new: Path, old: Path, show: int) -> int:
    a = new.read_text(encoding="utf-8").splitlines()
    b = old.read_text(encoding="utf-8").splitlines()
    if len(a) != len(b):
        print(f"{name}: {len(a)} reports now, {len(b)} before")
    differ = 0
    for la, lb in zip(a, b):
        if la == lb:
            continue
        differ += 1
        if differ <= show:
            _show(json.loads(la), json.loads(lb))
    print(f"{name}: {differ} of {len(a)} reports differ")
    return differ + (len(a) != len(b))


def _show(a: dict, b: dict) -> None:
    path = a.get("source", {}).get("path")
    keys = [k for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)]
    print(f"  {path}: keys {', '.join(keys)}")
    ca = {c["address"]: c for c in a.get("cells") or []}
    cb = {c["address"]: c for c in b.get("cells") or []}
    for addr in [x for x in sorted(set(ca) | set(cb)) if ca.get(x) != cb.get(x)][:5]:
        print(f"    {addr}: {json.dumps(cb.get(addr), ensure_ascii=False)} -> {json.dumps(ca.get(addr), ensure_ascii=False)}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path, help="folder to write the outputs to")
    ap.add_argument("--against", type=Path, help="folder of an earlier run to compare with")
    ap.add_argument("--n", type=int, default=300, help="generated reports (default 300, plus N/5 pre-2019)")
    ap.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    ap.add_argument("--show", type=int, default=5, help="differing reports shown per file")
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    if args.corpus.is_dir():
        (args.out / "corpus.jsonl").write_text(_parse_json(_corpus_files(args.corpus), args.corpus), encoding="utf-8")
    else:
        print(f"no corpus folder at {args.corpus}: generated reports only")
    inputs = args.out / "inputs"
    names = _write_generated(inputs, args.n)
    (args.out / "generated.jsonl").write_text(_parse_json(names, inputs), encoding="utf-8")
    print(f"wrote {args.out}/corpus.jsonl and generated.jsonl ({len(names)} generated reports)")
    if not args.against:
        return 0
    differ = 0
    for name in ("corpus.jsonl", "generated.jsonl"):
        old = args.against / name
        if old.exists() and (args.out / name).exists():
            differ += _diff(name, args.out / name, old, args.show)
    print("identical" if not differ else "OUTPUT DIFFERS")
    return 1 if differ else 0


if __name__ == "__main__":
    raise SystemExit(main())
