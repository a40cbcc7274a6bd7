import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

/**
 * A compiled addon that may not be there (`make build` builds it where its compiler and headers
 * are): loaded once, on first use, with the reason kept when it will not load. A component with
 * such an addon offers a choice of runtime, `auto` (the addon when it loads, else the fallback),
 * `native` or the fallback; `runtime` settles that choice, and a `native` that cannot load is a
 * configuration error said at start-up, with the reason and the remedy.
 */
export class OptionalAddon<T> {
  private loaded: T | null | undefined;
  private loadError: string | undefined;

  /** `path`: the `.node` file; `describe`: what it is, for the error ("the compiled quality pass"). */
  constructor(
    readonly path: string,
    private readonly describe: string,
  ) {}

  /** The addon, or null when it is not built or will not load. */
  get(): T | null {
    if (this.loaded !== undefined) return this.loaded;
    this.loaded = null;
    if (existsSync(this.path)) {
      try {
        // Node's own require, also under test runners that keep a module registry of their own.
        this.loaded = createRequire(__filename)(this.path) as T;
      } catch (error) {
        this.loadError = error instanceof Error ? error.message : String(error);
      }
    }
    return this.loaded;
  }

  /**
   * The runtime a choice comes to in this process: `auto` is native when the addon loads, else
   * `fallback`. `native` where it cannot load throws, naming the reason and `remedy`.
   */
  runtime<F extends string>(choice: 'auto' | 'native' | F, fallback: F, remedy: string): 'native' | F {
    if (choice === fallback) return fallback;
    if (this.get()) return 'native';
    if (choice === 'auto') return fallback;
    throw new Error(
      `${this.describe} is not available (${this.loadError ?? `${this.path} is not built`}): ${remedy}`,
    );
  }
}
