import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Duplex } from 'node:stream';
import { MessageChannel, type MessagePort, Worker } from 'node:worker_threads';

/**
 * The embedded server's thread: PGlite and the sessions of the pg clients that talk to it. It lives
 * in a worker thread so the WASM engine never blocks the service's event loop (and so it loads as
 * plain Node code everywhere, test runners included, since PGlite loads parts of itself with
 * dynamic import()).
 *
 * A client reaches it over a MessagePort instead of a loopback socket: what pg writes in one tick
 * (Parse, Bind, Describe, Execute, Sync) comes as one message and goes to PGlite as one call, and
 * the answer comes back as one message. Over TCP, pglite-socket ran each protocol message as its own
 * PGlite call and wrote each answer apart: about 0.23 ms of CPU per statement more, and a socket
 * read and write on both threads (docs/ingest.md, "The embedded database's transport").
 *
 * PGlite runs one session, so it serves one connection at a time (the data source's pool is one): a
 * connection opened while another is open waits for it to end (pg's connection timeout bounds the
 * wait), as when the pool replaces a connection. When a connection ends, its session is reset: an
 * open transaction rolled back, prepared statements and settings discarded, so that the next
 * connection starts as on a fresh server.
 */
const EMBEDDED_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { PGlite } = require(workerData.pglite);

