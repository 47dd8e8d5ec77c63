#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Turn the records of tests/bench/run-in-vm.sh into the results of `make bench`.

  report.py RAW OUTDIR

RAW holds the guest's output (R/N/I/K records, see run-in-vm.sh). Writes
OUTDIR/results.json (every sample, median, min, max and spread of each
side, the ratio ours/in-tree, for the vp group also ours/virtio_pci, for
the blk group also ours/null_blk (irqmode 0 and 1: the limits), the
issue's targets, the memcpy fractions),
OUTDIR/results.txt (the table, also printed on stdout), the perf
profiles of a --profile run (OUTDIR/profile-WORKLOAD-SIDE.txt) and
OUTDIR/ratios.png, a bar chart of the ratios, with matplotlib
(python3-matplotlib) or else gnuplot (gnuplot-nox); without either it
says which package to install and exits 3 after writing the rest.
Exit status 0, 1 if RAW holds no measurement, 3 if no chart was drawn.
"""

import json
import os
import shutil
import statistics
import subprocess
import sys

# Metrics where less is better; every other one is a rate.
LOWER_BETTER = {"p99_us", "total_s", "add_s", "del_s", "ms_per_dev",
                "mem_kb_per_dev", "slab_kb_per_dev", "not_returned_kb",
                "map_s", "unmap_s", "pin_kb"}
# Shown in the table (every metric is in the JSON).
TABLE_METRICS = {"tx_pps", "rx_pps", "iops", "p99_us", "pps", "total_s",
                 "bytes_per_s", "mem_kb_per_dev", "slab_kb_per_dev", "add_s",
                 "gbit_s", "map_s", "unmap_s", "pin_kb"}
# The sides a workload may have: the vp group adds "virtio_pci" (the same
# function under the kernel's virtio_pci: the limit); the blk group adds
# "null_blk0" and "null_blk1" (its fio runs on null_blk, irqmode 0 and 1:
# its limits); the net group adds "veth" (its single-pair pktgen runs
# between the two ends of a veth pair: its limit); memcpy has "vm".
SIDES = ("intree", "ours", "virtio_pci", "null_blk0", "null_blk1", "veth",
         "vm")
# The limit sides, each with its ratio ours/limit (key "ratio_<side>").
LIMITS = ("virtio_pci", "null_blk0", "null_blk1", "veth")
# The group a limit side belongs to.
LIMIT_GROUP = {"virtio_pci": "vp", "null_blk0": "blk", "null_blk1": "blk",
               "veth": "net"}
UNITS = {"tx_pps": "pkt/s sent", "rx_pps": "pkt/s recv", "pps": "pkt/s",
         "gbit_s": "Gbit/s",
         "iops": "IOPS", "p99_us": "p99 us", "total_s": "s add+del",
         "add_s": "s add", "del_s": "s del", "ms_per_dev": "ms/dev",
         "bytes_per_s": "bytes/s", "mem_kb_per_dev": "KiB/dev avail",
         "slab_kb_per_dev": "KiB/dev slab", "not_returned_kb": "KiB kept",
         "map_s": "s map", "unmap_s": "s unmap", "pin_kb": "KiB VmPin"}


def target(workload, metric):
    """The issue's target for ours/in-tree, as (op, value), or None."""
    if workload.startswith("net-virtio-64B-1qp") and metric in ("tx_pps",
                                                                "rx_pps"):
        return (">=", 3.0)
    if workload.startswith("blk-") and metric == "iops" and \
            ("-qd32-" in workload or "-qd1-" in workload):
        return (">=", 2.0)
    if workload.startswith("vduse-blk-") and metric == "iops":
        if "-qd32-" in workload:
            return (">=", 1.3)
        if "-qd1-" in workload:
            return (">=", 1.2)
    if workload.startswith("lifecycle-") and metric == "total_s":
        return ("<=", 0.5)
    # Mapping hugepage-backed memory: 5x faster; 4 KiB pages: no slower.
    if workload.startswith(("vmap-thp-", "vmap-huge")) and \
            metric in ("map_s", "unmap_s"):
        return ("<=", 0.2)
    if workload.startswith("vmap-4k-") and metric in ("map_s", "unmap_s"):
        return ("<=", 1.0)
    if workload.startswith("vp-") and metric in VP_RATES:
        return (">=", 1.0)
    return None


# vp: what the issue asks of ours against plain virtio_pci on the same
# function (within 5%), for the rates each workload is about.
VP_RATES = ("gbit_s", "rx_pps", "iops")


def target_virtio_pci(workload, metric):
    """The issue's target for ours/virtio_pci, as (op, value), or None."""
    if workload.startswith("vp-") and metric in VP_RATES:
        return (">=", 0.95)
    return None


def target_null_blk(workload, metric):
    """The issue's target for ours/null_blk irqmode=1, or None."""
    if workload.startswith("blk-") and metric == "iops" and \
            ("-qd32-" in workload or "-qd1-" in workload):
        return (">=", 0.5)
    return None


def target_veth(workload, metric):
    """The issue's target for ours/veth, or None."""
    if workload.startswith("net-virtio-64B-1qp") and metric in ("tx_pps",
                                                                "rx_pps"):
        return (">=", 0.6)
    return None


# Each target checked: its key in a row, the ratio it applies to, and the
# rule giving (op, value) for a workload and metric, or None.
TARGETS = (("target", "ratio", target),
           ("target_virtio_pci", "ratio_virtio_pci", target_virtio_pci),
           ("target_null_blk1", "ratio_null_blk1", target_null_blk),
           ("target_veth", "ratio_veth", target_veth))


def check(ratio, tgt):
    op, val = tgt
    return {"op": op, "value": val,
            "met": ratio >= val if op == ">=" else ratio <= val}


def frame_bytes(workload):
    """Bytes per packet of a net workload, or None."""
    for part in workload.split("-"):
        if part.endswith("B") and part[:-1].isdigit():
            return int(part[:-1])
    return None


def read_raw(path):
    samples, notes, info, reports, order = {}, {}, {}, [], []
    profiles = {}
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            fields = line.rstrip("\n").split("\t")
            kind = fields[0]
            if kind == "R" and len(fields) == 6:
                _, wl, side, _rnd, metric, value = fields
                key = (wl, metric)
                if key not in order:
                    order.append(key)
                try:
                    samples.setdefault(key, {}).setdefault(side, []).append(
                        float(value))
                except ValueError:
                    continue
            elif kind == "N" and len(fields) == 4:
                notes.setdefault(fields[1], {})[fields[2]] = fields[3]
            elif kind == "I" and len(fields) == 3:
                info[fields[1]] = fields[2]
            elif kind == "P" and len(fields) == 4:
                profiles.setdefault(f"{fields[1]}-{fields[2]}", []).append(
                    fields[3])
            elif kind == "K" and len(fields) == 4:
                reports.append({"group": fields[1], "side": fields[2],
                                "line": fields[3]})
    return samples, notes, info, reports, order, profiles


def summarize(values):
    med = statistics.median(values)
    lo, hi = min(values), max(values)
    return {"samples": values, "n": len(values), "median": med, "min": lo,
            "max": hi,
            "spread_pct": (hi - lo) / 2 / med * 100 if med else 0.0}


def build(samples, notes, info, reports, order, profiles):
    memcpy = samples.get(("memcpy", "bytes_per_s"), {}).get("vm")
    memcpy_bps = statistics.median(memcpy) if memcpy else None
    rows = []
    for wl, metric in order:
        sides = samples[(wl, metric)]
        row = {"workload": wl, "metric": metric,
               "better": "lower" if metric in LOWER_BETTER else "higher"}
        for side in SIDES:
            if side in sides:
                row[side] = summarize(sides[side])
            elif side in notes.get(wl, {}):
                row[side] = {"note": notes[wl][side]}
        # The N records of a group that failed on a side (workload = the
        # group's name) say why its workloads lack that side.
        group = wl.split("-")[0]
        for side in SIDES:
            if side not in row and side in notes.get(group, {}) and \
                    LIMIT_GROUP.get(side, group) == group:
                row[side] = {"note": notes[group][side]}
        ours = row.get("ours", {}).get("median")
        for base in ("intree",) + LIMITS:
            key = "ratio" if base == "intree" else f"ratio_{base}"
            if ours is not None and row.get(base, {}).get("median"):
                row[key] = ours / row[base]["median"]
        for key, ratio, rule in TARGETS:
            tgt = rule(wl, metric)
            if tgt and ratio in row:
                row[key] = check(row[ratio], tgt)
        size = frame_bytes(wl)
        if memcpy_bps and size and metric in ("rx_pps", "pps"):
            row["memcpy_fraction"] = {
                side: row[side]["median"] * size / memcpy_bps
                for side in ("intree", "ours") if "median" in row.get(side, {})}
        rows.append(row)
    # Workloads measured on no side at all (not yet, failed everywhere).
    seen = {wl for wl, _ in order}
    for wl, sides in notes.items():
        if wl not in seen:
            rows.append({"workload": wl, "metric": "-", "better": "-",
                         **{s: {"note": n} for s, n in sides.items()}})
    return {"info": info, "memcpy_bytes_per_s": memcpy_bps, "rows": rows,
            "kernel_reports": reports, "profiles": profiles}


def fmt_num(v):
    if v >= 1e9:
        return f"{v / 1e9:.2f}G"
    if v >= 1e6:
        return f"{v / 1e6:.2f}M"
    if v >= 1e4:
        return f"{v / 1e3:.1f}k"
    if v >= 100:
        return f"{v:.0f}"
    return f"{v:.3g}"


def fmt_side(cell):
    if not cell:
        return "-"
    if "note" in cell:
        note = cell["note"]
        return note if len(note) <= 36 else note[:33] + "..."
    return f"{fmt_num(cell['median'])} ±{cell['spread_pct']:.0f}%"


def table(result):
    # The virtio_pci columns only when some workload has that side.
    vpci = any("virtio_pci" in row for row in result["rows"])
    # The null_blk columns only when some workload has those sides.
    nblk = any("null_blk1" in row or "null_blk0" in row
               for row in result["rows"])
    head = ("workload", "metric", "in-tree", "ours", "ours/in-tree",
            "target", "of memcpy (in-tree/ours)")
    if vpci:
        head = head[:4] + ("virtio_pci",) + head[4:5] + \
            ("ours/virtio_pci",) + head[5:]
    if nblk:
        at = head.index("ours/in-tree") + 1
        head = head[:at] + ("null_blk i0", "null_blk i1", "ours/i0",
                            "ours/i1") + head[at:]
    # The veth columns only when some workload has that side.
    veth = any("veth" in row for row in result["rows"])
    if veth:
        at = head.index("target")
        head = head[:at] + ("veth", "ours/veth") + head[at:]
    lines = []
    for row in result["rows"]:
        if row["metric"] not in TABLE_METRICS and row["metric"] != "-" or \
                "vm" in row:
            continue
        intree, ours = row.get("intree"), row.get("ours")
        ratios = []
        for key in ("ratio", "ratio_virtio_pci", "ratio_null_blk0",
                    "ratio_null_blk1", "ratio_veth"):
            r = f"{row[key]:.2f}x" if key in row else "-"
            if key in row and row["better"] == "lower":
                r += " (lower better)"
            ratios.append(r)
        tgts = []
        for key, what in (("target", ""), ("target_virtio_pci", " of v_p"),
                          ("target_null_blk1", " of i1"),
                          ("target_veth", " of veth")):
            if key in row:
                t = row[key]
                tgts.append(f"{t['op']}{t['value']:g}x{what} " +
                            ("met" if t["met"] else "MISSED"))
        tgt = ", ".join(tgts) or "-"
        frac = "-"
        if "memcpy_fraction" in row:
            frac = " / ".join(f"{row['memcpy_fraction'][s] * 100:.3g}%"
                              if s in row["memcpy_fraction"] else "-"
                              for s in ("intree", "ours"))
        metric = UNITS.get(row["metric"], row["metric"])
        cells = (row["workload"], metric, fmt_side(intree), fmt_side(ours))
        if vpci:
            cells += (fmt_side(row.get("virtio_pci")), ratios[0], ratios[1])
        else:
            cells += (ratios[0],)
        if nblk:
            cells += (fmt_side(row.get("null_blk0")),
                      fmt_side(row.get("null_blk1")), ratios[2], ratios[3])
        if veth:
            cells += (fmt_side(row.get("veth")), ratios[4])
        lines.append(cells + (tgt, frac))
    widths = [max(len(x[i]) for x in lines + [head]) for i in range(len(head))]
    out = ["  ".join(h.ljust(w) for h, w in zip(head, widths)),
           "  ".join("-" * w for w in widths)]
    out += ["  ".join(c.ljust(w) for c, w in zip(x, widths)).rstrip()
            for x in lines]
    info = result["info"]
    out.append("")
    if result["memcpy_bytes_per_s"]:
        mc = result["memcpy_bytes_per_s"]
        out.append(f"memcpy reference in the same VM: {fmt_num(mc)}B/s "
                   "(64 MiB buffers); \"of memcpy\": the bytes/s a net "
                   "workload moves as a fraction of it.")
    if vpci:
        out.append("virtio_pci: the vp group's functions under the kernel's "
                   "virtio_pci (the limit); \"of v_p\": a target for "
                   "ours/virtio_pci.")
    if nblk:
        out.append("null_blk i0, i1: the blk group's fio runs on null_blk "
                   "(queue_mode=2, irqmode 0 and 1): the limits; \"of i1\": "
                   "a target for ours/null_blk irqmode=1.")
    if veth:
        out.append("veth: the net group's single-pair pktgen runs from one "
                   "end of a veth pair to the other (the limit); \"of "
                   "veth\": a target for ours/veth.")
    out.append(f"kernel {info.get('kernel', '?')}, {info.get('cpus', '?')} vCPUs "
               f"(TCG), {info.get('rounds', '?')} rounds per side; median ±half "
               "the min-max range; ratios of medians.")
    if result["kernel_reports"]:
        out.append(f"KERNEL REPORTS: {len(result['kernel_reports'])} lines, "
                   "see results.json")
    return "\n".join(out)


def chart_rows(result):
    rows = []
    for row in result["rows"]:
        if row["metric"] not in TABLE_METRICS:
            continue
        label = f"{row['workload']} {UNITS.get(row['metric'], row['metric'])}"
        if "ratio" in row:
            rows.append((label, row["ratio"], row["better"] == "lower"))
        for limit in LIMITS:
            if f"ratio_{limit}" in row:
                rows.append((f"{label} (of {limit})", row[f"ratio_{limit}"],
                             row["better"] == "lower"))
    return rows


def plot_matplotlib(rows, png):
    import matplotlib  # pylint: disable=import-outside-toplevel
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # pylint: disable=import-outside-toplevel
    fig, ax = plt.subplots(figsize=(10, 0.32 * len(rows) + 1.5))
    labels = [r[0] for r in rows]
    colors = ["tab:orange" if r[2] else "tab:blue" for r in rows]
    ax.barh(range(len(rows)), [r[1] for r in rows], color=colors)
    ax.set_yticks(range(len(rows)), labels, fontsize=8)
    ax.invert_yaxis()
    ax.axvline(1.0, color="black", linewidth=0.8)
    ax.set_xscale("log")
    ax.set_xlabel("ours / in-tree (log scale; orange: lower is better)")
    ax.set_title("vDPA modules: ours against the in-tree ones, same VM")
    fig.tight_layout()
    fig.savefig(png, dpi=100)


def plot_gnuplot(rows, png, outdir):
    data = os.path.join(outdir, "ratios.dat")
    with open(data, "w", encoding="utf-8") as f:
        for i, (label, ratio, lower) in enumerate(rows):
            f.write(f'{i} {ratio} {1 if lower else 0} "{label}"\n')
    # Bars on a log axis start at its left end, not at 0.
    left = min(min(r[1] for r in rows), 1.0) / 2
    right = max(max(r[1] for r in rows), 1.0) * 2
    script = f"""
set terminal png size 1000,{int(22 * len(rows) + 120)} font ",9"
set output "{png}"
set title "vDPA modules: ours against the in-tree ones, same VM"
set xlabel "ours / in-tree (log scale; orange: lower is better)"
set logscale x
set xrange [{left}:{right}]
set xtics ("1/16" 0.0625, "1/8" 0.125, "1/4" 0.25, "1/2" 0.5, "1" 1, "2" 2, "4" 4, "8" 8, "16" 16, "32" 32)
set yrange [{len(rows)}:-1]
set ytics font ",8"
set style fill solid 0.8
set arrow from 1, graph 0 to 1, graph 1 nohead
unset key
plot "{data}" using 2:1:({left}):2:($1-0.4):($1+0.4):($3 > 0.5 ? 0xff8c00 : 0x1f77b4):ytic(4) \\
     with boxxyerror lc rgb variable, \\
     "" using 2:1:(sprintf(" %.2fx", $2)) with labels left font ",8"
"""
    subprocess.run(["gnuplot"], input=script, text=True, check=True,
                   capture_output=True)


def plot(result, outdir):
    rows = chart_rows(result)
    png = os.path.join(outdir, "ratios.png")
    if not rows:
        print("report: no ratio to draw (no workload measured on both sides)")
        return True
    try:
        plot_matplotlib(rows, png)
        return True
    except ImportError:
        pass
    if shutil.which("gnuplot"):
        try:
            plot_gnuplot(rows, png, outdir)
            return True
        except subprocess.CalledProcessError as e:
            print(f"report: gnuplot failed: {e.stderr.strip()}")
            return False
    print("report: no chart: neither matplotlib nor gnuplot is installed; "
          "apt-get install gnuplot-nox (or python3-matplotlib)")
    return False


def main(argv):
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    raw, outdir = argv
    result = build(*read_raw(raw))
    with open(os.path.join(outdir, "results.json"), "w",
              encoding="utf-8") as f:
        json.dump(result, f, indent=1)
        f.write("\n")
    for name, lines in result["profiles"].items():
        with open(os.path.join(outdir, f"profile-{name}.txt"), "w",
                  encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
    text = table(result)
    with open(os.path.join(outdir, "results.txt"), "w",
              encoding="utf-8") as f:
        f.write(text + "\n")
    print(text)
    if not result["rows"]:
        return 1
    return 0 if plot(result, outdir) else 3


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
