#!/usr/bin/env python3
"""An independent verifier of a Passage audit trail, written from docs/audit-record.md ("Integrity")
alone, to show the format can be re-implemented. Usage:
  verify_chain.py FILE... [--public-key PEM]... [--anchor FILE]
The anchor is checkpoint lines (the anchor file) or a saved /audit/head answer (JSON).
Prints "intact <records>" (exit 0), "TAMPERED <what> <file>:<line> seq=<n>" (exit 1) or "unusable ..." (2)."""
import base64, gzip, hashlib, json, re, sys

GENESIS = "0" * 64
HASH_TAIL = re.compile(rb',"hash":"([0-9a-f]{64})"\}$')

def write_order(files):
    def key(f):
        m = re.fullmatch(r"(.+)\.(\d+)\.gz", f)
        if m: return (m.group(1), 0, -int(m.group(2)))
        m = re.fullmatch(r"(.+)\.rotating(?:\.(\d+))?", f)
        if m: return (m.group(1), 1, int(m.group(2) or 0))
        return (f, 2, 0)
    return sorted(files, key=key)

def parse(line):
    if line.startswith(b'{"type":"checkpoint",'):
        c = json.loads(line)
        c["signed"] = line[:line.rindex(b',"sig":"')] + b"}"
        return ("checkpoint", c)
    m = HASH_TAIL.search(line)
    if not m: return ("bad", None)
    canonical = line[:m.start()] + b"}"           # the line without its last member, "hash"
    h = hashlib.sha256(canonical).hexdigest()
    if h != m.group(1).decode(): return ("bad", None)
    chain = json.loads(canonical)["chain"]
    return ("record", dict(stream=chain["stream"], seq=chain["seq"], prev=chain["prev"], hash=h))

def lines(files):
    for f in files:
        parts = (gzip.open(f, "rb") if f.endswith(".gz") else open(f, "rb")).read().split(b"\n")
        tail = parts.pop()                         # b"" when the file ends with a newline
        for n, line in enumerate(parts, 1): yield f, n, line
        if tail and f != files[-1]: yield f, len(parts) + 1, tail

def load_keys(path):
    from cryptography.hazmat.primitives.serialization import load_pem_public_key, Encoding, PublicFormat
    keys = {}
    for block in re.findall(r"-----BEGIN PUBLIC KEY-----.*?-----END PUBLIC KEY-----", open(path).read(), re.S):
        k = load_pem_public_key(block.encode())
        keys[hashlib.sha256(k.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)).digest()[:8].hex()] = k
    return keys

def signature_problem(c, keys):
    if keys is None: return None
    if c["key_id"] not in keys: return "unknown_key"
    try: keys[c["key_id"]].verify(base64.b64decode(c["sig"]), c["signed"]); return None
    except Exception: return "bad_signature"

def verify(files, keys, anchor):
    items = [(f, n, *parse(l), l) for f, n, l in lines(write_order(files))]
    seen, cur, where, last = {}, {}, {}, None      # stream -> {seq: hash} / seq of its last record / its place
    def found(what, f, n, seq): return "TAMPERED %s %s:%d seq=%d" % (what, f, n, seq)
    for i, (f, n, kind, v, raw) in enumerate(items):
        nxt = items[i + 1][2] == "record" and items[i + 1][3] if i + 1 < len(items) else None
        if kind == "bad":
            replay = last and nxt and nxt["stream"] == last["stream"] and nxt["seq"] <= last["seq"] \
                and seen[nxt["stream"]].get(nxt["seq"]) == nxt["hash"]
            if replay or nxt and len(items[i + 1][4]) > len(raw) and items[i + 1][4].startswith(raw):
                continue                           # a write torn by a crash; the records it held follow whole
            exp, prev = (last["seq"] + 1, last["hash"]) if last else (1, GENESIS)
            links = nxt and nxt["seq"] == exp and nxt["prev"] == prev and (not last or nxt["stream"] == last["stream"])
            return found("inserted" if links else "edited", f, n, exp)
        if kind == "checkpoint":
            bad = signature_problem(v, keys)
            if bad: return found(bad, f, n, v["seq"])
            h = seen.get(v["stream"], {})
            if v["seq"] > max(h, default=0): return found("deleted", f, n, max(h, default=0) + 1)
            if h[v["seq"]] != v["hash"]: return found("edited", f, n, v["seq"])
            continue
        s, q = v["stream"], v["seq"]
        if s not in seen:
            if q != 1 or v["prev"] != GENESIS: return found("deleted", f, n, 1)
            seen[s] = {}
        h, c = seen[s], cur.get(s, 0)
        top = max(h, default=0)
        if q == c + 1 and q > top:
            if v["prev"] != h.get(c, GENESIS):
                if nxt and nxt["seq"] == q and nxt["prev"] == h.get(c, GENESIS): return found("inserted", f, n, q)
                return found("edited", *where[s], c)
        elif 1 <= q <= top and q <= c + 1:
            if h.get(q) != v["hash"]: return found("inserted", *(where[s] if q == c else (f, n)), q)
        elif q > c + 1:
            reordered = nxt and nxt["stream"] == s and nxt["seq"] == c + 1
            return found("reordered", f, n, q) if reordered else found("deleted", f, n, c + 1)
        else:
            return found("reordered", f, n, q)
        a = anchor.get(s, {}).get(q)
        if a is not None and a != v["hash"]: return found("edited", f, n, q)
        h.setdefault(q, v["hash"]); cur[s] = q; where[s] = (f, n); last = v
    for s, cps in anchor.items():
        if s in seen and max(cps) > max(seen[s]):
            f = write_order(files)[-1]
            return found("truncated", f, sum(1 for x in items if x[0] == f) + 1, max(seen[s]) + 1)
    return "intact %d" % sum(len(h) for h in seen.values()) if seen else None

def anchor_lines(path):
    """An anchor file's lines, or the checkpoints of a saved /audit/head answer rebuilt as the lines
    that were signed (members in the writer's order, no spaces); its findings are at line 1."""
    text = open(path, "rb").read()
    if not text.lstrip().startswith(b"{") or text.startswith(b'{"type":"checkpoint",'):
        return list(lines([path]))
    order = ("type", "stream", "seq", "hash", "time", "key_id", "sig")
    cps = [s["checkpoint"] for s in json.loads(text)["streams"] if s.get("checkpoint")]
    return [(path, 1, json.dumps({k: c[k] for k in order}, separators=(",", ":")).encode()) for c in cps]

def main(argv):
    files, keys, anchor = [], None, {}
    args = iter(argv)
    for a in args:
        if a == "--public-key": keys = {**(keys or {}), **load_keys(next(args))}
        elif a == "--anchor": anchor_file = next(args)
        else: files.append(a)
    if "anchor_file" in locals():
        for f, n, line in anchor_lines(anchor_file):
            kind, c = parse(line)
            bad = signature_problem(c, keys)
            if bad: print("TAMPERED %s %s:%d seq=%d" % (bad, f, n, c["seq"])); return 1
            anchor.setdefault(c["stream"], {})[c["seq"]] = c["hash"]
    result = verify(files, keys, anchor)
    if result is None: print("unusable: no chained records"); return 2
    print(result)
    return 0 if result.startswith("intact") else 1

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
