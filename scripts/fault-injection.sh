#!/usr/bin/env bash
# The slow fault-injection checks (real workers, real cgroups, real weight files, a 10^6-layer network; ~4-6 min, root on a
# cgroup v1/v2 machine). The fast ones run in `npm test` (test/profile/fault-injection.test.ts,
# test/executor/leftovers.test.ts, test/cli/input-validation.test.ts). Each check asserts that
# nothing is lost or duplicated and nothing is left behind: no memlat-<pid>-<n> cgroup, no
# .tmp-<pid> weight file, no lock file. Usage: npm run build && sudo bash scripts/fault-injection.sh
set -euo pipefail
cd "$(dirname "$0")/.."
MEMLAT="node $PWD/dist/src/cli/main.js"
WORK=$(mktemp -d /var/tmp/memlat-fault-XXXXXX)
export MEMLAT_CACHE="$WORK/cache"
SWAP_SET_UP=0
pid=''
cleanup() {
  if [ -n "$pid" ]; then kill -9 "$pid" 2>/dev/null || true; fi
  if [ "$SWAP_SET_UP" = 1 ]; then $MEMLAT doctor --remove-swap >/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { echo "ok   $*"; }
cgroups_of() { # memlat cgroups whose name carries pid $1
  find /sys/fs/cgroup -maxdepth 8 -type d -name "memlat-$1-*" 2>/dev/null || true
}
tmp_files() { find "$MEMLAT_CACHE" -name '*.tmp-*' 2>/dev/null || true; }

# A network with one 1 GiB dense layer (weights written for ~2-10 s) and a small one.
cat > "$WORK/huge.json" <<'JSON'
{ "name": "huge", "inputs": [{ "name": "x", "shape": [1, 16384] }],
  "layers": [{ "name": "fc", "type": "dense", "inputs": ["x"], "units": 16384 }] }
JSON
cat > "$WORK/small.json" <<'JSON'
{ "name": "small", "inputs": [{ "name": "x", "shape": [1, 2048] }],
  "layers": [{ "name": "fc1", "type": "dense", "inputs": ["x"], "units": 2048 },
             { "name": "act", "type": "activation", "fn": "relu", "inputs": ["fc1"] },
             { "name": "fc2", "type": "dense", "inputs": ["act"], "units": 2048 }] }
JSON

wait_for_tmp() { for _ in $(seq 1 400); do [ -n "$(tmp_files)" ] && return 0; sleep 0.05; done; fail "no .tmp weight file appeared"; }

# 1. Ctrl-C while weights are written: the process ends at once, its .tmp file is removed.
$MEMLAT run "$WORK/huge.json" --reps 1 & pid=$!
wait_for_tmp; kill -INT $pid; set +e; wait $pid; rc=$?; set -e
[ $rc -ne 0 ] || fail "run finished despite Ctrl-C"
[ -z "$(tmp_files)" ] || fail "Ctrl-C left $(tmp_files)"
ok "Ctrl-C while writing weights: exit $rc, no .tmp file left"

# 2. kill -9 while weights are written: the .tmp file stays; the next run's start sweeps it.
$MEMLAT run "$WORK/huge.json" --reps 1 & pid=$!
wait_for_tmp; kill -9 $pid; wait $pid 2>/dev/null || true
[ -n "$(tmp_files)" ] || fail "expected a .tmp file after kill -9"
$MEMLAT run "$WORK/small.json" --reps 1 >/dev/null
[ -z "$(tmp_files)" ] || fail "the next run did not sweep $(tmp_files)"
ok "kill -9 while writing weights: the next run removed the .tmp file"
rm -rf "$MEMLAT_CACHE/weights"

# 3. kill -9 of run while a worker measures in a cgroup at a random point: doctor removes the group.
$MEMLAT run "$WORK/small.json" --memory 1GiB --reps 200 >/dev/null 2>&1 & pid=$!
for _ in $(seq 1 200); do [ -n "$(cgroups_of $pid)" ] && break; sleep 0.05; done
[ -n "$(cgroups_of $pid)" ] || fail "no cgroup of run $pid appeared"
sleep "0.$((RANDOM % 9 + 1))"; kill -9 $pid; wait $pid 2>/dev/null || true
[ -n "$(cgroups_of $pid)" ] || fail "expected the killed run's cgroup to be left"
$MEMLAT doctor --json > "$WORK/doctor.json" || true
grep -q "memlat-$pid-" "$WORK/doctor.json" || fail "doctor did not list the removed cgroup"
[ -z "$(cgroups_of $pid)" ] || fail "doctor left $(cgroups_of $pid)"
ok "kill -9 of run while measuring: doctor listed and removed its cgroup"

# 4 and 5 profile: swap so the tight levels do not OOM.
if [ "$(awk '/SwapFree/ {print $2}' /proc/meminfo)" -lt 1048576 ]; then
  $MEMLAT doctor --setup-swap 2GiB --swap-file "$WORK/swapfile" >/dev/null; SWAP_SET_UP=1
fi
OUT="$WORK/p.csv"
PROFILE="$MEMLAT profile --out $OUT --layers 40 --reps 2 --levels 1.5,0.75 --max-layer-size 8MiB --chunk 4"

# 4. Two writers at once: the second is refused naming the first.
$PROFILE >/dev/null 2>&1 & pid=$!
for _ in $(seq 1 400); do [ -f "$OUT.lock" ] && break; sleep 0.05; done
set +e; msg=$($PROFILE 2>&1); rc=$?; set -e
[ $rc -eq 2 ] || fail "second writer exit $rc: $msg"
echo "$msg" | grep -q "another memlat process (pid $pid)" || fail "second writer message: $msg"
ok "two writers: the second was refused naming pid $pid"

# 5. kill -9 of that profile at a random point, then resume: every (network, layer, limit, rep) once.
at=$((RANDOM % 30 + 2))
for _ in $(seq 1 1200); do [ "$(cat "$OUT" 2>/dev/null | wc -l)" -gt $at ] && break; sleep 0.05; done
kill -9 $pid || fail "the profile ended before the kill at row $at"
wait $pid 2>/dev/null || true
before=$(($(wc -l < "$OUT") - 1))
$PROFILE >/dev/null 2>&1 || fail "resume failed"
node -e '
  const fs = require("node:fs");
  const lines = fs.readFileSync(process.argv[1], "utf8").trim().split("\n");
  const h = lines[0].split(","); const ix = (c) => h.indexOf(c);
  const keys = lines.slice(1).map((l) => { const f = l.split(","); return [f[ix("network")], f[ix("layerIndex")], f[ix("memoryLimitBytes")], f[ix("rep")]].join("|"); });
  if (new Set(keys).size !== keys.length) { console.error("duplicate rows"); process.exit(1); }
' "$OUT" || fail "duplicate rows after resume"
[ -z "$(cgroups_of $pid)" ] || fail "the killed profile's cgroup is still there"
[ ! -e "$OUT.lock" ] || fail "lock file left after the resumed run"
[ -z "$(tmp_files)" ] || fail "temporary weight files left: $(tmp_files)"
after=$(($(wc -l < "$OUT") - 1))
[ "$after" -gt "$before" ] || fail "resume added no rows ($before -> $after)"
ok "kill -9 of profile at row $before, resume to $after rows: no duplicate rows, no cgroup, lock or .tmp left"

# 6. A network of the issue's size, 10^6 layers: describe, predict, run's checks and min-memory vs curve
#    (npm test runs the same file on 200,000 layers).
MEMLAT_BIG_LAYERS=1000000 node --test dist/test/cli/large-network.test.js > "$WORK/big.txt" 2>&1 || { tail -40 "$WORK/big.txt" >&2; fail "10^6-layer network"; }
ok "10^6 layers: describe, predict, run's checks and min-memory (in about curve's time)"

echo "all fault-injection checks passed"