(async () => {
  const db = await PGlite.create(workerData.dir);
  let session = null;
  // Every call into PGlite, one after the other: a session's messages and the reset after it.
  let queue = Promise.resolve();
  const serially = (task) => {
    queue = queue.then(task).catch((error) => parentPort.postMessage({ type: 'warning', message: String(error && error.stack || error) }));
    return queue;
  };

  const send = (port, bytes) => {
    if (bytes.length === 0) return;
    const owned = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice();
    port.postMessage(owned, [owned.buffer]);
  };

  // Connections that wait for the session; their messages stay queued in their ports until then.
  const waiting = [];
  const open = (s) => {
    session = s;
    // A call that throws leaves the session's protocol state unknown and its client without an
    // answer: the connection is closed (pg reports it as terminated) and the session reset.
    s.port.on('message', (chunk) => serially(() => receive(s, chunk).catch((error) => {
      parentPort.postMessage({ type: 'warning', message: String(error && error.stack || error) });
      return end(s);
    })));
  };
  const end = async (s) => {
    const queued = waiting.indexOf(s);
    if (queued >= 0) waiting.splice(queued, 1);
    if (session !== s) return;
    session = null;
    s.port.close();
    if (db.isInTransaction()) await db.exec('ROLLBACK');
    await db.exec('DISCARD ALL');
    if (waiting.length > 0) open(waiting.shift());
  };

  const receive = async (s, chunk) => {
    if (session !== s) return;
    s.pending = s.pending.length === 0 ? Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength) : Buffer.concat([s.pending, chunk]);
    // The startup message has no type byte: its first four bytes are its length.
    if (!s.started) {
      if (s.pending.length < 4 || s.pending.length < s.pending.readInt32BE(0)) return;
      const length = s.pending.readInt32BE(0);
      send(s.port, await db.execProtocolRaw(new Uint8Array(s.pending.subarray(0, length))));
      s.pending = s.pending.subarray(length);
      s.started = true;
    }
    // Whole typed messages up to the last complete one go to PGlite in one call; Terminate ends the session.
    let length = 0;
    let terminate = false;
    while (s.pending.length >= length + 5) {
      const size = 1 + s.pending.readInt32BE(length + 1);
      if (s.pending.length < length + size) break;
      if (s.pending[length] === 0x58) { terminate = true; break; }
      length += size;
    }
    if (length > 0) {
      const messages = new Uint8Array(s.pending.subarray(0, length));
      s.pending = s.pending.subarray(length);
      send(s.port, await db.execProtocolRaw(messages));
    }
    if (terminate) await end(s);
  };

  parentPort.on('message', (message) => {
    if (message.type === 'connect') {
      const s = { port: message.port, pending: Buffer.alloc(0), started: false };
      s.port.once('close', () => serially(() => end(s)));
      if (session === null) open(s);
      else waiting.push(s);
      return;
    }
    if (message.type === 'stop') {
      serially(async () => {
        for (const s of waiting.splice(0)) s.port.close();
        if (session !== null) await end(session);
        await db.close();
        parentPort.postMessage({ type: 'stopped' });
      });
    }
  });
  parentPort.postMessage({ type: 'ready' });
})().catch((error) => parentPort.postMessage({ type: 'error', message: String(error && error.stack || error) }));
`;

type WorkerMessage =
  | { type: 'ready' }
  | { type: 'stopped' }
  | { type: 'error'; message: string }
  | { type: 'warning'; message: string };

/**
 * A pg connection's stream over a MessagePort to the PGlite thread, in place of a net.Socket: pg
 * calls `connect`, `setNoDelay`, `write`, `end`, `ref` and `unref` on it and reads its `data`.
 * Writes made in one tick travel as one message, since pg writes each protocol message apart and
 * sends the next statement only after the answer to the last.
 */
export class EmbeddedPostgresStream extends Duplex {
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  constructor(private readonly port: MessagePort) {
    super();
    port.on('message', (data: Uint8Array) => {
      this.push(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
    });
    // The server closed the session (it stopped): end both sides as a socket would.
    port.once('close', () => {
      this.push(null);
      this.end();
    });
  }

  connect(): this {
    process.nextTick(() => this.emit('connect'));
    return this;
  }

  setNoDelay(): this {
    return this;
  }

  setKeepAlive(): this {
    return this;
  }

  ref(): this {
    this.port.ref();
    return this;
  }

  unref(): this {
    this.port.unref();
    return this;
  }

  override _read(): void {
    // Answers are pushed as they arrive.
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.pending.length === 0) queueMicrotask(() => this.flush());
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    callback();
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.flush();
    this.port.close();
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.port.close();
    callback(error);
  }

  private flush(): void {
    if (this.pending.length === 0) return;
    // A buffer of its own, so that it can be moved to the other thread instead of copied.
    const data = new Uint8Array(this.pendingBytes);
    let offset = 0;
    for (const chunk of this.pending) {
      data.set(chunk, offset);
      offset += chunk.length;
    }
    this.pending = [];
    this.pendingBytes = 0;
    this.port.postMessage(data, [data.buffer]);
  }
}

/**
 * PGlite (PostgreSQL compiled to WASM) with its data in `<dataDir>/pg`, in a thread of its own,
 * spoken to over the Postgres wire protocol so the same pg driver, entities and migrations work on
 * it. It runs one session, so clients must use a pool of one connection.
 */
export class EmbeddedPostgres {
  private constructor(private readonly worker: Worker) {}

  static async start(options: { dataDir: string }): Promise<EmbeddedPostgres> {
    const dir = join(options.dataDir, 'pg');
    await mkdir(dir, { recursive: true });
    const worker = new Worker(EMBEDDED_WORKER, {
      eval: true,
      workerData: { dir, pglite: require.resolve('@electric-sql/pglite') },
    });
    try {
      const ready = await nextMessage(worker);
      if (ready.type !== 'ready') throw new Error(`embedded PostgreSQL did not start: ${describe(ready)}`);
      // A session that fails in the thread after it started is reported, not thrown there.
      worker.on('message', (message: WorkerMessage) => {
        if (message.type === 'warning') process.emitWarning(message.message, 'EmbeddedPostgresWarning');
      });
      return new EmbeddedPostgres(worker);
    } catch (error) {
      await worker.terminate();
      throw error;
    }
  }

  /**
   * A pg client's connection options for this server: the URL gives only the user and database of
   * the startup message (its host is never resolved), the stream is a new connection's.
   */
  clientConfig(): { connectionString: string; stream: () => EmbeddedPostgresStream } {
    return { connectionString: 'postgres://postgres@pglite/postgres', stream: () => this.connect() };
  }

  /** A new connection's stream; pg's `stream` option. */
  connect(): EmbeddedPostgresStream {
    const { port1, port2 } = new MessageChannel();
    this.worker.postMessage({ type: 'connect', port: port2 }, [port2]);
    return new EmbeddedPostgresStream(port1);
  }

  /** Closes the database cleanly (PGlite flushes its files), then ends the thread. */
  async stop(): Promise<void> {
    const stopped = nextMessage(this.worker);
    this.worker.postMessage({ type: 'stop' });
    try {
      const message = await stopped;
      if (message.type !== 'stopped')
        throw new Error(`embedded PostgreSQL did not stop cleanly: ${describe(message)}`);
    } finally {
      await this.worker.terminate();
    }
  }
}

function describe(message: WorkerMessage): string {
  return message.type === 'error' || message.type === 'warning' ? message.message : message.type;
}

function nextMessage(worker: Worker): Promise<WorkerMessage> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: WorkerMessage) => {
      if (message.type === 'warning') return;
      cleanup();
      resolve(message);
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    const onExit = (code: number) => {
      cleanup();
      reject(new Error(`embedded PostgreSQL thread exited with code ${code}`));
    };
    const cleanup = () => {
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
    };
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
  });
}
