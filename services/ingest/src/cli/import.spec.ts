import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runImport } from './import';

/**
 * The import CLI against a real HTTP server that plays the gateway's three calls (presign, PUT to
 * the signed URL, ingest) and pushes back once with 503 + Retry-After, as ingest does while the
 * quality loop catches up.
 */
describe('runImport', () => {
  let server: Server;
  let url: string;
  let dir: string;
  const seen = { ingests: 0, busy: 0, puts: 0 };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'import-spec-'));
    await writeFile(join(dir, 'a.jpg'), Buffer.from([0xff, 0xd8, 0xff, 0xd9]));
    await writeFile(join(dir, 'b.jpg'), Buffer.from([0xff, 0xd8, 0xff, 0xd9]));
    server = createServer((req: IncomingMessage, res: ServerResponse) => {
      req.resume();
      req.on('end', () => {
        const reply = (status: number, body: unknown, headers: Record<string, string> = {}) => {
          res.writeHead(status, { 'content-type': 'application/json', ...headers });
          res.end(JSON.stringify(body));
        };
        if (req.url === '/api/images/presign') {
          const n = seen.puts + seen.ingests;
          return reply(201, {
            bucket: 'b',
            key: `k${n}`,
            url: `${url}/put/${n}`,
            method: 'PUT',
            headers: {},
            fields: {},
          });
        }
        if (req.url?.startsWith('/put/')) {
          seen.puts += 1;
          return reply(200, {});
        }
        if (req.url === '/api/images/ingest') {
          if (seen.busy === 0) {
            seen.busy += 1;
            return reply(503, { code: 'unavailable', detail: 'busy' }, { 'retry-after': '1' });
          }
          seen.ingests += 1;
          return reply(201, { image_id: `img${seen.ingests}`, status: 'created' });
        }
        return reply(404, {});
      });
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((done) => server.close(done));
    await rm(dir, { recursive: true, force: true });
  });

  it('waits out a 503 with Retry-After and sends the ingest again instead of stopping', async () => {
    const waits: number[] = [];
    const summary = await runImport({
      dir,
      url,
      token: 't',
      tags: [],
      concurrency: 1,
      statePath: join(dir, '.state.json'),
      progress: false,
      onWait: (seconds) => waits.push(seconds),
    });
    expect(summary).toEqual({ created: 2, duplicate: 0, skipped: 0, rejected: {} });
    expect(waits).toEqual([1]);
    expect(seen).toEqual({ ingests: 2, busy: 1, puts: 2 });
  });
});
