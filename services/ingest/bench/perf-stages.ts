/**
 * Where the ingest bench's CPU goes, by stage: reads `perf script` output of a `perf record -g`
 * run of ingest.bench.ts (see scripts/bench/ingest-profile.sh) and attributes every sample of the
 * end-to-end window to a stage, from the frames on its stack (innermost first):
 *
 *   perf script -i perf.data -F pid,tid,time,ip,sym,dso | node services/ingest/bench/run-dist.cjs \
 *     services/ingest/bench/perf-stages.ts <window start s> <window end s> <uploads> [sample Hz] [client pid]
 *
 * JavaScript frames are named through V8's jitdump (`perf inject --jit`). A sample whose stack names no stage
 * is given its thread's most common stage (the PGlite and OpenCV worker threads run WebAssembly
 * whose frames carry no file name), else the residue of its thread kind. Samples of the client pid
 * (the bench itself, sending the uploads) are counted apart.
 */
import { createInterface } from 'node:readline';

/** First match wins; tested against each frame line ("symbol (dso)"), innermost frame first. */
const FRAME_STAGES: [string, RegExp][] = [
  [
    'GC',
    /v8::internal::(Heap|Scavenger|ScavengerCollector|MarkCompact|ConcurrentMarking|Sweeper|MinorMarkCompact|MinorMS|MarkingVisitor|MarkingBarrier|IncrementalMarking|ArrayBufferSweeper|GCTracer|MemoryAllocator|MainMarkingVisitor|ConcurrentMarkingVisitor)|Builtins_RecordWrite/,
  ],
  [
    'JS compile',
    /v8::internal::(compiler|maglev|baseline|Compiler|Parser|Scanner|PreParser|Bytecode|interpreter)|Builtins_CompileLazy/,
  ],
  ['quality metrics', /imaging\/(dist|src)\/(quality-metrics|pixel-sums)|lookalike_imaging/],
  ['pHash', /perceptual-hash|sharp-phash|phash-variants/],
  ['local features', /local-features\/|opencv\.js|libopencv_|lookalike_opencv/],
  [
    'model (ONNX + preprocess)',
    /libonnxruntime|onnxruntime-node|services\/embedding\/(dist|src)\/(model|preprocess)|tfjs/,
  ],
  ['SQL (PGlite, pg, TypeORM)', /pglite|pg-protocol|node_modules\/pg\/|typeorm|libs\/persistence/],
  ['vector index', /lancedb|vector-store\/(dist|src)/],
  ['logging', /pino|sonic-boom|nestjs-pino/],
  [
    'HTTP (express, multipart, fetch)',
    /express|node_modules\/router\/|body-parser|busboy|multer|undici|_http_|llhttp|node:http/,
  ],
  ['messaging (bus, proto, jobs)', /libs\/messaging|@bufbuild|protobuf|contracts\/(dist|src)/],
  ['quality loop JS (dedup, anomaly)', /services\/(dedup|anomaly)\/(dist|src)/],
  ['decode (libvips)', /jpeg_|decode_mcu|jsimd_|ycc_rgb|png_|inflate|vips_foreign_load|read_jpeg|libspng/],
  ['thumbnails (WebP encode)', /VP8|WebP|libwebp|vips_foreign_save_webp|SharpYuv/],
  ['resize, colour, other libvips', /libvips|sharp-linux/],
];

const KERNEL = /\[kernel\.kallsyms\]/;

interface Sample {
  pid: number;
  tid: number;
  time: number;
  frames: string[];
}

function stageOf(frames: string[]): string | undefined {
  for (const frame of frames) {
    for (const [stage, pattern] of FRAME_STAGES) if (pattern.test(frame)) return stage;
  }
  return undefined;
}

