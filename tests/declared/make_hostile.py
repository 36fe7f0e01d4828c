"""Write the hostile files of the bad-input corpus (they are committed; run to regenerate).

Usage: ``python tests/declared/make_hostile.py tests/declared/bad``.  Each file
keeps the corpus convention: ``# expect:`` on line 1, ``# <-`` on the line the
error must point at (see test_bad_corpus.py).  Line numbers: the four header
lines below put the first ``vars`` entry on line 5.
"""

from __future__ import annotations

import sys
from pathlib import Path

SITE = "sites:\n  - {name: hq, ranges: [10.0.0.0/24]}\nvars:\n"
BOMB = "# expect: aliases expand this document\n" + SITE
DEEP = "# expect: nested deeper than 100\n" + SITE
N = 5000


def chain(first: str, line: str, levels: range, marked: int) -> str:
    """``first`` then one ``line`` per level (``{n}``/``{p}``: this/previous level), one marked."""
    out = [first]
    for n in levels:
        mark = "  # <-" if n == marked else ""
        out.append(line.format(n=n, p=n - 1) + mark)
    return "\n".join(out) + "\n"


def files() -> dict[str, str | bytes]:
    lol = ", ".join(['"lol"'] * 9)
    nine = ", ".join(["*{p}"] * 9)
    return {
        # classic billion laughs: nested lists of aliases; h is the worst anchor
        "inv-yaml-alias-bomb-lists.yml": BOMB
        + "  a: &a ["
        + lol
        + "]\n"
        + "".join(
            f"  {c}: &{c} ["
            + ", ".join([f"*{p}"] * 9)
            + "]"
            + ("  # <-" if c == "h" else "")
            + "\n"
            for p, c in zip("abcdefgh", "bcdefghi", strict=True)
        ),
        # merge keys: each level merges the previous one nine times
        "inv-yaml-alias-bomb-merge.yml": BOMB
        + chain(
            "  m0: &m0 {k0: x, k1: x, k2: x, k3: x, k4: x, k5: x, k6: x, k7: x}",
            "  m{n}: &m{n} {{<<: [" + nine.replace("{p}", "m{p}") + "]}}",
            range(1, 10),
            8,
        ),
        # a long doubling chain: 2**64 nodes from 65 short lines
        "inv-yaml-alias-bomb-chain.yml": BOMB
        + chain("  c0: &c0 [x, x]", "  c{n}: &c{n} [*c{p}, *c{p}]", range(1, 65), 63),
        # each anchor wraps the previous one: 5,000 levels without one nested bracket
        "inv-yaml-alias-deep-chain.yml": DEEP
        + chain("  d0: &d0 [x]", "  d{n}: &d{n} [*d{p}]", range(1, N), 98),
        "inv-yaml-alias-recursive.yml": "# expect: contains an alias to itself\n"
        + SITE
        + "  loop: &loop [x, *loop]  # <-\n",
        "inv-yaml-deep-flow-seq.yml": DEEP + "  deep: " + "[" * N + "]" * N + "  # <-\n",
        "inv-yaml-deep-flow-map.yml": DEEP + "  deep: " + "{a: " * N + "x" + "}" * N + "  # <-\n",
        # one space per level: the 101st mapping starts at key k100 (line 104)
        "inv-yaml-deep-block-indent.yml": DEEP
        + "".join(" " * n + f"k{n}:" + ("  # <-" if n == 100 else "") + "\n" for n in range(1, 400))
        + " " * 400
        + "end\n",
        "inv-yaml-deep-block-dash.yml": DEEP + "  deep:\n    " + "- " * N + "x  # <-\n",
        "inv-yaml-latin1.yml": (
            "# expect: not UTF-8: byte 0xE9\nsites:\n"
            "  - name: caf\u00e9  # <-\n    ranges: [10.0.0.0/24]\n"
        ).encode("latin-1"),
        "inv-yaml-utf16-bom.yml": (
            "# expect: not UTF-8: byte 0xFF\nsites:\n  - name: hq\n    ranges: [10.0.0.0/24]\n"
        ).encode("utf-16"),
        "inv-yaml-nul-byte.yml": (
            b"# expect: is not allowed in YAML\nsites:\n"
            b"  - name: h\x00q  # <-\n    ranges: [10.0.0.0/24]\n"
        ),
    }


if __name__ == "__main__":
    for name, body in files().items():
        path = Path(sys.argv[1]) / name
        path.write_bytes(body if isinstance(body, bytes) else body.encode())
