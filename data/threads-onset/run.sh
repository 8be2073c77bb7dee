#!/usr/bin/env bash
# Onset of swapping vs intra-op threads: same 21k head (1280x21843), different layer counts.
cd "$(dirname "$0")/../.."
out=data/threads-onset/onset.csv
[ -f $out ] || echo "network,threads,memMiB,medianMs,swapInPages,majorFaults,totals" > $out
echo "start $(date -u +%FT%TZ) load $(cut -d' ' -f1-3 /proc/loadavg)" >> data/threads-onset/PROVENANCE.log
for M in ${GRID:-120 128 136 144 152 160 168 176 184 192 200 208 216}; do
  for n in ${NETS:-mnasnet0_5_in21k efficientnet_b1_in21k}; do
    for t in ${THREADS:-1 2}; do
      grep -q "^$n,$t,$M," $out && continue
      node dist/src/cli/main.js run ${NETDIR:-/work/h18x}/$n.onnx --memory ${M}MiB --reps 2 --threads $t --json 2>/dev/null > "${TMPDIR:-/tmp}/memlat-onset.json"
      node -e "const r=require('"${TMPDIR:-/tmp}/memlat-onset.json"');console.log(['$n',$t,$M,r.oom?'OOM':r.totalMs.toFixed(0),r.swapInPages??'',r.majorFaults??'',(r.totalsMs??[]).map(x=>x.toFixed(0)).join(' ')].join(','))" >> $out
    done
  done
done
echo "end $(date -u +%FT%TZ) load $(cut -d' ' -f1-3 /proc/loadavg)" >> data/threads-onset/PROVENANCE.log
