"""Training throughput of gan_jax's DCGAN step against the PyTorch peer (benchmarks/torch_dcgan.py), or
of its ResNet/SNGAN step (--model resnet) against the SNGAN peer (benchmarks/torch_sngan.py).

  python benchmarks/run.py --quick      # the seed's config: batch 64, 32x32x1, float32, torch eager
  python benchmarks/run.py              # batch 64/256 x 32/64 px x float32/bfloat16, torch eager + compile
  python benchmarks/run.py --quick --steps 2 --rounds 1 --warmup 1   # smoke test, seconds
  python benchmarks/run.py --quick --model resnet   # SNGAN (n_critic 5) at configs/sngan_digits.py's widths 64
  python benchmarks/run.py --model resnet           # SNGAN at widths 64 and 128 (G/D), batch 64, 32x32, float32

--model resnet rows are one G step (5 D updates + 1 G update) at batch 64; --widths takes W (G and D) or
G/D pairs, e.g. 64,256/128 (the published G 256 / D 128). Both steps reuse one real batch for every D
update (gan_jax's train/step.py does; the peer does the same so both do the same work).

Every configuration (framework x shape x dtype) runs in its own process, so peak memory is per
configuration. The processes of one shape stay alive together and take turns measuring `--rounds`
rounds of steps (rotating who goes first), so drift of a shared machine hits every framework alike;
reported step times are medians over all timed steps (each step blocks on its results). Both
frameworks use os.cpu_count() threads on CPU; on a GPU machine both run there (torch on CUDA if it has it).

Writes <out>/<tag>.md (tables) and <out>/<tag>.json (every number), prints the tables, and ends with
`jax_vs_torch_speedup=<torch eager step time / JAX step time>` at the seed's configuration (or, when
that was not measured, the first shape measured; `nan` when the PyTorch peer is missing).
"""

import argparse
import datetime
import importlib.util
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Dict, List, Optional

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(1, os.path.dirname(HERE))

import bench_protocol  # noqa: E402
import bench_report  # noqa: E402
import bench_extras  # noqa: E402
from gan_jax.core.runtime import backend_line  # noqa: E402  (imports no JAX at module level)

SEED_CONFIG = {'batch': 64, 'size': 32, 'dtype': 'float32'}
QUICK_DEFAULTS = {'batches': '64', 'sizes': '32', 'dtypes': 'float32', 'peers': 'eager'}
FULL_DEFAULTS = {'batches': '64,256', 'sizes': '32,64', 'dtypes': 'float32,bfloat16', 'peers': 'eager,compile'}
JAX_IMPL = 'jax'
TORCH_IMPLS = {'eager': 'torch-eager', 'compile': 'torch-compile'}
# --model resnet: batch 64, 32x32, float32; widths of configs/sngan_digits.py (64) and 128 (the paper's D).
RESNET_DEFAULTS = {'batches': '64', 'sizes': '32', 'dtypes': 'float32', 'peers': 'eager'}
RESNET_WIDTHS = {'quick': '64', 'full': '64,128'}
RESNET_LATENT_DIM = 64   # configs/sngan_digits.py's (the Dense it feeds is < 0.1% of the step)


