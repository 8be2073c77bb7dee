#!/usr/bin/env python3
"""Per-layer least squares of each phase on two hosts' unlimited runs of the same networks
(docs/MODELS.md, "The per-call probe"): phase = const + a * MiB of weights + b * MiB of output and
workspace + c * GFLOP over every layer, and the loads of layers with weights as const + s * MiB.

    python3 scripts/per-layer-regression.py data/validation/rows.csv.gz data/transfer/B-none/zoo/rows.csv.gz

Needs numpy (Debian: python3-numpy). Medians over passes per (network, layer); unlimited rows only.
"""
import collections
import csv
import gzip
import statistics as st
import sys

import numpy as np


def per_layer(path):
    d = collections.defaultdict(list)
    info = {}
    opener = gzip.open if path.endswith('.gz') else open
    with opener(path, 'rt') as f:
        for r in csv.DictReader(f):
            if r['memoryLimitBytes'] != '':
                continue
            k = (r['network'], int(r['layerIndex']))
            d[k].append((float(r['loadMs']), float(r['runMs']), float(r['unloadMs'] or 0)))
            info[k] = (float(r['weightBytes']), float(r['outputBytes']) + float(r['workspaceBytes']), float(r['flops']))
    return {k: [st.median(x[i] for x in v) for i in range(3)] for k, v in d.items()}, info


def main(a_path, b_path):
    A, info = per_layer(a_path)
    B, _ = per_layer(b_path)
    keys = [k for k in A if k in B]
    mib = 2.0 ** 20
    X = np.array([[1, info[k][0] / mib, info[k][1] / mib, info[k][2] / 1e9] for k in keys])
    print(f'{len(keys)} layers of {len({k[0] for k in keys})} networks on both hosts')
    for ph, name in enumerate(['load', 'run', 'unload']):
        for host, D in (('A', A), ('B', B)):
            c = np.linalg.lstsq(X, np.array([D[k][ph] for k in keys]), rcond=None)[0]
            print(f'{name:6s} {host}: {c[0]:.3f} ms per layer, {c[1]:.3f} ms/MiB weights, {c[2]:.3f} ms/MiB output+workspace, {c[3]:.2f} ms/GFLOP')
    w = [k for k in keys if info[k][0] > 0]
    X2 = np.array([[1, info[k][0] / mib] for k in w])
    for host, D in (('A', A), ('B', B)):
        c = np.linalg.lstsq(X2, np.array([D[k][0] for k in w]), rcond=None)[0]
        print(f'load of the {len(w)} layers with weights, {host}: {c[0]:.3f} ms per file + {c[1]:.3f} ms/MiB ({1000 / c[1]:.0f} MiB/s)')


if __name__ == '__main__':
    main(*sys.argv[1:3])