async function main(): Promise<void> {
  const [from, to, uploads, hz = 499, client = -1] = process.argv.slice(2).map(Number);
  if (!Number.isFinite(from) || !Number.isFinite(to) || !(uploads > 0)) {
    throw new Error('usage: perf-stages.ts <window start s> <window end s> <uploads> [sample Hz]');
  }
  // PROFILE_THREAD=main keeps only the samples of processes' main threads (tid = pid): what holds
  // the event loop that serves HTTP and drives the SQL connection.
  const mainOnly = process.env.PROFILE_THREAD === 'main';
  const samples: Sample[] = [];
  let current: Sample | undefined;
  for await (const line of createInterface({ input: process.stdin })) {
    const head = /^\s*(\d+)\/(\d+)\s+([\d.]+):/.exec(line);
    if (head) {
      current = { pid: Number(head[1]), tid: Number(head[2]), time: Number(head[3]), frames: [] };
      if (current.time >= from && current.time <= to && (!mainOnly || current.tid === current.pid))
        samples.push(current);
    } else if (current && line.trim()) {
      current.frames.push(line.trim().replace(/^[0-9a-f]+\s+/, ''));
    }
  }
  const stages = samples.map((s) =>
    s.pid === client ? 'bench client (sending uploads)' : stageOf(s.frames),
  );
  // A thread's most common stage speaks for its unnamed samples (WebAssembly workers).
  const perThread = new Map<number, Map<string, number>>();
  samples.forEach((s, i) => {
    const stage = stages[i];
    if (!stage || stage === 'GC' || stage === 'JS compile') return;
    const counts = perThread.get(s.tid) ?? new Map<string, number>();
    counts.set(stage, (counts.get(stage) ?? 0) + 1);
    perThread.set(s.tid, counts);
  });
  const dominant = new Map<number, string>();
  for (const [tid, counts] of perThread) {
    const [best] = [...counts].sort((a, b) => b[1] - a[1]);
    const total = [...counts.values()].reduce((a, b) => a + b, 0);
    // Only a thread that mostly does one thing lends it its name (not the main thread).
    if (best && best[1] / total >= 0.6) dominant.set(tid, best[0]);
  }
  const totals = new Map<string, number>();
  const final = samples.map((s, i) => {
    const stage =
      stages[i] ??
      dominant.get(s.tid) ??
      (s.frames[0] && KERNEL.test(s.frames[0])
        ? 'kernel (I/O, page faults, scheduling)'
        : 'other JS, event loop, runtime');
    totals.set(stage, (totals.get(stage) ?? 0) + 1);
    return stage;
  });
  const msPerSample = 1000 / hz;
  const all = samples.length;
  const rows = [...totals].sort((a, b) => b[1] - a[1]);
  const clientSamples = totals.get('bench client (sending uploads)') ?? 0;
  const lines = [
    `${all} samples at ${hz} Hz in ${(to - from).toFixed(1)} s, ${uploads} uploads: ${((all * msPerSample) / uploads).toFixed(0)} ms of CPU per upload, ${(((all - clientSamples) * msPerSample) / uploads).toFixed(0)} of them the server's`,
    '',
    '| stage | CPU ms/upload | share |',
    '| --- | ---: | ---: |',
    ...rows.map(
      ([stage, n]) =>
        `| ${stage} | ${((n * msPerSample) / uploads).toFixed(1)} | ${((100 * n) / all).toFixed(1)}% |`,
    ),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  const detail = process.env.PROFILE_DETAIL;
  if (detail) process.stdout.write(detailOf(detail, samples, final, uploads, msPerSample));
}

/**
 * PROFILE_DETAIL=<stage>: where that stage's samples come from, to find what to cut: the threads
 * (main or other) and the innermost JavaScript frames (a script path) of their stacks; for the
 * samples with no script frame, their innermost two native frames (kernel frames skipped).
 */
function detailOf(
  stage: string,
  samples: Sample[],
  stages: string[],
  uploads: number,
  msPerSample: number,
): string {
  const callers = new Map<string, number>();
  const natives = new Map<string, number>();
  let main = 0;
  let picked = 0;
  samples.forEach((s, i) => {
    if (stages[i] !== stage) return;
    picked += 1;
    if (s.pid === s.tid) main += 1;
    const js = s.frames.find((f) => /\.(js|ts|cjs|mjs):\d+/.test(f)) ?? '(no script frame)';
    const name = js.replace(/\s*\(\S+\)\s*$/, '');
    callers.set(name, (callers.get(name) ?? 0) + 1);
    if (name === '(no script frame)') {
      const native = s.frames
        .filter((f) => !KERNEL.test(f))
        .slice(0, 2)
        .join(' < ');
      natives.set(native, (natives.get(native) ?? 0) + 1);
    }
  });
  const ms = (n: number) => ((n * msPerSample) / uploads).toFixed(2);
  const top = (counts: Map<string, number>) =>
    [...counts]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 25)
      .map(([name, n]) => `  ${ms(n).padStart(6)}  ${name}`);
  return [
    '',
    `${stage}: ${ms(picked)} ms/upload, ${ms(main)} on main threads; innermost script frames:`,
    ...top(callers),
    '',
    'samples with no script frame, innermost native frames:',
    ...top(natives),
    '',
  ].join('\n');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