class Worker:
  """One benchmark worker process (bench_protocol) and its answers."""

  def __init__(self, impl: str, argv: List[str], env: Dict[str, str], log_dir: str):
    self.impl = impl
    self.log_path = os.path.join(log_dir, f'{impl}.{os.getpid()}.{id(self)}.stderr')
    self._stderr = open(self.log_path, 'w')
    self.process = subprocess.Popen([sys.executable] + argv, stdin=subprocess.PIPE,
                                    stdout=subprocess.PIPE, stderr=self._stderr, env=env, text=True,
                                    cwd=os.path.dirname(HERE))
    self.ready: Optional[dict] = None
    self.final: Optional[dict] = None
    self.error: Optional[str] = None
    self.times: List[List[float]] = []
    self.cpu_times: List[List[float]] = []
    self.busy_before: List[Optional[float]] = []   # CPU busy fraction before each round (--quiet-wait)

  def _read(self) -> dict:
    for line in self.process.stdout:
      message = bench_protocol.parse(line)
      if message is not None:
        if message['event'] == 'error':
          raise RuntimeError(message['message'])
        return message
    self.process.wait()
    raise RuntimeError(f'worker exited with status {self.process.returncode}: {self._stderr_tail()}')

  def _stderr_tail(self) -> str:
    self._stderr.flush()
    with open(self.log_path) as f:
      lines = [l.strip() for l in f.read().splitlines() if l.strip()]
    return lines[-1][:300] if lines else '(no stderr)'

  def _guard(self, action):
    if self.error:
      return
    try:
      action()
    except (RuntimeError, BrokenPipeError, OSError) as error:
      self.error = str(error)
      self.process.kill()

  def wait_ready(self):
    def action():
      self.ready = self._read()
    self._guard(action)

  def measure(self, steps: int):
    def action():
      self.process.stdin.write(f'measure {steps}\n')
      self.process.stdin.flush()
      message = self._read()
      self.times.append(message['step_s'])
      self.cpu_times.append(message['cpu_s'])
    self._guard(action)

  def finish(self):
    def action():
      self.process.stdin.write('quit\n')
      self.process.stdin.flush()
      self.final = self._read()
    self._guard(action)
    self.process.wait()
    self._stderr.close()


def cpu_busy_fraction(interval_s: float = 0.5) -> Optional[float]:
  """Fraction of all CPUs busy over `interval_s` (from /proc/stat; None where there is none)."""
  def sample():
    with open('/proc/stat') as f:
      fields = [float(v) for v in f.readline().split()[1:]]
    return fields[3] + fields[4], sum(fields)   # idle + iowait, total
  try:
    idle0, total0 = sample()
    time.sleep(interval_s)
    idle1, total1 = sample()
  except OSError:
    return None
  return 1.0 - (idle1 - idle0) / max(total1 - total0, 1e-9)


def wait_for_quiet(max_wait_s: float, busy_below: float = 0.15) -> Optional[float]:
  """Waits (up to max_wait_s) until the other processes leave the CPUs nearly idle, so a round is not
  measured while another job takes a core. Returns the last busy fraction seen."""
  deadline = time.monotonic() + max_wait_s
  busy = cpu_busy_fraction()
  while busy is not None and busy >= busy_below and time.monotonic() < deadline:
    busy = cpu_busy_fraction()
  return busy


def model_argv(args, shape) -> List[str]:
  if args.model != 'resnet':
    return []
  return ['--model', 'resnet', '--g-width', str(shape['g_width']), '--d-width', str(shape['d_width']),
          '--latent-dim', str(args.latent_dim)]


def jax_worker_argv(args, shape) -> List[str]:
  return [os.path.join(HERE, 'bench_jax_worker.py'), '--batch', str(shape['batch']),
          '--size', str(shape['size']), '--channels', str(args.channels), '--dtype', shape['dtype'],
          '--warmup', str(args.warmup)] + model_argv(args, shape)


def torch_worker_argv(args, shape, variant) -> List[str]:
  return [os.path.join(HERE, 'bench_torch_worker.py'), '--variant', variant,
          '--batch', str(shape['batch']), '--size', str(shape['size']), '--channels', str(args.channels),
          '--dtype', shape['dtype'], '--warmup', str(args.warmup), '--threads', str(args.threads),
          '--device', args.torch_device] + model_argv(args, shape)


def worker_env(xla_flags_mode: str) -> Dict[str, str]:
  """Environment of a worker. xla_flags_mode: 'tuned' (gan_jax.core.xla_flags, the default), 'none' (XLA's
  defaults) or a literal XLA_FLAGS string (for A/B measurements of flags)."""
  env = dict(os.environ)
  env.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')
  env['XLA_PYTHON_CLIENT_PREALLOCATE'] = 'false'   # JAX and torch may share a GPU; peak = real use
  env['PYTHONPATH'] = os.pathsep.join([os.path.dirname(HERE), env.get('PYTHONPATH', '')]).rstrip(os.pathsep)
  if xla_flags_mode != 'tuned':
    env['GAN_JAX_NO_XLA_CPU_FLAGS'] = '1'
    if xla_flags_mode != 'none':
      env['XLA_FLAGS'] = (env.get('XLA_FLAGS', '') + ' ' + xla_flags_mode).strip()
  return env


