#!/bin/bash
# Free page reporting on/off: unlimited vs limited whole-network runs (exploratory, host D)
cd /work/main
M="node dist/src/cli/main.js"
O=.scratch/fpr/results.tsv
P=/sys/module/page_reporting/parameters
echo -e "round\treporting\tnetwork\tmemory\ttotalMs\ttotalsMs\treportedKiB\tstart" > $O
$M doctor --setup-swap 4GiB > /dev/null
for round in 1 2 3 4 5 6; do
  if [ $((round % 2)) = 1 ]; then rep=on; echo 9 > $P/page_reporting_order; else rep=off; echo 11 > $P/page_reporting_order; fi
  sleep 5
  for job in "googlenet_in11k none" "googlenet_in11k 109MiB" "wide_resnet50_2_in11k none" "wide_resnet50_2_in11k 175MiB"; do
    set -- $job
    k0=$(cat $P/reported_kib); s=$(date -u +%T)
    $M run /work/h29/$1.onnx --memory $2 --reps 5 --json > .scratch/fpr/r$round-$1-$2.json 2>/dev/null
    k1=$(cat $P/reported_kib)
    node -e 'const j=require(process.argv[1]); console.log([j.totalMs.toFixed(0), j.totalsMs.map(x=>x.toFixed(0)).join(",")].join("\t"))' $PWD/.scratch/fpr/r$round-$1-$2.json > /tmp/fpr.t
    echo -e "$round\t$rep\t$1\t$2\t$(cat /tmp/fpr.t)\t$((k1-k0))\t$s" >> $O
  done
done
echo 9 > $P/page_reporting_order
$M doctor --remove-swap > /dev/null
echo done >> $O
