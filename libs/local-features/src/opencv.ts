import { createRequire } from 'node:module';

/** The OpenCV.js module (WebAssembly, `@techstark/opencv-js`), typed by the package's own declarations. */
export type OpenCv = typeof import('@techstark/opencv-js');
export type CvMat = InstanceType<OpenCv['Mat']>;

/** Holds the module: a promise must never resolve to the module itself, which is a thenable. */
export interface OpenCvRuntime {
  cv: OpenCv;
}

let loading: Promise<OpenCvRuntime> | undefined;

/**
 * The OpenCV runtime, initialised once per thread (about 0.4 s and 60 MB of WebAssembly heap). The
 * package's export is an Emscripten module: the live object gains `Mat` and the rest when its
 * runtime has started (`onRuntimeInitialized`). It is a thenable that resolves to
 * itself, so it travels wrapped (`OpenCvRuntime`) and is never awaited or returned from a promise.
 */
export function openCv(): Promise<OpenCvRuntime> {
  loading ??= (async () => {
    // A plain require: `import()` would wrap the module in a namespace copy that keeps its `then`,
    // and a promise resolving to that thenable never settles.
    const cv = createRequire(__filename)('@techstark/opencv-js') as OpenCv;
    if (typeof (cv as Partial<OpenCv>).Mat !== 'function') {
      await new Promise<void>((resolve) => {
        (cv as unknown as { onRuntimeInitialized: () => void }).onRuntimeInitialized = () => resolve();
      });
    }
    return { cv };
  })();
  return loading;
}

/**
 * Runs `body` with a list that collects every OpenCV object it makes, and deletes them all after,
 * whatever happens: WebAssembly memory is not garbage-collected.
 */
export function withMats<T>(body: (keep: <M extends { delete(): void }>(m: M) => M) => T): T {
  const made: { delete(): void }[] = [];
  try {
    return body((m) => {
      made.push(m);
      return m;
    });
  } finally {
    for (const m of made.reverse()) m.delete();
  }
}
