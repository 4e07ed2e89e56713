#!/usr/bin/env python3
"""table.py RAW.jsonl RESULTS.md [CALLGRIND.txt]: turns bench.sh's
measurements into the performance table (printed, and written as markdown)
and one PASS/FAIL line per target; with the instruction counts measured
under callgrind, a second table (instructions per packet and per session)
and the replay's top inclusive entries from CALLGRIND.txt
(callgrind_annotate --inclusive=yes).  Exit status 0 even when a target is missed (a benchmark is a
measurement); 1 only when the input is unusable."""
import json
import os
import platform
import re
import sys

MB = 1e6          # throughput: decimal megabytes of capture file per second
MIB = 1024.0      # RSS: ru_maxrss is KiB; shown in MiB


def load(path):
    rows, info, stored, db, cg = {}, {}, {}, {}, {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            r = json.loads(line)
            if r.get("info"):
                info[r["set"]] = r
            elif "stored_sessions" in r:
                stored[r["set"]] = r["stored_sessions"]
            elif "counts" in r:
                db = r["counts"]
            elif "instructions" in r:
                cg[r["tool"]] = r["instructions"]
            else:
                rows[(r["set"], r["tool"])] = r
    return rows, info, stored, db, cg


# Inclusive callgrind entries shown under the instruction table: what each
# part of the replay costs (function as callgrind_annotate names it).
CG_PARTS = [
    ("reader thread: read, decode, flows, reassembly, nDPI, SMTP (worker_main)", "worker.c:worker_main"),
    ("  flows, reassembly, probe (flow_packet)", "flow.c:flow_packet"),
    ("  SMTP parser (smtp_feed)", "smtp.c:smtp_feed"),
    ("  nDPI on packets (classify_packet)", "classify.c:classify_packet"),
    ("  decoder (decode_frame)", "decode.c:decode_frame"),
    ("  content hash of the input (hash128_update)", "hash.c:hash128_update"),
    ("writer: SQLite inserts (writer_drain)", "writer.c:writer_drain"),
    ("end-of-replay analysis (analyze_run)", "analyze.c:analyze_run"),
    ("start-up: nDPI module (classify_new)", "classify.c:classify_new"),
    ("start-up: schema (store_open)", "store.c:store_open"),
    ("nDPI module freed (pipeline_fini)", "pipeline.c:pipeline_fini"),
]


def cg_parts(path):
    """{function: inclusive Ir} from callgrind_annotate --inclusive=yes output."""
    out = {}
    try:
        with open(path) as f:
            for line in f:
                mt = re.match(r"\s*([\d,]+)\s+\(\s*[\d.]+%\)\s+(\S+)", line)
                if not mt:
                    continue
                ir, fn = int(mt.group(1).replace(",", "")), mt.group(2)
                for _, key in CG_PARTS:
                    if key not in out and (fn == key or fn.endswith("/" + key) or fn.endswith(":" + key)):
                        out[key] = ir
    except OSError:
        pass
    return out


def fmt(v, spec):
    return "-" if v is None else format(v, spec)


def cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.machine()


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit("usage: table.py RAW.jsonl RESULTS.md [CALLGRIND.txt]")
    rows, info, stored, dbc, cg = load(sys.argv[1])

    def m(s, t):
        r = rows.get((s, t))
        return r["m"] if r else None

    def wall(s, t):
        r = m(s, t)
        return r["median_s"] if r and r["rc"] == 0 else None

    def rss(s, t):
        r = m(s, t)
        return r["peak_rss_kb"] / MIB if r else None

    def sessions(s):
        i = info.get(s, {})
        return i.get("sessions") or stored.get(s)

    exact = all(r["m"].get("rss_exact") for r in rows.values())
    notes = []
    head = ["capture", "tool", "runs", "wall s", "MB/s", "packets/s", "SMTP sess/s",
            "peak RSS MiB", "x floor", "smtpscope faster by"]
    table = []
    flows = info.get("openflows", {}).get("flows")
    labels = {"bench": "benchmark", "bench4x": "4x benchmark",
              "openflows": f"{flows:,} open flows" if flows else "open flows"}
    tools = {"floor": "libpcap loop (floor)", "smtpscope": "smtpscope replay",
             "ndpiReader": "ndpiReader -q", "tshark": "tshark -Y smtp"}
    for s in ("bench", "bench4x", "openflows"):
        i = info.get(s)
        if not i:
            continue
        fl, sc = wall(s, "floor"), wall(s, "smtpscope")
        for t in ("floor", "smtpscope", "ndpiReader", "tshark"):
            r = rows.get((s, t))
            if not r:
                continue
            w = wall(s, t)
            ses = sessions(s) if s != "openflows" else None
            speed = None
            if t in ("ndpiReader", "tshark") and w and sc:
                speed = f"{w / sc:.1f}x"
            table.append([labels[s], tools[t], str(r["runs_n"]), fmt(w, ".2f"),
                          fmt(i["size"] / MB / w if w else None, ".0f"),
                          fmt(i["packets"] / w if w else None, ",.0f"),
                          fmt(ses / w if w and ses else None, ",.0f"),
                          fmt(rss(s, t), ".1f"),
                          fmt(w / fl if w and fl else None, ".2f"),
                          speed or "-"])
    labels_db = {"analyze": "smtpscope analyze", "findings": "smtpscope findings",
                 "report": "smtpscope report -o /dev/null"}
    nses = dbc.get("sessions")
    for t in ("analyze", "findings", "report"):
        r = rows.get(("db", t))
        if not r:
            continue
        w = wall("db", t)
        shown = fmt(w, ".2f")
        if r["m"]["rc"] == 124:
            shown = f">{r.get('timeout', '?')} (timeout)"
            notes.append(f"{labels_db[t]} was stopped after {r.get('timeout')} s; findings and "
                         "report then ran on the findings copied from the benchmark capture's analysis")
        table.append([f"db of {nses:,} sessions" if nses else "db", labels_db[t], str(r["runs_n"]),
                      shown, "-", "-",
                      fmt(nses / w if w and nses and t == "analyze" else None, ",.0f"),
                      fmt(rss("db", t), ".1f"), "-", "-"])

    widths = [max(len(head[c]), *(len(r[c]) for r in table)) if table else len(head[c])
              for c in range(len(head))]
    left = {0, 1, 9}

    def line(cells):
        return "  ".join(c.ljust(widths[k]) if k in left else c.rjust(widths[k])
                         for k, c in enumerate(cells)).rstrip()

    text = [line(head), line(["-" * w for w in widths])] + [line(r) for r in table]

    # ---- targets
    checks = []

    def check(name, ok, detail):
        checks.append(("n/a" if ok is None else "PASS" if ok else "FAIL", name, detail))

    b = info.get("bench")
    if b:
        notes.append(f"benchmark capture: {b['packets']:,} packets, {b['size'] / MB:.0f} MB, "
                     f"{sessions('bench') or '?'} SMTP sessions ({b['gen']}); smtpscope stored "
                     f"{stored.get('bench')} sessions")
    fl, sc = wall("bench", "floor"), wall("bench", "smtpscope")
    nd, ts = wall("bench", "ndpiReader"), wall("bench", "tshark")
    check("replay <= 2.5x the libpcap floor", None if not (fl and sc) else sc / fl <= 2.5,
          f"{sc / fl:.2f}x" if fl and sc else "not measured")
    check(">= 4x faster than ndpiReader", None if not (nd and sc) else nd / sc >= 4,
          f"{nd / sc:.1f}x" if nd and sc else "not measured")
    check(">= 50x faster than tshark", None if not (ts and sc) else ts / sc >= 50,
          f"{ts / sc:.1f}x" if ts and sc else "not measured")
    r1 = rss("bench", "smtpscope")
    check("peak RSS <= 64 MiB on the benchmark capture", None if r1 is None else r1 <= 64,
          f"{r1:.1f} MiB" if r1 is not None else "not measured")
    r4, w4 = rss("bench4x", "smtpscope"), wall("bench4x", "smtpscope")
    if r1 and r4 is not None:
        growth = (r4 - r1) / r1
        check("RSS growth <= 10% on the 4x capture", growth <= 0.10,
              f"{r1:.1f} -> {r4:.1f} MiB ({growth * 100:+.1f}%)")
        if w4 and sc:
            notes.append(f"4x capture: time x{w4 / sc:.2f} for x{info['bench4x']['size'] / b['size']:.2f} "
                         f"the bytes; RSS {growth * 100:+.1f}%")
    else:
        check("RSS growth <= 10% on the 4x capture", None, "not measured")
    ro, wo = rss("openflows", "smtpscope"), wall("openflows", "smtpscope")
    o = info.get("openflows")
    if ro is not None and wo and o and sc and b:
        ppo, ppb = wo / o["packets"] * 1e9, sc / b["packets"] * 1e9
        per_flow = f", {(ro - (r1 or 0)) * MIB * 1024 / flows:.0f} bytes per flow above the " \
            "benchmark's RSS" if flows else ""
        check(f"{labels['openflows']} in <= 1 GiB RSS", ro <= 1024, f"{ro:.1f} MiB{per_flow}")
        check("open flows: per-packet cost <= 2x the benchmark's", ppo <= 2 * ppb,
              f"{ppo:.0f} ns vs {ppb:.0f} ns per packet ({ppo / ppb:.2f}x)")
        flo = wall("openflows", "floor")
        if flo:
            notes.append(f"open flows above the floor: {(wo - flo) / o['packets'] * 1e9:.0f} ns/packet; "
                         f"benchmark above the floor: {(sc - fl) / b['packets'] * 1e9:.0f} ns/packet")
    else:
        check("open flows in <= 1 GiB RSS", None, "not measured")
        check("open flows: per-packet cost <= 2x the benchmark's", None, "not measured")
    wf, wr = wall("db", "findings"), wall("db", "report")
    on = f"on {nses:,} sessions" if nses else "on the big database"
    check(f"findings < 1 s {on}", None if wf is None else wf < 1,
          f"{wf:.2f} s" if wf is not None else "not measured")
    check(f"report < 10 s {on}", None if wr is None else wr < 10,
          f"{wr:.2f} s" if wr is not None else "not measured")
    if dbc:
        notes.append("database: the benchmark capture replayed once, rows copied with SQL: " +
                     ", ".join(f"{k} {v:,}" for k, v in dbc.items() if isinstance(v, int) and k != "steps"))
    notes.append(f"machine: {cpu_name()}, {os.cpu_count()} CPUs; wall = median of the runs; "
                 "MB/s = capture file bytes (10^6) per second; x floor = wall / libpcap loop wall")
    loads = [r["load1"] for r in rows.values() if "load1" in r]
    if loads:
        notes.append(f"1-minute load average before each measurement: {min(loads):.2f} .. {max(loads):.2f} "
                     f"(above ~1 means other work competed for the {os.cpu_count()} CPUs)")
    if not exact:
        notes.append("WARNING: peak RSS includes the Python runner (~11 MiB): runrss was not used")

    # ---- instructions (callgrind on the small capture)
    cg_head = ["capture", "tool", "instructions", "per packet", "per SMTP session", "x floor"]
    cg_rows = []
    ci = info.get("bench500")
    if cg and ci:
        pk = ci["packets"]
        ses = ci.get("sessions") or stored.get("bench500")
        fl = cg.get("floor")
        for t in ("floor", "smtpscope"):
            v = cg.get(t)
            if v is None:
                continue
            cg_rows.append([f"{ses or '?'} sessions, {pk:,} packets (callgrind)", tools[t], f"{v:,}",
                            f"{v / pk:,.0f}", f"{v / ses:,.0f}" if ses else "-",
                            f"{v / fl:.2f}" if fl else "-"])
    parts = cg_parts(sys.argv[3]) if len(sys.argv) == 4 else {}
    total = cg.get("smtpscope")
    part_lines, self_lines = [], []
    if len(sys.argv) == 4 and total:
        # the top exclusive entries, from callgrind-self.txt beside it
        try:
            with open(os.path.join(os.path.dirname(sys.argv[3]), "callgrind-self.txt")) as f:
                for line in f:
                    mt = re.match(r"\s*([\d,]+)\s+\(\s*[\d.]+%\)\s+(\S+)", line)
                    if mt and "PROGRAM" not in line and len(self_lines) < 12:
                        fn = mt.group(2).split(":", 1)[-1] if mt.group(2).startswith("???") else mt.group(2)
                        self_lines.append((fn, int(mt.group(1).replace(",", ""))))
        except OSError:
            pass
    if parts and total:
        for label, key in CG_PARTS:
            if key in parts:
                part_lines.append((label, parts[key], 100.0 * parts[key] / total))

    # perf (sampling, kernel included) of one replay of the benchmark capture, beside callgrind.txt
    perf_threads, perf_top = [], []
    if len(sys.argv) == 4:
        base = os.path.dirname(sys.argv[3])
        try:
            with open(os.path.join(base, "perf-threads.txt")) as f:
                for line in f:
                    mt = re.match(r"\s*([\d.]+)%\s+(\S+)", line)
                    if mt:
                        perf_threads.append((mt.group(2), float(mt.group(1))))
        except OSError:
            pass
        try:
            with open(os.path.join(base, "perf-top.txt")) as f:
                for line in f:
                    mt = re.match(r"\s*([\d.]+)%\s+(\S+)\s+\[(.)\]\s+(.+?)\s*$", line)
                    if mt and len(perf_top) < 15:
                        perf_top.append((mt.group(2), mt.group(4), float(mt.group(1))))
        except OSError:
            pass
    # threads by name (pthread_setname_np): smtpscope = the main thread
    names = {"smtpscope": "main: start-up, writer, analysis", "reader-0": "reader-0: read, decode, flows, SMTP",
             "checkpoint": "checkpoint: the capture's pages into the .db"}

    out = text + [""] + [f"{s}  {n}: {d}" for s, n, d in checks] + [""] + [f"note: {n}" for n in notes]
    if cg_rows:
        w = [max(len(cg_head[c]), *(len(r[c]) for r in cg_rows)) for c in range(len(cg_head))]
        out += [""] + ["  ".join(c.ljust(w[k]) if k < 2 else c.rjust(w[k]) for k, c in enumerate(r)).rstrip()
                       for r in [cg_head, ["-" * x for x in w]] + cg_rows]
        out += [f"callgrind: {lab}: {ir:,} ({pc:.1f}%)" for lab, ir, pc in part_lines]
        out += [f"callgrind self: {fn}: {ir:,} ({100.0 * ir / total:.1f}%)" for fn, ir in self_lines]
    print("\n".join(out))

    md = ["| " + " | ".join(head) + " |", "|" + "|".join("---:" if k not in left else "---"
                                                      for k in range(len(head))) + "|"]
    md += ["| " + " | ".join(r) + " |" for r in table]
    md += ["", "| target | result | measured |", "|---|---|---|"]
    md += [f"| {n} | {s} | {d} |" for s, n, d in checks]
    md += [""] + [f"- {n}" for n in notes]
    if cg_rows:
        md += ["", "Instructions (`valgrind --tool=callgrind`, both threads; does not move with the machine's load):",
               "", "| " + " | ".join(cg_head) + " |", "|---|---|---:|---:|---:|---:|"]
        md += ["| " + " | ".join(r) + " |" for r in cg_rows]
        if part_lines:
            md += ["", "| smtpscope replay under callgrind: inclusive part | instructions | share |", "|---|---:|---:|"]
            md += [f"| {lab.strip()} | {ir:,} | {pc:.1f}% |" for lab, ir, pc in part_lines]
        if self_lines:
            md += ["", "| top exclusive entries (callgrind) | instructions | share |", "|---|---:|---:|"]
            md += [f"| `{fn}` | {ir:,} | {100.0 * ir / total:.1f}% |" for fn, ir in self_lines]
    if perf_threads or perf_top:
        md += ["", "Where the time goes (`perf record`, one replay of the benchmark capture, kernel included):"]
        if perf_threads:
            md += ["", "| thread | share of samples |", "|---|---:|"]
            md += [f"| {names.get(t, t)} | {pc:.1f}% |" for t, pc in perf_threads]
        if perf_top:
            md += ["", "| top entries (perf) | object | share |", "|---|---|---:|"]
            md += [f"| `{sym}` | {dso} | {pc:.1f}% |" for dso, sym, pc in perf_top]
        out += [f"perf thread {names.get(t, t)}: {pc:.1f}%" for t, pc in perf_threads]
        out += [f"perf: {sym} ({dso}): {pc:.1f}%" for dso, sym, pc in perf_top]
    with open(sys.argv[2], "w") as f:
        f.write("\n".join(md) + "\n")


if __name__ == "__main__":
    main()