def run_peaks(args) -> dict:
  out = subprocess.run([sys.executable, os.path.join(HERE, 'bench_peaks.py'),
                        '--size', str(args.peak_matmul_size)], capture_output=True,
                       text=True, env=worker_env('tuned'), cwd=os.path.dirname(HERE))
  for line in out.stdout.splitlines():
    message = bench_protocol.parse(line)
    if message:
      return message
  return {'error': (out.stderr.strip().splitlines() or ['no output'])[-1][:300]}


def summarise(worker: Worker, shape: dict) -> dict:
  row = {'impl': worker.impl, 'batch': shape['batch'], 'image_size': shape['size'],
         'dtype': shape['dtype'], 'error': worker.error}
  row.update({k: shape[k] for k in ('g_width', 'd_width') if k in shape})
  row.update({k: v for k, v in (worker.ready or {}).items() if k != 'event'})
  row.update({k: v for k, v in (worker.final or {}).items() if k != 'event'})
  steps = [t for round_times in worker.times for t in round_times]
  if steps and not worker.error:
    median = statistics.median(steps)
    round_medians = [statistics.median(r) for r in worker.times]
    row.update({
        'timed_steps': len(steps), 'step_ms_median': 1e3 * median,
        'step_ms_round_medians': [1e3 * m for m in round_medians],
        'step_ms_min': 1e3 * min(steps), 'images_per_s': shape['batch'] / median,
        'cpu_ms_median': 1e3 * statistics.median(t for r in worker.cpu_times for t in r),
        'cpu_busy_before_rounds': worker.busy_before,
    })
  return row


def measure_shape(args, shape: dict, log_dir: str) -> List[dict]:
  """Starts the workers of one shape (one after another, so compile times do not overlap), runs the
  interleaved rounds and returns one summary row per implementation."""
  specs = [(name, jax_worker_argv(args, shape), worker_env(mode)) for name, mode in args.jax_flag_sets]
  if args.torch:
    specs += [(TORCH_IMPLS[v], torch_worker_argv(args, shape, v), worker_env('tuned')) for v in args.peers]
  workers = []
  for impl, argv, env in specs:   # One at a time: a ready worker idles on stdin while the next compiles.
    workers.append(Worker(impl, argv, env, log_dir))
    workers[-1].wait_ready()
  load_before = os.getloadavg()
  steps_per_round = max(1, math.ceil(args.steps / args.rounds))
  for round_index in range(args.rounds):
    order = workers[round_index % len(workers):] + workers[:round_index % len(workers)]
    for worker in order:
      if args.quiet_wait > 0:
        worker.busy_before.append(wait_for_quiet(args.quiet_wait))
      worker.measure(steps_per_round)
  load_after = os.getloadavg()
  for worker in workers:
    worker.finish()
  rows = [summarise(w, shape) for w in workers]
  flops = next((r['flops_per_step'] for r in rows if r.get('flops_per_step')), None)
  for row in rows:
    row['load_avg_1m_before'], row['load_avg_1m_after'] = load_before[0], load_after[0]
    # Same algorithm and shapes on both sides, so XLA's count stands for the peer's work too.
    if row.get('flops_per_step') is None:
      row['flops_per_step'] = flops
  return rows


def parse_flag_set(text: str):
  name, _, mode = text.partition('=')
  if not name or not mode:
    raise argparse.ArgumentTypeError(f'--jax-flag-set {text!r}: expected NAME=tuned|none|<XLA flags>')
  return (JAX_IMPL if name == JAX_IMPL else f'{JAX_IMPL}[{name}]', mode)


