#!/usr/bin/env bash
# One prepared run for a GPU machine without network (~9 minutes of wall time), or its shrunken --dry-run
# on any CPU (a few minutes; tests/test_device_run.py runs it).
#
#   bash benchmarks/device_run.sh            # on the GPU machine; results under $OUT
#   bash benchmarks/device_run.sh --dry-run  # here, on CPU: every part, tiny sizes, the same output files
#
# The GPU machine has JAX (CUDA), flax, optax, orbax-checkpoint, torch (CUDA), absl-py and tensorboard, but
# no TensorFlow and no network. The parts below import no TensorFlow (tests/test_tf_free.py). Small pure
# Python packages it lacks travel as wheels in .whl/ (git-ignored; pass carry=[".whl"] to the device tool).
# Download them here, once, before the device call:
#
#   pip download --no-deps -d .whl ml-collections clu
#   for v in 3.11 3.12 3.13; do pip download --no-deps --only-binary=:all: --platform manylinux_2_28_x86_64 \
#       --python-version $v -d .whl pillow; done      # PIL: the data stage imports it (about 7 MB each)
#
# Parts (each under its own time limit, so the whole run ends in time and keeps what finished):
#   1. machine, driver (nvidia-smi), package versions, JAX's backend line      -> machine.txt
#   2. missing packages installed from .whl/ into a private folder (PYTHONPATH) -> machine.txt
#   3. benchmarks/run.py, the GPU table: gan_jax vs PyTorch eager and torch.compile on CUDA, float32 and
#      bfloat16, batch 64/256/1024 at 32x32 and 64x64: step and compile times, memory, TFLOP/s and
#      utilisation of the measured peaks                                    -> train_step.{json,md}
#   3b. benchmarks/run.py --model resnet: the ResNet/SNGAN step (5 D + 1 G update) vs its PyTorch peer
#      (benchmarks/torch_sngan.py), eager, float32, batch 64, 32x32, G/D widths 64 (configs/sngan_digits.py)
#      and 128 (the paper's D); merged into train_step.json (key "sngan") and train_step.md
#   4. InceptionV3 (and digits-classifier) feature extraction for a 10,000-sample FID -> fid_timing.json
#   5. PacGAN 2D reproduction at the paper's 400,000 steps, 10 seeds per cell; cells that differ only in
#      their data (ring_X + grid_X) share one program (benchmarks/reproduce.py --group_cells), so the 8 cells
#      are 4 programs of 20 vmapped runs, run in order (GAN, pack2, pack3, pack4) until the time is spent;
#      evaluations at 100k/200k/400k steps keep what a cut-off program reached  -> repro_2d.{json,md}
#   (5 runs last because it takes whatever time is left.)
# Every result is a file directly in $OUT (8 files): machine.txt, log.txt, summary.json, train_step.json,
# train_step.md, fid_timing.json, repro_2d.json, repro_2d.md.
# (log.txt: all output; summary.json: each part's exit status and seconds, the programs of part 5.)
#
# Environment: OUT (default /tmp/gan_jax_device_out), WORK (scratch, default /tmp/gan_jax_device_work),
# PYTHON (default python), DEVICE_RUN_BUDGET_S (whole run, default 530), DEVICE_RUN_FID_EXTRACTORS
# (default classifier,inception; --dry-run: classifier), DEVICE_RUN_DRY_PEERS (--dry-run's torch variants,
# default eager), DEVICE_RUN_T_TRAIN / DEVICE_RUN_T_SNGAN / DEVICE_RUN_T_FID (seconds for parts 3, 3b and 4;
# default 270 / 90 / 80).

set -u -o pipefail
cd "$(dirname "$0")/.." || exit 2
DRY=0
if [[ "${1:-}" == "--dry-run" ]]; then DRY=1; elif [[ -n "${1:-}" ]]; then echo "usage: $0 [--dry-run]" >&2; exit 2; fi

OUT="${OUT:-/tmp/gan_jax_device_out}"
WORK="${WORK:-/tmp/gan_jax_device_work}"
PY="${PYTHON:-python}"
WHEELS="${WHEELS:-.whl}"
BUDGET="${DEVICE_RUN_BUDGET_S:-530}"
mkdir -p "$OUT" "$WORK/site" "$WORK/data"
LOG="$OUT/log.txt"; MACHINE="$OUT/machine.txt"; STATUS="$WORK/status.jsonl"
: > "$LOG"; : > "$MACHINE"; : > "$STATUS"
START=$(date +%s)

export PYTHONPATH="$WORK/site:$PWD${PYTHONPATH:+:$PYTHONPATH}"
export TFDS_DATA_DIR="$WORK/data"          # where the 2D datasets' prepared cache goes
export TF_CPP_MIN_LOG_LEVEL=2 PYTHONUNBUFFERED=1

