#!/usr/bin/env python3
"""List every Rust function in src/ longer than the limit, outside test code.

Long functions hide their stages; this check keeps each one short enough to read, or names why
not. A function is measured from the line of its `fn` keyword to the line of its closing brace.
Test code is skipped: `#[cfg(test)]` items (a `mod tests { … }` block or any other item) and the
files `tests.rs` and every file of a `tests/` folder.

Exit status: 0 when every long function is listed in the allowlist (`path::fn  reason`, one per
line, `#` starts a comment; an entry covers every function of that name in the file), 1 when one is not (or an allowlist line names no long function, or has
no reason), 2 on a usage error.

Usage: scripts/long-functions.py [--limit N] [--allow FILE] [--root DIR] [--all]
"""
import argparse
import os
import re
import sys

IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def strip(src):
    """Blank comments, strings and char literals (newlines kept), so braces in them don't count."""
    out = []
    i, n = 0, len(src)

    def blank(text):
        return "".join(c if c == "\n" else " " for c in text)

    while i < n:
        c = src[i]
        nxt = src[i + 1] if i + 1 < n else ""
        prev = src[i - 1] if i > 0 else ""
        if c == "/" and nxt == "/":
            j = src.find("\n", i)
            j = n if j < 0 else j
            out.append(blank(src[i:j]))
            i = j
        elif c == "/" and nxt == "*":
            depth, j = 1, i + 2
            while j < n and depth:
                if src.startswith("/*", j):
                    depth, j = depth + 1, j + 2
                elif src.startswith("*/", j):
                    depth, j = depth - 1, j + 2
                else:
                    j += 1
            out.append(blank(src[i:j]))
            i = j
        elif c in "rb" and not (prev.isalnum() or prev == "_") and re.match(r"(?:br|r)#*\"", src[i:]):
            m = re.match(r"(?:br|r)(#*)\"", src[i:])
            close = '"' + m.group(1)
            j = src.find(close, i + m.end())
            j = n if j < 0 else j + len(close)
            out.append(blank(src[i:j]))
            i = j
        elif c == '"':
            j = i + 1
            while j < n and src[j] != '"':
                j += 2 if src[j] == "\\" else 1
            j = min(j + 1, n)
            out.append(blank(src[i:j]))
            i = j
        elif c == "'":
            # A char literal ('x', '\n', '\u{..}', '{') or a lifetime/label ('a, 'static).
            if nxt == "\\":
                j = src.find("'", i + 3)
                j = n if j < 0 else j + 1
                out.append(blank(src[i:j]))
                i = j
            elif i + 2 < n and src[i + 2] == "'":
                out.append("   ")
                i += 3
            else:
                out.append(c)
                i += 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def matching_brace(text, open_at):
    depth = 0
    for j in range(open_at, len(text)):
        if text[j] == "{":
            depth += 1
        elif text[j] == "}":
            depth -= 1
            if depth == 0:
                return j
    return len(text) - 1


def item_body(text, start):
    """Offset of the `{` opening the body of the item starting at `start`, or None if it ends in `;`."""
    depth = 0
    for j in range(start, len(text)):
        ch = text[j]
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        elif depth == 0 and ch == "{":
            return j
        elif depth == 0 and ch == ";":
            return None
    return None


CFG_TEST = re.compile(r"#\s*\[\s*cfg\s*\(\s*(?:all\s*\(\s*)?test\b")


def test_spans(text):
    spans = []
    for m in CFG_TEST.finditer(text):
        attr_end = text.find("]", m.end())
        # Skip further attributes on the same item.
        j = attr_end + 1
        while True:
            k = re.match(r"\s*#\s*\[", text[j:])
            if not k:
                break
            j = matching_square(text, j + k.end() - 1) + 1
        body = item_body(text, j)
        if body is not None:
            spans.append((m.start(), matching_brace(text, body)))
    return spans


def matching_square(text, open_at):
    depth = 0
    for j in range(open_at, len(text)):
        if text[j] == "[":
            depth += 1
        elif text[j] == "]":
            depth -= 1
            if depth == 0:
                return j
    return len(text) - 1


FN = re.compile(r"\bfn\s+(r#)?([A-Za-z_][A-Za-z0-9_]*)")


def functions(text):
    """(name, first line, last line) of every function with a body, nested ones included."""
    skip = test_spans(text)
    found = []
    for m in FN.finditer(text):
        if any(a <= m.start() <= b for a, b in skip):
            continue
        body = item_body(text, m.end())
        if body is None:
            continue
        end = matching_brace(text, body)
        first = text.count("\n", 0, m.start()) + 1
        last = text.count("\n", 0, end) + 1
        found.append((m.group(2), first, last))
    return found


def is_test_file(dirpath, name):
    return name == "tests.rs" or os.path.basename(dirpath) == "tests"


def scan(root, limit):
    long = []
    src = os.path.join(root, "src")
    for dirpath, dirnames, filenames in os.walk(src):
        dirnames.sort()
        for name in sorted(filenames):
            if not name.endswith(".rs") or is_test_file(dirpath, name):
                continue
            path = os.path.join(dirpath, name)
            with open(path, encoding="utf-8") as f:
                text = strip(f.read())
            rel = os.path.relpath(path, root).replace(os.sep, "/")
            for fn, first, last in functions(text):
                length = last - first + 1
                if length > limit:
                    long.append((rel, fn, first, length))
    return long


def load_allow(path):
    allow, bad = {}, []
    if not os.path.exists(path):
        return allow, bad
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            key, _, reason = line.partition(" ")
            if not reason.strip():
                bad.append(f"{path}:{number}: `{key}` has no reason")
            allow[key] = number
    return allow, bad


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", default=os.path.dirname(here))
    parser.add_argument("--limit", type=int, default=100)
    parser.add_argument("--allow", default=None)
    args = parser.parse_args()
    allow_path = args.allow or os.path.join(args.root, "scripts", "long-functions.allow")

    long = scan(args.root, args.limit)
    allow, problems = load_allow(allow_path)
    used = set()
    for rel, fn, first, length in sorted(long, key=lambda f: -f[3]):
        key = f"{rel}::{fn}"
        mark = "allowed" if key in allow else "TOO LONG"
        if key in allow:
            used.add(key)
        else:
            problems.append(f"{rel}:{first}: fn {fn} is {length} lines (limit {args.limit})")
        print(f"{length:5}  {rel}:{first}  {fn}  [{mark}]")
    for key, number in sorted(allow.items(), key=lambda kv: kv[1]):
        if key not in used:
            problems.append(f"{allow_path}:{number}: `{key}` is no longer over the limit; remove it")
    print(f"{len(long)} function(s) over {args.limit} lines")
    for p in problems:
        print(p, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