def parse_args(argv=None):
  parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
  parser.add_argument('--quick', action='store_true',
                      help="only the seed's configuration (batch 64, 32x32, float32) against torch eager")
  parser.add_argument('--batches', help='comma-separated global batch sizes; default 64,256 (--quick: 64)')
  parser.add_argument('--sizes', help='comma-separated image sizes; default 32,64 (--quick: 32)')
  parser.add_argument('--dtypes', help='float32,bfloat16 (default; --quick: float32)')
  parser.add_argument('--peers', help='torch variants: eager,compile (default; --quick: eager)')
  parser.add_argument('--model', choices=('dcgan', 'resnet'), default='dcgan',
                      help="dcgan: the seed's DCGAN step; resnet: the ResNet/SNGAN step (n_critic 5)")
  parser.add_argument('--widths', help="--model resnet: comma-separated W (G and D) or G/D; default 64,128 "
                                       "(--quick: 64, configs/sngan_digits.py's)")
  parser.add_argument('--latent-dim', type=int, default=RESNET_LATENT_DIM, help='--model resnet: z size')
  parser.add_argument('--channels', type=int, default=1, help="image channels (the seed's digits: 1)")
  parser.add_argument('--steps', type=int, default=20, help='timed steps per implementation (>= 20 for results)')
  parser.add_argument('--rounds', type=int, default=4, help='interleaved measurement rounds')
  parser.add_argument('--warmup', type=int, default=3, help='untimed steps after compilation')
  parser.add_argument('--quiet-wait', type=float, default=0.0,
                      help='before each round wait up to this many seconds for the CPUs to be idle '
                           '(< 15%% busy) -- for shared machines; 0 = off')
  parser.add_argument('--threads', type=int, default=os.cpu_count(), help='torch intra-op threads')
  parser.add_argument('--torch-device', default='auto', help="'auto' (cuda if available), 'cpu', 'cuda'")
  parser.add_argument('--no-torch', dest='torch', action='store_false', help='measure JAX only')
  parser.add_argument('--no-extras', dest='extras', action='store_false',
                      help='skip the input-pipeline and FID feature-extraction rates')
  parser.add_argument('--jax-flag-set', dest='jax_flag_sets', action='append', type=parse_flag_set,
                      help="NAME=tuned|none|'<XLA_FLAGS>': one JAX implementation per set (A/B of XLA "
                           "flags); default: jax=tuned (gan_jax.core.xla_flags)")
  parser.add_argument('--peak-matmul-size', type=int, default=0,
                      help='side of the matmul timed for the measured peak; 0 = 2048 on CPU, 8192 on GPU')
  parser.add_argument('--out', default=os.path.join(HERE, 'results'))
  parser.add_argument('--tag', default='', help="output file stem; default 'quick' or 'full'")
  args = parser.parse_args(argv)
  args.jax_flag_sets = args.jax_flag_sets or [(JAX_IMPL, 'tuned')]
  defaults = (QUICK_DEFAULTS if args.quick else FULL_DEFAULTS)
  if args.model == 'resnet':
    defaults = dict(RESNET_DEFAULTS, widths=RESNET_WIDTHS['quick' if args.quick else 'full'])
  elif args.widths:
    parser.error('--widths is for --model resnet')
  for key, value in defaults.items():   # explicit options win, so a smoke test can shrink --quick
    if getattr(args, key) is None:
      setattr(args, key, value)
  args.peers = [p for p in args.peers.split(',') if p]
  unknown = [p for p in args.peers if p not in TORCH_IMPLS]
  if unknown:
    parser.error(f'--peers: unknown {unknown}; allowed: {", ".join(TORCH_IMPLS)}')
  prefix = 'sngan_' if args.model == 'resnet' else ''
  args.tag = args.tag or (prefix + ('quick' if args.quick else 'full'))
  return args


def parse_widths(text: str) -> List[dict]:
  """'64,256/128' -> [{'g_width': 64, 'd_width': 64}, {'g_width': 256, 'd_width': 128}]."""
  widths = []
  for item in text.split(','):
    g, _, d = item.partition('/')
    widths.append({'g_width': int(g), 'd_width': int(d or g)})
  return widths