if (( DRY )); then
  export JAX_PLATFORMS=cpu
  # torch.compile (inductor's CPU C++ build: minutes on 2 cores) and InceptionV3 at 299x299 are the slow
  # parts on a CPU: off unless asked for, e.g. DEVICE_RUN_DRY_PEERS=eager,compile
  # DEVICE_RUN_FID_EXTRACTORS=classifier,inception.
  # Two rounds of one step: tests/test_device_run.py checks run.py's round bookkeeping on this part's output.
  TRAIN_ARGS=(--batches 8 --sizes 16 --dtypes float32,bfloat16 --peers "${DEVICE_RUN_DRY_PEERS:-eager}" --steps 2
              --rounds 2 --warmup 1 --peak-matmul-size 256 --torch-device cpu)
  SNGAN_ARGS=(--widths 4 --batches 4 --sizes 16 --peers eager --steps 1 --rounds 1 --warmup 0
              --peak-matmul-size 128 --torch-device cpu)
  FID_ARGS=(--num_samples 32 --batch_size 16)
  FID_EXTRACTORS="${DEVICE_RUN_FID_EXTRACTORS:-classifier}"
  REPRO_ARGS=(--seeds=2 --steps=40 --eval_steps=20,40 --steps_per_call=20 --cells=ring_gan,grid_gan)
  T_TRAIN=600; T_SNGAN=600; T_FID=600; T_REPRO=600
else
  export JAX_PLATFORMS="${JAX_PLATFORMS:-cuda}"
  TRAIN_ARGS=(--batches 64,256,1024 --sizes 32,64 --dtypes float32,bfloat16 --peers eager,compile --steps 40
              --rounds 4 --warmup 5 --torch-device cuda)
  SNGAN_ARGS=(--widths 64,128 --batches 64 --sizes 32 --dtypes float32 --peers eager --steps 20 --rounds 4
              --warmup 3 --torch-device cuda)
  FID_ARGS=(--num_samples 10000 --batch_size 500)
  FID_EXTRACTORS="${DEVICE_RUN_FID_EXTRACTORS:-classifier,inception}"
  REPRO_ARGS=(--seeds=10 --steps=400000 --eval_steps=100000,200000,400000 --steps_per_call=2000)
  T_TRAIN="${DEVICE_RUN_T_TRAIN:-270}"; T_SNGAN="${DEVICE_RUN_T_SNGAN:-90}"; T_FID="${DEVICE_RUN_T_FID:-80}"; T_REPRO=""   # part 5: what is left
fi

say() { echo "$*" | tee -a "$LOG"; }

# part NAME SECONDS CMD...: runs CMD under a time limit, output to log.txt, status to summary.json.
part() {
  local name=$1 limit=$2; shift 2
  local began=$(date +%s)
  say "=== part $name (limit ${limit}s): $*"
  timeout -k 20 "${limit}s" "$@" >> "$LOG" 2>&1
  local rc=$?
  local took=$(( $(date +%s) - began ))
  say "=== part $name: exit $rc after ${took}s$([[ $rc == 124 || $rc == 137 ]] && echo ' (time limit)')"
  "$PY" -c 'import json,sys; print(json.dumps({"part": sys.argv[1], "exit": int(sys.argv[2]), "seconds": int(sys.argv[3]), "timed_out": sys.argv[2] in ("124", "137"), "command": sys.argv[4:]}))' \
    "$name" "$rc" "$took" "$@" >> "$STATUS"
}

left() { echo $(( BUDGET - ($(date +%s) - START) )); }

# ---- 1. machine, driver, versions
{
  echo "mode: $( (( DRY )) && echo dry-run || echo full ); date: $(date -u +%Y-%m-%dT%H:%M:%SZ); host: $(hostname)"
  uname -a; echo "cpus: $(nproc)"; free -g 2>/dev/null | head -2
  if command -v nvidia-smi > /dev/null; then nvidia-smi; nvidia-smi -L; else echo 'nvidia-smi: not available'; fi
  "$PY" -c 'import sys; print("python", sys.version.split()[0])'
  "$PY" - <<'EOF'
import importlib.metadata as md
names = ('jax', 'jaxlib', 'jax-cuda12-plugin', 'jax-cuda12-pjrt', 'jax-cuda13-plugin', 'jax-cuda13-pjrt',
         'flax', 'optax', 'orbax-checkpoint', 'torch', 'triton', 'numpy', 'scipy', 'ml-collections', 'clu',
         'pillow', 'absl-py', 'tensorboard', 'tensorflow', 'tensorflow-cpu', 'tensorflow-datasets')
for name in names:
  try:
    print(f'{name}=={md.version(name)}')
  except md.PackageNotFoundError:
    print(f'{name}: not installed')
EOF
} >> "$MACHINE" 2>&1

