import {
  embeddedEnv,
  EMBEDDED_DEDUP_CHECK_CONCURRENCY,
  EMBEDDED_INGEST_CONCURRENCY,
  EMBEDDED_MODEL_THREADS,
} from './embedded-env';

describe('embeddedEnv', () => {
  it('runs more ingests and dedup checks at once than the services default to, unless told', () => {
    const env = embeddedEnv({});
    expect(env.INGEST_CONCURRENCY).toBe(String(EMBEDDED_INGEST_CONCURRENCY));
    expect(env.BATCH_CONCURRENCY).toBe(String(EMBEDDED_INGEST_CONCURRENCY));
    expect(env.DEDUP_CHECK_CONCURRENCY).toBe(String(EMBEDDED_DEDUP_CHECK_CONCURRENCY));
    const told = embeddedEnv({
      INGEST_CONCURRENCY: '2',
      DEDUP_CHECK_CONCURRENCY: '1',
      BATCH_CONCURRENCY: '3',
    });
    expect([told.INGEST_CONCURRENCY, told.DEDUP_CHECK_CONCURRENCY, told.BATCH_CONCURRENCY]).toEqual([
      '2',
      '1',
      '3',
    ]);
  });

  it('gives the model one intra-op thread unless told', () => {
    expect(embeddedEnv({}).MODEL_INTRA_OP_THREADS).toBe(String(EMBEDDED_MODEL_THREADS));
    expect(embeddedEnv({ MODEL_INTRA_OP_THREADS: '4' }).MODEL_INTRA_OP_THREADS).toBe('4');
  });

  it('is the in-process transport on the in-memory index, whatever the caller says of the transport', () => {
    const env = embeddedEnv({ TRANSPORT: 'nats' });
    expect(env.TRANSPORT).toBe('local');
    expect(env.VECTOR_STORE).toBe('hnsw');
    expect(embeddedEnv({ VECTOR_STORE: 'lancedb' }).VECTOR_STORE).toBe('lancedb');
  });

  it('suggests the demo user and makes it an admin only for the seeded demo with dev login', () => {
    expect(embeddedEnv({}, { seedDemo: true }).AUTH_ADMIN_USERS).toBe('demo');
    expect(embeddedEnv({}).AUTH_ADMIN_USERS).toBeUndefined();
    expect(
      embeddedEnv({ AUTH_DEV_LOGIN: 'false' }, { seedDemo: true }).AUTH_DEV_LOGIN_SUGGESTED_USER,
    ).toBeUndefined();
  });
});
