#!/usr/bin/env python3
"""Turns one harness run (bench/run.sh or bench/scale.sh work dir) into the
table and ratios of issue 4, prints it, and puts it into bench/RESULTS.md
between markers (<!-- run:begin/end --> or <!-- scale:begin/end -->), keeping
everything else in that file (hand-written notes) as it is."""
import argparse
import json
import os
import re
import sys

ALGOS = ["EC_P256", "EC_P384", "SM2", "RSA_2048", "RSA_3072", "RSA_4096"]
RSA = {"RSA_2048", "RSA_3072", "RSA_4096"}


def load(path):
    rows = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line.startswith("{"):
                rows.append(json.loads(line))
    return rows


def fmt(x, digits=0):
    if x is None:
        return "–"
    if isinstance(x, float) and digits == 0 and x < 100:
        digits = 1 if x >= 10 else 2
    return f"{x:,.{digits}f}"


def ratio(a, b):
    if not a or not b:
        return None
    return a / b


def verdict(value, ok):
    if value is None:
        return "n/a"
    return "**met**" if ok else "**not met**"


def noise(r):
    w = r.get("window_s") or 0
    if not w or "other_cpu_s" not in r:
        return "–"
    return f"{r['other_cpu_s'] / w:.2f}"


def client_load(r):
    w = r.get("window_s") or 0
    return f"{r.get('client_cpu_s', 0) / w:.2f}" if w else "–"


