/**
 * The worker side of `LocalFeaturePool`: OpenCV runs here (native or OpenCV.js, one per thread), so feature
 * extraction and pair verification never hold the event loop of a process that serves requests.
 */
import { closeSync, existsSync, openSync, readSync } from 'node:fs';
import { decodeLocalFeatures, encodeLocalFeatures } from './feature-codec';
import { cvOps, type CvRuntime } from './cv-ops';
import { extractWith, FEATURE_DEFAULTS, type FeatureOptions, type GreyImage } from './local-features';
import { VERIFY_DEFAULTS, verifyWith, type PairGeometry, type VerifyOptions } from './verify-pair';

export interface ExtractTask {
  runtime: CvRuntime;
  grey: GreyImage;
  options?: FeatureOptions;
}

export interface VerifyTask {
  runtime: CvRuntime;
  /** Encoded features (`encodeLocalFeatures`) of A, and of each B it is checked against. */
  a: Uint8Array;
  others: Uint8Array[];
  options?: VerifyOptions;
}

/** A task's result and the CPU milliseconds this thread spent on it. */
export interface Timed<T> {
  value: T;
  cpuMs: number;
}

const SCHEDSTAT = '/proc/thread-self/schedstat';
const hasSchedstat = existsSync(SCHEDSTAT);
const schedstatText = Buffer.alloc(128);

/**
 * This thread's CPU time in ms: Linux's per-thread scheduler account (its first field, ns on a
 * CPU), so time the thread waited for a core is not counted; elsewhere (no `schedstat`) the wall
 * clock, which equals it for synchronous work on an idle machine. `schedstat` is the file opened
 * for the task: a read at offset 0 makes its text anew.
 */
function threadCpuMs(schedstat: number | undefined): number {
  if (schedstat === undefined) return performance.now();
  const length = readSync(schedstat, schedstatText, 0, schedstatText.length, 0);
  return Number(schedstatText.toString('latin1', 0, length).split(' ', 1)[0]) / 1e6;
}

/**
 * Runs synchronous work and its CPU time. The kernel brings a running thread's account up to date
 * only at a tick or a switch, so a task shorter than a tick can read as 0 ms: then it is counted
 * at its wall time, which it spent on the CPU (nothing in it waits). The schedstat file is opened
 * once per task and read before and after it (14 µs a task against 57 for two `readFileSync`s, each
 * an open, a stat, a read and a close); it is not kept open for the thread's life, since a
 * descriptor outlives the thread that opened it (the process's, not the thread's).
 */
function timed<T>(work: () => T): Timed<T> {
  const schedstat = hasSchedstat ? openSync(SCHEDSTAT, 'r') : undefined;
  try {
    const cpu = threadCpuMs(schedstat);
    const wall = performance.now();
    const value = work();
    const cpuMs = threadCpuMs(schedstat) - cpu;
    return { value, cpuMs: cpuMs > 0 ? cpuMs : performance.now() - wall };
  } finally {
    if (schedstat !== undefined) closeSync(schedstat);
  }
}

export async function extract(task: ExtractTask): Promise<Timed<Uint8Array>> {
  const ops = await cvOps(task.runtime);
  return timed(() => encodeLocalFeatures(extractWith(ops, task.grey, task.options ?? FEATURE_DEFAULTS)));
}

export async function verify(task: VerifyTask): Promise<Timed<PairGeometry[]>> {
  const ops = await cvOps(task.runtime);
  return timed(() => {
    const a = decodeLocalFeatures(task.a);
    return task.others.map((bytes) =>
      verifyWith(ops, a, decodeLocalFeatures(bytes), task.options ?? VERIFY_DEFAULTS),
    );
  });
}