def shapes_of(args) -> List[dict]:
  shapes = [{'batch': int(b), 'size': int(s), 'dtype': d}
            for s in args.sizes.split(',') for b in args.batches.split(',') for d in args.dtypes.split(',')]
  if args.model == 'resnet':
    shapes = [dict(shape, **w) for w in parse_widths(args.widths) for shape in shapes]
  return shapes


def headline_speedup(rows: List[dict], shapes: List[dict]):
  """(torch eager step time / JAX step time, shape) at the seed's configuration when it was measured,
  else at the first measured shape; nan when either side is missing."""
  seed = [s for s in shapes if all(s[k] == v for k, v in SEED_CONFIG.items())]
  shape = (seed or shapes)[0]   # --model resnet: the first widths given
  def median_of(impl):
    for row in rows:
      if (row['impl'] == impl and row['batch'] == shape['batch'] and
          row['image_size'] == shape['size'] and row['dtype'] == shape['dtype'] and
          all(row.get(k) == shape[k] for k in ('g_width', 'd_width') if k in shape)):
        return row.get('step_ms_median')
    return None
  jax_ms, torch_ms = median_of(JAX_IMPL), median_of(TORCH_IMPLS['eager'])
  return (torch_ms / jax_ms if jax_ms and torch_ms else float('nan')), shape


def main(argv=None):
  args = parse_args(argv)
  torch_missing = importlib.util.find_spec('torch') is None
  notes = []
  if args.torch and torch_missing:
    args.torch = False
    notes.append('PyTorch peer missing: torch is not installed; measured JAX only.')
  elif not args.torch:
    notes.append('PyTorch peer not measured (--no-torch).')
  for note in notes:
    print(note, flush=True)
  meta = {
      'date': datetime.datetime.now().isoformat(timespec='seconds'), 'command': ' '.join(sys.argv),
      'host': platform.node(), 'cpu_count': os.cpu_count(), 'python': platform.python_version(),
      'load_avg_start': os.getloadavg(), 'steps': args.steps, 'rounds': args.rounds,
      'warmup': args.warmup, 'channels': args.channels, 'notes': notes, 'model': args.model,
      'xla_flags_env': os.environ.get('XLA_FLAGS', ''),
  }
  peaks = run_peaks(args)
  if peaks.get('runtime'):   # the workers' backend (the controller itself never initialises JAX)
    print(backend_line(peaks['runtime']), flush=True)
  if peaks.get('gpu_unused'):
    print(peaks['gpu_unused'], flush=True)
  rows, shapes = [], shapes_of(args)
  result = {}
  with tempfile.TemporaryDirectory(prefix='gan_jax_bench_') as log_dir:
    for shape in shapes:
      print(f'measuring {args.model} {shape} ...', flush=True)
      rows += measure_shape(args, shape, log_dir)
      result = write_result(args, meta, peaks, rows, shapes, extras={})   # partial results survive a kill
  if args.extras and not args.quick:
    print('measuring input pipeline and FID feature extraction ...', flush=True)
    result = write_result(args, meta, peaks, rows, shapes, bench_extras.measure_extras(args.channels))
  print(bench_report.to_markdown(result))
  print(f'jax_vs_torch_speedup={result["jax_vs_torch_speedup"]:.3f}')
  return 0 if all(not r['error'] for r in rows) else 1


def write_result(args, meta, peaks, rows, shapes, extras) -> dict:
  """Writes <out>/<tag>.json and .md for the rows so far; returns the result dict."""
  meta['load_avg_end'] = os.getloadavg()
  speedup, speedup_shape = headline_speedup(rows, shapes)
  result = {'meta': meta, 'peaks': peaks, 'results': rows, 'extras': extras,
            'jax_vs_torch_speedup': speedup, 'speedup_shape': speedup_shape}
  bench_report.add_derived(result)
  os.makedirs(args.out, exist_ok=True)
  with open(os.path.join(args.out, f'{args.tag}.json'), 'w') as f:
    json.dump(result, f, indent=1, default=str)
  with open(os.path.join(args.out, f'{args.tag}.md'), 'w') as f:
    f.write(bench_report.to_markdown(result))
  return result


if __name__ == '__main__':
  sys.exit(main())
