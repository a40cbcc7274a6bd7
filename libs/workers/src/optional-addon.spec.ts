import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OptionalAddon } from './optional-addon';

const REMEDY = 'run make build, or set X_RUNTIME=js or auto';
// Built by `make build` wherever g++ is (scripts/build-native.sh); the last case needs it.
const BUILT = join(__dirname, '../../imaging/native/build/Release/lookalike_imaging.node');

describe('OptionalAddon', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'optional-addon-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is null where the file is not built: auto falls back, native throws naming the path and the remedy', () => {
    const missing = new OptionalAddon<object>(join(dir, 'absent.node'), 'the compiled thing');
    expect(missing.get()).toBeNull();
    expect(missing.runtime('auto', 'js', REMEDY)).toBe('js');
    expect(missing.runtime('js', 'js', REMEDY)).toBe('js');
    expect(() => missing.runtime('native', 'js', REMEDY)).toThrow(
      `the compiled thing is not available (${join(dir, 'absent.node')} is not built): ${REMEDY}`,
    );
  });

  it('keeps the reason a file that is there would not load, and says it', () => {
    const broken = join(dir, 'broken.node');
    writeFileSync(broken, 'not a shared object');
    const addon = new OptionalAddon<object>(broken, 'the compiled thing');
    expect(addon.get()).toBeNull();
    expect(addon.runtime('auto', 'wasm', REMEDY)).toBe('wasm');
    expect(() => addon.runtime('native', 'wasm', REMEDY)).toThrow(
      /^the compiled thing is not available \(.*broken\.node/,
    );
    expect(() => addon.runtime('native', 'wasm', REMEDY)).not.toThrow(/is not built/);
  });

  (existsSync(BUILT) ? it : it.skip)(
    'loads a built addon once, and every choice but the fallback is native',
    () => {
      const addon = new OptionalAddon<{ pixelSums: unknown }>(BUILT, 'the compiled quality pass');
      const loaded = addon.get();
      expect(typeof loaded?.pixelSums).toBe('function');
      expect(addon.get()).toBe(loaded);
      expect(addon.runtime('auto', 'js', REMEDY)).toBe('native');
      expect(addon.runtime('native', 'js', REMEDY)).toBe('native');
      expect(addon.runtime('js', 'js', REMEDY)).toBe('js');
    },
  );
});