def run_report(work):
    rows = load(os.path.join(work, "results.jsonl"))
    machine = json.load(open(os.path.join(work, "machine.json")))
    meta_path = os.path.join(work, "meta.json")
    meta = json.load(open(meta_path)) if os.path.exists(meta_path) else {}

    raw = {}
    for r in rows:
        if r.get("op") != "raw":
            continue
        a = raw.setdefault(r["algo"], {"rps": 0, "keygen_rps": 0, "variant": ""})
        if r["rps"] > a["rps"]:
            a["rps"], a["variant"] = r["rps"], r["variant"]
        a["keygen_rps"] = max(a["keygen_rps"], r["keygen_rps"])
        a.setdefault("by_variant", {})[r["variant"]] = r["rps"]
    by_label = {r["label"]: r for r in rows if "server" in r}

    out = []
    out.append(f"Run of {machine['date']} on {machine['nproc']} × {machine['cpu_model']} "
               f"(kernel {machine['kernel']}); servers and the raw loop on CPU "
               f"{machine['server_cpus']}, load generator on CPU {machine['client_cpus']}. "
               f"Load average at start {machine['load']}, at end {meta.get('load_end', '?')}; "
               f"run took {meta.get('elapsed_s', '?')} s. Auth: {meta.get('auth', 'aksk')}. "
               f"csrd flags: `{meta.get('csrd_flags', '').strip() or 'defaults'}`.")
    out.append("")
    out.append("`noise` = CPU-seconds per second used by *other* processes on the machine during "
               "that run (0 = quiet; 1 = a whole core stolen); `client` = the load generator's "
               "share of its core.")
    out.append("")
    cc = meta.get("create_conns", 16)
    out.append(f"### CreateCsr ({cc} connections; csrd with AK/SK, SQLite FULL sync, key sealing)")
    out.append("")
    out.append("| algorithm | csrd req/s | p50 ms | p99 ms | cfssl req/s | cfssl p50 | cfssl p99 "
               "| raw keygen+CSR /s | raw keygen /s | csrd/cfssl | csrd/raw | target | noise |")
    out.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|")
    targets = []
    for algo in ALGOS:
        c = by_label.get(f"create_{algo}")
        f = by_label.get(f"cfssl_{algo}")
        rw = raw.get(algo, {})
        crps = c["rps"] if c else None
        frps = f["rps"] if f else None
        denom = rw.get("keygen_rps") if algo in RSA else rw.get("rps")
        r_cf = ratio(crps, frps)
        r_raw = ratio(crps, denom)
        target = ""
        if algo == "EC_P256":
            ok1 = r_cf is not None and r_cf >= 1.5
            ok2 = r_raw is not None and r_raw >= 0.5
            target = f"≥1.5× cfssl {verdict(r_cf, ok1)}; ≥0.5× raw {verdict(r_raw, ok2)}"
            targets.append(("CreateCsr EC_P256 ≥ 1.5× cfssl newkey", r_cf, ok1))
            targets.append(("CreateCsr EC_P256 ≥ 50% of raw keygen+CSR", r_raw, ok2))
        elif algo == "SM2":
            ok = r_raw is not None and r_raw >= 0.75
            target = f"≥0.75× raw {verdict(r_raw, ok)}"
            targets.append(("CreateCsr SM2 ≥ 75% of raw keygen+CSR", r_raw, ok))
        elif algo in ("RSA_2048", "RSA_4096"):
            ok = r_raw is not None and r_raw >= 0.9
            target = f"sustained ≥0.9× raw keygen {verdict(r_raw, ok)}"
            targets.append((f"CreateCsr {algo} sustained ≥ 90% of raw keygen", r_raw, ok))
        out.append("| " + " | ".join([
            algo + (" (sustained)" if algo in RSA else ""),
            fmt(crps), fmt(c and c["p50_ms"], 1), fmt(c and c["p99_ms"], 1),
            fmt(frps), fmt(f and f["p50_ms"], 1), fmt(f and f["p99_ms"], 1),
            fmt(rw.get("rps")), fmt(rw.get("keygen_rps")),
            fmt(r_cf, 2) if r_cf else "–", fmt(r_raw, 2) if r_raw else "–", target,
            noise(c) if c else "–"]) + " |")
    f = by_label.get("cfssl_RSA_4096")
    for label, what in (("create_RSA_4096_burst_c1", "one client"), ("create_RSA_4096_burst", "concurrent")):
        b = by_label.get(label)
        if not b:
            continue
        ok = b["p99_ms"] <= 20
        out.append(f"| RSA_4096 burst, {what}: {b['ok']} requests on c={b['connections']}, pool full | "
                   f"{fmt(b['rps'])} | {fmt(b['p50_ms'], 1)} | {fmt(b['p99_ms'], 1)} | "
                   f"{fmt(f and f['rps'])} | {fmt(f and f['p50_ms'], 1)} | {fmt(f and f['p99_ms'], 1)} "
                   f"| | | | | p99 ≤ 20 ms {verdict(b['p99_ms'], ok)} | {noise(b)} |")
        targets.append((f"CreateCsr RSA_4096 burst ({what}) p99 ≤ 20 ms", b["p99_ms"], ok))
    out.append("")
    out.append("raw = the faster of two in-process loops on the same cores and thread count "
               "(`csrd`: crypto::PrivateKey::Generate + crypto::BuildCsrPem; `fast`: "
               "bench/fast_csr.cc); per algorithm: " +
               ", ".join(f"{a} {v['variant']}" + (
                   f" (csrd loop {fmt(v['by_variant']['csrd'])}/s)" if 'csrd' in v.get('by_variant', {}) and v['variant'] != 'csrd' else "")
                   for a, v in raw.items()) + ". RSA rows compare with raw keygen alone.")
    out.append("")

    rc = meta.get("read_conns", 64)
    bare = by_label.get("bare_get")
    out.append(f"### Reads ({rc} connections; csrd with {meta.get('auth', 'aksk')}) vs the bare server")
    out.append("")
    out.append("| operation | req/s | p50 ms | p95 ms | p99 ms | max ms | csrd/bare | target | noise | client |")
    out.append("|---|---:|---:|---:|---:|---:|---:|---|---:|---:|")
    if bare:
        out.append(f"| bare hello-JSON GET | {fmt(bare['rps'])} | {fmt(bare['p50_ms'], 2)} | "
                   f"{fmt(bare['p95_ms'], 2)} | {fmt(bare['p99_ms'], 2)} | {fmt(bare['max_ms'], 1)} | 1 | "
                   f"ceiling | {noise(bare)} | {client_load(bare)} |")
    for op, name in (("show", "ShowCsr"), ("list", "ListCsr (limit 50)"), ("delete", "DeleteCsr")):
        r = by_label.get(op)
        if not r:
            continue
        rr = ratio(r["rps"], bare and bare["rps"])
        ok = rr is not None and rr >= 0.5
        targets.append((f"{name} ≥ 50% of bare", rr, ok))
        out.append(f"| {name} | {fmt(r['rps'])} | {fmt(r['p50_ms'], 2)} | {fmt(r['p95_ms'], 2)} | "
                   f"{fmt(r['p99_ms'], 2)} | {fmt(r['max_ms'], 1)} | {fmt(rr, 2) if rr else '–'} | "
                   f"≥0.5 {verdict(rr, ok)} | {noise(r)} | {client_load(r)} |")
    out.append("")
    out.append(f"csrd RSS: {meta.get('csrd_rss_kib_idle', 0) / 1024:.1f} MiB idle after start "
               f"(pool full), {meta.get('csrd_rss_kib_end', 0) / 1024:.1f} MiB at the end.")
    out.append("")
    errs = [r for r in rows if r.get("failed") or r.get("io_errors")]
    if errs:
        out.append("Runs with failed responses or I/O errors: " + ", ".join(
            f"{r['label']} ({r.get('failed', 0)} failed {r.get('status')}, {r.get('io_errors', 0)} io)"
            for r in errs) + ".")
        out.append("")
    out.append("Targets: " + "; ".join(
        f"{name}: {fmt(v, 2) if v is not None else 'n/a'} {'met' if ok else 'NOT met'}"
        for name, v, ok in targets) + ".")
    return "\n".join(out)


