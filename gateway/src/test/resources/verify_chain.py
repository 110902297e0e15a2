#!/usr/bin/env python3
"""An independent verifier of a Passage audit trail, written from docs/audit-record.md ("Integrity")
alone, to show the format can be re-implemented. Usage:
  verify_chain.py FILE... [--public-key PEM]... [--anchor FILE]
The anchor is checkpoint lines (the anchor file) or a saved /audit/head answer (JSON).
Prints "intact <records>" (exit 0), "TAMPERED <what> <file>:<line> seq=<n>" (exit 1) or "unusable ..." (2).
Reads line by line with one line of lookahead; per stream it keeps the hashes of its last WINDOW
seqs, as Java's verify does, so memory does not grow with the trail."""
import base64, gzip, hashlib, json, re, sys, zlib

GENESIS = "0" * 64
WINDOW = 1 << 17                                   # seqs a replay may go back (StreamState.WINDOW)
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

class Damaged(Exception):
    def __init__(self, f, n): self.f, self.n = f, n

def lines(files, counts=None):
    """(file, line number, bytes without newline), one at a time; the last file's unterminated tail
    (a write in progress) is not yielded. counts[file] = lines yielded from it."""
    for f in files:
        n = 0
        with (gzip.open(f, "rb") if f.endswith(".gz") else open(f, "rb")) as fh:
            while True:
                try: raw = fh.readline()
                except (OSError, EOFError, zlib.error): raise Damaged(f, n + 1)
                if not raw: break
                if raw.endswith(b"\n"): raw = raw[:-1]
                elif f == files[-1]: break
                n += 1
                if counts is not None: counts[f] = n
                yield f, n, raw

def items(files, counts):
    """Parsed lines, each with the next one: (file, line, kind, value, raw), next or None."""
    it = ((f, n, *parse(l), l) for f, n, l in lines(files, counts))
    cur = next(it, None)
    while cur is not None:
        nxt = next(it, None)
        yield cur, nxt
        cur = nxt

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

class Stream:
    """What is kept of one stream: its last record (seq, place) and the hashes of its last WINDOW seqs."""
    def __init__(self): self.cur, self.cur_hash, self.top, self.where, self.hashes = 0, GENESIS, 0, None, {}
    def hash_of(self, seq): return self.hashes.get(seq)
    def saw(self, v, f, n):
        self.cur, self.cur_hash, self.where = v["seq"], v["hash"], (f, n)
        if v["seq"] > self.top:
            self.top = v["seq"]
            self.hashes[v["seq"]] = v["hash"]
            self.hashes.pop(v["seq"] - WINDOW, None)

def verify(files, keys, anchor):
    order = write_order(files)
    counts = {}
    streams, last, records = {}, None, 0
    def found(what, f, n, seq): return "TAMPERED %s %s:%d seq=%d" % (what, f, n, seq)
    try:
        for (f, n, kind, v, raw), after in items(order, counts):
            nxt = after[3] if after and after[2] == "record" else None
            if kind == "bad":
                s = streams.get(last["stream"]) if last else None
                replay = last and nxt and nxt["stream"] == last["stream"] and nxt["seq"] <= last["seq"] \
                    and s.hash_of(nxt["seq"]) == nxt["hash"]
                if replay or nxt and len(after[4]) > len(raw) and after[4].startswith(raw):
                    continue                       # a write torn by a crash; the records it held follow whole
                exp, prev = (last["seq"] + 1, last["hash"]) if last else (1, GENESIS)
                links = nxt and nxt["seq"] == exp and nxt["prev"] == prev and (not last or nxt["stream"] == last["stream"])
                return found("inserted" if links else "edited", f, n, exp)
            if kind == "checkpoint":
                bad = signature_problem(v, keys)
                if bad: return found(bad, f, n, v["seq"])
                s = streams.get(v["stream"])
                top = s.top if s else 0
                if v["seq"] > top: return found("deleted", f, n, top + 1)
                seen = s.hash_of(v["seq"])
                if seen is not None and seen != v["hash"]: return found("edited", f, n, v["seq"])
                continue
            q = v["seq"]
            s = streams.get(v["stream"])
            if s is None:
                if q != 1 or v["prev"] != GENESIS: return found("deleted", f, n, 1)
                s = streams[v["stream"]] = Stream()
            elif q == s.cur + 1 and q > s.top:
                if v["prev"] != s.cur_hash:
                    if nxt and nxt["seq"] == q and nxt["prev"] == s.cur_hash: return found("inserted", f, n, q)
                    return found("edited", *s.where, s.cur)
            elif 1 <= q <= s.top and q <= s.cur + 1:
                if s.hash_of(q) != v["hash"]: return found("inserted", *(s.where if q == s.cur else (f, n)), q)
            elif q > s.cur + 1:
                reordered = nxt and nxt["stream"] == v["stream"] and nxt["seq"] == s.cur + 1
                return found("reordered", f, n, q) if reordered else found("deleted", f, n, s.cur + 1)
            else:
                return found("reordered", f, n, q)
            a = anchor.get(v["stream"], {}).get(q)
            if a is not None and a != v["hash"]: return found("edited", f, n, q)
            if q > s.top: records += 1
            s.saw(v, f, n); last = v
    except Damaged as d:
        return found("edited", d.f, d.n, 0)
    for stream, cps in anchor.items():
        s = streams.get(stream)
        if s and max(cps) > s.top:
            return found("truncated", order[-1], counts.get(order[-1], 0) + 1, s.top + 1)
    return "intact %d" % records if streams else None

def anchor_lines(path):
    """An anchor file's lines, or the checkpoints of a saved /audit/head answer rebuilt as the lines
    that were signed (members in the writer's order, no spaces); its findings are at line 1."""
    with open(path, "rb") as fh:
        start = fh.read(64)
    if not start.lstrip().startswith(b"{") or start.startswith(b'{"type":"checkpoint",'):
        yield from lines([path])
        return
    order = ("type", "stream", "seq", "hash", "time", "key_id", "sig")
    with open(path, "rb") as fh:
        for s in json.load(fh)["streams"]:
            c = s.get("checkpoint")
            if c: yield path, 1, json.dumps({k: c[k] for k in order}, separators=(",", ":")).encode()

def main(argv):
    files, keys, anchor, anchor_file = [], None, {}, None
    args = iter(argv)
    for a in args:
        if a == "--public-key": keys = {**(keys or {}), **load_keys(next(args))}
        elif a == "--anchor": anchor_file = next(args)
        else: files.append(a)
    if anchor_file:
        for f, n, line in anchor_lines(anchor_file):
            try: kind, c = parse(line)
            except ValueError:
                if line.startswith(b'{"type":"checkpoint",'): continue   # an append a crash cut short
                raise
            bad = signature_problem(c, keys)
            if bad: print("TAMPERED %s %s:%d seq=%d" % (bad, f, n, c["seq"])); return 1
            anchor.setdefault(c["stream"], {})[c["seq"]] = c["hash"]
    result = verify(files, keys, anchor)
    if result is None: print("unusable: no chained records"); return 2
    print(result)
    return 0 if result.startswith("intact") else 1

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