# ---- 2. small missing packages from the carried wheels (module:distribution)
for pair in ml_collections:ml-collections PIL:pillow; do
  module=${pair%%:*}; dist=${pair#*:}
  if "$PY" -c "import $module" 2> /dev/null; then
    echo "package $dist: present" >> "$MACHINE"
  elif ls "$WHEELS"/*.whl > /dev/null 2>&1 && \
       "$PY" -m pip install -q --no-index --no-deps --find-links "$WHEELS" --target "$WORK/site" "$dist" >> "$MACHINE" 2>&1; then
    echo "package $dist: installed from $WHEELS into $WORK/site" >> "$MACHINE"
  else
    echo "package $dist: MISSING and not installable from $WHEELS (see this script's header)" >> "$MACHINE"
  fi
done
"$PY" -c 'from gan_jax.core import runtime; runtime.announce()' >> "$MACHINE" 2>&1
cat "$MACHINE" | tee -a "$LOG" > /dev/null
grep -E '^(backend|warning|package|python|mode)' "$MACHINE"

# ---- 3. the train-step table (gan_jax vs torch eager / torch.compile)
part train_step "$T_TRAIN" "$PY" benchmarks/run.py "${TRAIN_ARGS[@]}" --no-extras --out "$OUT" --tag train_step

# ---- 3b. the ResNet/SNGAN step; its table joins train_step.{json,md} (at most 8 files come back)
part train_step_sngan "$T_SNGAN" "$PY" benchmarks/run.py --model resnet "${SNGAN_ARGS[@]}" --no-extras \
  --out "$WORK" --tag train_step_sngan
"$PY" - "$WORK/train_step_sngan" "$OUT/train_step" <<'EOF' >> "$LOG" 2>&1
import json, os, sys
sngan, table = sys.argv[1:3]
if os.path.exists(sngan + '.json'):
  result = json.load(open(table + '.json')) if os.path.exists(table + '.json') else {}
  result['sngan'] = json.load(open(sngan + '.json'))
  with open(table + '.json', 'w') as f:
    json.dump(result, f, indent=1)
  with open(table + '.md', 'a') as f:
    f.write('\n\n' + open(sngan + '.md').read())
  print('sngan rows merged into', table + '.json/.md')
else:
  print('sngan: no result to merge')
EOF

# ---- 4. InceptionV3 feature extraction for a 10,000-sample FID
part fid_timing "$T_FID" "$PY" benchmarks/fid_timing.py "${FID_ARGS[@]}" \
  --extractors "$FID_EXTRACTORS" --json "$OUT/fid_timing.json"

# ---- 5. PacGAN 2D reproduction, cells x seeds vmapped, with the time that is left
REPRO_COMMON=(--suite=2d --workdir="$WORK/repro" --results_dir="$OUT")
if [[ -z "$T_REPRO" ]]; then T_REPRO=$(( $(left) - 25 )); (( T_REPRO < 30 )) && T_REPRO=30; fi
part repro_2d "$T_REPRO" "$PY" benchmarks/reproduce.py "${REPRO_COMMON[@]}" --group_cells "${REPRO_ARGS[@]}"
seeds_flag=$(printf '%s\n' "${REPRO_ARGS[@]}" | grep -- '--seeds=')
part repro_2d_tables 60 "$PY" benchmarks/reproduce.py "${REPRO_COMMON[@]}" "$seeds_flag" --report_only

# ---- 6. summary.json
"$PY" - "$STATUS" "$OUT" "$LOG" "$DRY" "$START" <<'EOF'
import json, os, sys, time
status, out, log, dry, start = sys.argv[1:6]
parts = [json.loads(line) for line in open(status) if line.strip()]
lines = open(log, errors='replace').read().splitlines()
summary = {
    'mode': 'dry-run' if dry == '1' else 'full', 'wall_seconds': int(time.time()) - int(start),
    'backend': next((l for l in lines if l.startswith('backend:')), None),
    'parts': parts,
    'repro_programs': [l for l in lines if l.startswith('program:') or 'program(s):' in l],
    'repro_step_times': [l for l in lines if l.startswith('multi-seed')][-8:],
}
names = sorted(os.listdir(out)) + ([] if 'summary.json' in os.listdir(out) else ['summary.json'])
summary['files'] = names
with open(os.path.join(out, 'summary.json'), 'w') as f:
  json.dump(summary, f, indent=1)
print(json.dumps({k: summary[k] for k in ('mode', 'wall_seconds', 'backend', 'files')}))
for p in parts:
  print(f"part {p['part']}: exit {p['exit']}, {p['seconds']} s{' (time limit)' if p['timed_out'] else ''}")
# A part cut off by its time limit kept what it finished; a part that failed otherwise fails the run.
sys.exit(int(any(p['exit'] and not p['timed_out'] for p in parts)))
EOF
