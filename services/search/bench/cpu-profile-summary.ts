/**
 * Where a process's CPU went, from a V8 `.cpuprofile` (`node --cpu-prof`): self time by package
 * (`node_modules/<pkg>`, node's own `node:` modules, this repository's `libs/<lib>` and
 * `services/<service>`, and V8's `(garbage collector)` / `(program)`), and the busiest functions.
 * load.bench.ts uses it for the stack processes under BENCH_CPU_PROF; by hand:
 *
 *   node services/dedup/bench/run-ts.cjs services/search/bench/cpu-profile-summary.ts <file.cpuprofile> [fromUs toUs]
 *
 * (the window the bench prints beside each profile limits it to the load levels).
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  /** Microseconds on the monotonic clock `process.hrtime` reads too. */
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** A window of the monotonic clock, in microseconds (`process.hrtime.bigint() / 1000n`). */
export interface ProfileWindow {
  fromUs: number;
  toUs: number;
}

function packageOf(frame: ProfileNode['callFrame']): string {
  const { url, functionName } = frame;
  if (!url) return functionName.startsWith('(') ? functionName : `(native) ${functionName || 'anonymous'}`;
  if (url.startsWith('node:')) return url.replace(/^node:(internal\/)?/, 'node:').split('/')[0]!;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url.slice(url.lastIndexOf('node_modules/')));
  if (pkg) return pkg[1]!;
  const own = /\/((?:libs|services)\/[^/]+)\//.exec(url);
  return own ? own[1]! : url;
}

/**
 * Markdown lines: the share of busy (non-idle) samples by package and the `top` functions by self
 * time, counting only samples inside `window` when given (the load levels, not the start-up).
 */
export function summarizeCpuProfile(path: string, window?: ProfileWindow, top = 15): string[] {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  let t = profile.startTime;
  let total = 0;
  for (let i = 0; i < profile.samples.length; i += 1) {
    t += profile.timeDeltas[i]!;
    if (window && (t < window.fromUs || t > window.toUs)) continue;
    const delta = profile.timeDeltas[i + 1] ?? 0;
    selfUs.set(profile.samples[i]!, (selfUs.get(profile.samples[i]!) ?? 0) + delta);
    total += delta;
  }
  const byPackage = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let idle = 0;
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)!.callFrame;
    if (frame.functionName === '(idle)') {
      idle += us;
      continue;
    }
    const pkg = packageOf(frame);
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + us);
    const name = `${frame.functionName || 'anonymous'} (${pkg}${frame.url ? `:${frame.lineNumber + 1}` : ''})`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + us);
  }
  const busy = total - idle;
  const share = (us: number) => `${((100 * us) / Math.max(1, busy)).toFixed(1)}%`;
  const sorted = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]);
  return [
    `main thread ${(total / 1e6).toFixed(1)} s sampled, idle ${((100 * idle) / Math.max(1, total)).toFixed(0)}%; busy time by package:`,
    '',
    '| package | share of busy |',
    '| --- | --- |',
    ...sorted(byPackage)
      .filter(([, us]) => us / Math.max(1, busy) >= 0.005)
      .map(([pkg, us]) => `| ${pkg} | ${share(us)} |`),
    '',
    `top ${top} functions by self time:`,
    '',
    '| function | share of busy |',
    '| --- | --- |',
    ...sorted(byFunction)
      .slice(0, top)
      .map(([name, us]) => `| ${name.replace(/\|/g, '\\|')} | ${share(us)} |`),
  ];
}

if (require.main === module) {
  const [file, from, to] = process.argv.slice(2);
  if (!file) throw new Error('usage: cpu-profile-summary.ts <file.cpuprofile> [fromUs toUs]');
  const window = from && to ? { fromUs: Number(from), toUs: Number(to) } : undefined;
  for (const line of summarizeCpuProfile(file, window)) console.log(line);
}
