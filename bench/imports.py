#!/usr/bin/env python3
"""Counts the imports between the files of src/ from their own `crate::`, `super::` and `self::`
paths (file to file, unit tests left out) and reports the import circles.

    python3 bench/imports.py            # summary: imports, circles, the largest files
    python3 bench/imports.py --circles  # every arrow inside a circle

It exits non-zero when a limit of the house is passed (--max-circle-imports, --max-circle-files,
--max-lines), so CI can hold them.
"""
import argparse
import os
import re
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src")


def module_of(rel):
    parts = rel[:-3].split("/")
    if parts[-1] in ("mod", "lib", "main"):
        parts = parts[:-1]
    return parts


def blank(text):
    """Empties comments, strings and character literals, keeping the code around them."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            i = n if j < 0 else j + 2
        elif c == "r" and re.match(r'r#*"', text[i:]) and not (i and (text[i - 1].isalnum() or text[i - 1] == "_")):
            hashes = re.match(r"r(#*)\"", text[i:]).group(1)
            j = text.find('"' + hashes, i + 2 + len(hashes))
            out.append('""')
            i = n if j < 0 else j + 1 + len(hashes)
        elif c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            out.append('""')
            i = j + 1
        elif c == "'" and re.match(r"'(\\.[^']*|[^\\'])'", text[i:]):
            m = re.match(r"'(\\.[^']*|[^\\'])'", text[i:])
            out.append("' '")
            i += m.end()
        else:
            out.append(c)
            i += 1
    return "".join(out)


def strip_tests(text):
    text = blank(text)
    m = re.search(r"#\[cfg\(test\)\]\s*mod\s+\w+\s*\{", text)
    if m:
        text = text[: m.start()]
    return text


def expand(tree):
    """Expands a use tree `a::{b, c::{d, e}}` into paths."""
    tree = tree.replace(" ", "").replace("\n", "")
    out = []

    def rec(prefix, s):
        i = s.find("{")
        if i < 0:
            out.append(prefix + s)
            return
        head = s[:i]
        body = s[i + 1 : s.rfind("}")]
        depth, start = 0, 0
        for j, ch in enumerate(body):
            if ch == "{":
                depth += 1
            elif ch == "}":
                depth -= 1
            elif ch == "," and depth == 0:
                if body[start:j]:
                    rec(prefix + head, body[start:j])
                start = j + 1
        if body[start:]:
            rec(prefix + head, body[start:])

    rec("", tree)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--circles", action="store_true")
    ap.add_argument("--max-circle-imports", type=int)
    ap.add_argument("--max-circle-files", type=int)
    ap.add_argument("--max-lines", type=int)
    args = ap.parse_args()

    files = {}
    for dirpath, _, names in os.walk(ROOT):
        for n in names:
            if n.endswith(".rs"):
                full = os.path.join(dirpath, n)
                files[os.path.relpath(full, ROOT)] = open(full, encoding="utf-8").read()
    by_module = {}
    for rel in files:
        by_module[tuple(module_of(rel))] = rel

    def resolve(mod, path, children=()):
        segs = [s for s in path.split("::") if s]
        if not segs:
            return None
        if segs[0] in children:
            base = list(mod)
        elif segs[0] == "crate":
            base, segs = [], segs[1:]
        elif segs[0] in ("super", "self"):
            base = list(mod)
            while segs and segs[0] in ("super", "self"):
                if segs[0] == "super":
                    base = base[:-1]
                segs = segs[1:]
        else:
            return None
        full = base + segs
        for k in range(len(full), -1, -1):
            key = tuple(full[:k])
            if key in by_module:
                return by_module[key]
        return None

    edges = {}
    for rel, text in files.items():
        mod = module_of(rel)
        body = strip_tests(text)
        paths = []
        children = set(re.findall(r"(?m)^\s*(?:pub(?:\([\w:]+\))?\s+)?mod\s+(\w+)\s*;", body))
        for m in re.finditer(r"\buse\s+((?:crate|super|self)::[^;]*);", body):
            paths += expand(m.group(1))
        for m in re.finditer(r"\buse\s+(\w+::[^;]*);", body):
            if m.group(1).split("::")[0] in children:
                paths += expand(m.group(1))
        body_wo_use = re.sub(r"\buse\s+[^;]*;", "", body)
        paths += re.findall(r"\b((?:crate|super|self)(?:::(?:super|self))*::[A-Za-z_][A-Za-z0-9_]*(?:::[A-Za-z_][A-Za-z0-9_]*)*)", body_wo_use)
        for p in paths:
            t = resolve(mod, p, children)
            if t and t != rel:
                edges.setdefault(rel, set()).add(t)

    # Tarjan's strongly connected components.
    index, low, stack, on, comps, counter = {}, {}, [], set(), [], [0]
    sys.setrecursionlimit(10000)

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            comps.append(comp)

    for v in sorted(files):
        if v not in index:
            visit(v)
    circles = [sorted(c) for c in comps if len(c) > 1]
    member = {f: i for i, c in enumerate(circles) for f in c}
    total = sum(len(v) for v in edges.values())
    inside = [(a, b) for a, bs in edges.items() for b in bs if a in member and member.get(b) == member[a]]
    print(f"imports between files: {total}")
    print(f"imports inside circles: {len(inside)}")
    print(f"circles: {len(circles)}; largest: {max((len(c) for c in circles), default=0)} files")
    for c in sorted(circles, key=len, reverse=True):
        print(f"  circle of {len(c)}: {', '.join(c)}")
    if args.circles:
        for a, b in sorted(inside):
            print(f"    {a} -> {b}")
    lines = sorted(((text.count("\n"), rel) for rel, text in files.items()), reverse=True)
    over = [(n, r) for n, r in lines if args.max_lines and n > args.max_lines]
    print("largest files: " + ", ".join(f"{r} {n}" for n, r in lines[:6]))
    bad = []
    if args.max_circle_imports is not None and len(inside) > args.max_circle_imports:
        bad.append(f"{len(inside)} imports inside circles (limit {args.max_circle_imports})")
    if args.max_circle_files is not None and circles and max(len(c) for c in circles) > args.max_circle_files:
        bad.append(f"a circle of {max(len(c) for c in circles)} files (limit {args.max_circle_files})")
    for n, r in over:
        bad.append(f"src/{r} has {n} lines (limit {args.max_lines})")
    if bad:
        print("limits passed:\n  " + "\n  ".join(bad))
        sys.exit(1)


if __name__ == "__main__":
    main()