def scale_report(work):
    rows = load(os.path.join(work, "scale.jsonl"))
    machine = json.load(open(os.path.join(work, "machine.json")))
    out = [f"Run of {machine['date']} on {machine['nproc']} × {machine['cpu_model']}; "
           f"load average at start {machine['load']}. Rows seeded through store::Store "
           f"(bench/seed_csrs.cc: a real EC_P256 CSR and a per-row sealed key), csrd restarted "
           f"on the data at each size; AK/SK auth; p50 over a short closed-loop run.", "",
           "| stored CSRs | ListCsr req/s | ListCsr p50 ms | ShowCsr req/s | ShowCsr p50 ms | "
           "csrd RSS MiB | peak RSS MiB | DB size MiB |", "|---:|---:|---:|---:|---:|---:|---:|---:|"]
    sizes = {}
    for r in rows:
        sizes.setdefault(r["stored"], {})[r["label"]] = r
    base = None
    for n in sorted(sizes):
        s = sizes[n]
        lst, shw = s.get("list"), s.get("show")
        meta = s.get("meta", {})
        if base is None and lst:
            base = lst["p50_ms"]
        out.append(f"| {n:,} | {fmt(lst and lst['rps'])} | {fmt(lst and lst['p50_ms'], 2)} | "
                   f"{fmt(shw and shw['rps'])} | {fmt(shw and shw['p50_ms'], 2)} | "
                   f"{meta.get('rss_kib', 0) / 1024:.1f} | {meta.get('hwm_kib', 0) / 1024:.1f} | "
                   f"{meta.get('db_bytes', 0) / 2**20:.0f} |")
    out.append("")
    if sizes:
        big = max(sizes)
        lst = sizes[big].get("list")
        rss = sizes[big].get("meta", {}).get("rss_kib", 0) / 1024
        if lst and base:
            r = lst["p50_ms"] / base
            out.append(f"Targets: ListCsr p50 at {big:,} / at {min(sizes):,} = {r:.2f} "
                       f"(≤ 1.5: {'met' if r <= 1.5 else 'NOT met'}); RSS at {big:,} = {rss:.1f} MiB "
                       f"(≤ 64 MiB: {'met' if rss <= 64 else 'NOT met'}).")
    return "\n".join(out)


def splice(path, tag, title, body):
    begin, end = f"<!-- {tag}:begin -->", f"<!-- {tag}:end -->"
    block = f"{begin}\n## {title}\n\n{body}\n{end}"
    text = open(path).read() if os.path.exists(path) else \
        "# csrd benchmark results\n\nProduced by `bench/run.sh` (and `bench/run.sh --scale`); " \
        "ratios measured side by side in one run on the same machine.\n"
    if begin in text and end in text:
        text = re.sub(re.escape(begin) + ".*?" + re.escape(end), lambda _: block, text, flags=re.S)
    else:
        # New blocks go before the hand-written notes, if any.
        at = text.find("\n## Notes")
        text = (text[:at] + "\n" + block + "\n" + text[at:]) if at >= 0 else (text.rstrip() + "\n\n" + block + "\n")
    with open(path, "w") as f:
        f.write(text)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", required=True)
    ap.add_argument("--results", default="-", help="RESULTS.md to update, or - for none")
    ap.add_argument("--scale", action="store_true")
    a = ap.parse_args()
    if a.scale:
        body, tag, title = scale_report(a.work), "scale", "Scale run"
    else:
        body, tag, title = run_report(a.work), "run", "Default run"
    print(body)
    if a.results != "-":
        splice(a.results, tag, title, body)
        print(f"\n(written to {a.results})", file=sys.stderr)


if __name__ == "__main__":
    main()
