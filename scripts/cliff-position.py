#!/usr/bin/env python3
"""Where the cliff ends, measured against predicted, for every knee sweep in the shipped reports.

Reads the per-run knee tables (network | M | f | measured ms (min-max) | predicted ms | ...) of
docs/BENCHMARKS.md (host A's zoo knee, held-out #3, #4, #7) and bench/results/hostB.md (host B's zoo
knee), and prints per network the lowest f (M = idle + f x largest working set) from which every
run at f or above is within 1.3x of the network's median total at f >= 1.1: measured and predicted.

    python3 scripts/cliff-position.py
"""
import re,sys,statistics as st
def tables(path, heads):
    rows=[];cur=None
    for line in open(path):
        if line.startswith('## ') or line.startswith('### '): cur=line.strip()
        m=re.match(r'\| (\S+) \| ([\d.]+ [MG]iB) \| ([\d.]+)x \| (\d+) \((\d+)-(\d+)\) \| (\d+) \|',line)
        if m and any(h in (cur or '') for h in heads):
            n,M,f,meas,lo,hi,pred=m.groups()
            v=float(M.split()[0])*(1024 if 'GiB' in M else 1)
            rows.append((cur[:40],n,v,float(f),float(meas),float(pred)))
    return rows
rows=tables('docs/BENCHMARKS.md',['Knee sweeps','knee'])+[('hostB zoo knee',)+r[1:] for r in tables('bench/results/hostB.md',['2b'])]
by={}
for r in rows: by.setdefault((r[0],r[1]),[]).append(r)
for k,rs in by.items():
    rs=sorted(set(rs),key=lambda r:r[3])
    fl=[r for r in rs if r[3]>=1.1]
    if not fl: continue
    bm=st.median(r[4] for r in fl); bp=st.median(r[5] for r in fl)
    cm=min([r[3] for r in rs if all(x[4]<=1.3*bm for x in rs if x[3]>=r[3])],default=None)
    cp=min([r[3] for r in rs if all(x[5]<=1.3*bp for x in rs if x[3]>=r[3])],default=None)
    ws=(rs[-1][2]-rs[0][2])/(rs[-1][3]-rs[0][3]) if len(rs)>1 else 0
    print(f"{k[0][:28]:28s} {k[1]:18s} ws {ws:6.0f} MiB  no-cliff from f: measured {cm} predicted {cp}")
