import { z } from 'zod';
import { ConfigError, loadConfig } from './load-config';
import { envBoolean, refineStorage, runtimeEnvSchema, storageEnvSchema } from './env-schemas';

describe('loadConfig', () => {
  it('applies defaults for an empty environment', () => {
    const config = loadConfig(runtimeEnvSchema, {});
    expect(config.TRANSPORT).toBe('local');
    expect(config.LOG_PRETTY).toBe(false);
  });

  it('names every bad variable in one error', () => {
    const schema = runtimeEnvSchema.extend({ API_PORT: z.coerce.number().int().max(65535) });
    try {
      loadConfig(schema, { TRANSPORT: 'carrier-pigeon', API_PORT: '99999' });
      throw new Error('expected a ConfigError');
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const message = (error as ConfigError).message;
      expect(message).toContain('TRANSPORT');
      expect(message).toContain('API_PORT');
    }
  });

  it('parses booleans strictly', () => {
    const schema = z.object({ FLAG: envBoolean(false) });
    expect(loadConfig(schema, { FLAG: 'yes' }).FLAG).toBe(true);
    expect(() => loadConfig(schema, { FLAG: 'maybe' })).toThrow(/FLAG/);
  });

  it('requires QDRANT_URL when the Qdrant adapter is chosen', () => {
    const schema = storageEnvSchema.superRefine(refineStorage);
    expect(() => loadConfig(schema, { VECTOR_STORE: 'qdrant' })).toThrow(/QDRANT_URL/);
    expect(loadConfig(schema, { VECTOR_STORE: 'qdrant', QDRANT_URL: 'http://qdrant:6333' }).QDRANT_URL).toBe(
      'http://qdrant:6333',
    );
  });

  it('requires S3 credentials when the S3 adapter is chosen', () => {
    const schema = storageEnvSchema.superRefine(refineStorage);
    expect(() => loadConfig(schema, { OBJECT_STORE: 's3' })).toThrow(/S3_ENDPOINT[\s\S]*S3_ACCESS_KEY/);
  });
});
