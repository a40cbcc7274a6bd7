/**
 * Near-duplicate finding through the public API, the way a user tries it: the embedded stack
 * (child process, its defaults: MobileNetV2, local features on), every dev-nearcopies image
 * uploaded one at a time through POST /api/images, then POST /api/dedup/scan, then every open
 * group of GET /api/dedup/groups. Scored pairwise over the components of the exact+near groups
 * and of all groups against truth.json, with recall per transform (original -> copy). Run with
 * LOCAL_FEATURES=false for the figures without geometric verification.
 *
 *   npx tsc -b tsconfig.build.json && node services/ingest/bench/run-dist.cjs services/embedded/bench/dedup-api.bench.ts
 *
 * Writes $BENCH_OUT/dedup-api.md (default .bench/dedup-api.md) and prints it.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { multipartFile, SoakStack } from './soak-stack';

const ROOT = resolve(__dirname, '../../..');
const DATASET = process.env.BENCH_NEAR_COPIES ?? resolve(ROOT, '../shared/datasets/dev-nearcopies');
const OUT_FILE = resolve(ROOT, process.env.BENCH_OUT ?? '.bench', 'dedup-api.md');
const OWNER = 'dedup-bench';

interface Group {
  group_id: string;
  kind: string;
  members: { image_id: string }[];
}

const base = (file: string): string => file.replace(/\.[a-z]+$/i, '').split('__')[0]!;
const transform = (file: string): string => file.replace(/\.[a-z]+$/i, '').split('__')[1] ?? 'none';
const key = (a: string, b: string): string => (a < b ? `${a}|${b}` : `${b}|${a}`);

class Components {
  private readonly parent = new Map<string, string>();
  find(x: string): string {
    let p = this.parent.get(x) ?? x;
    while (p !== (this.parent.get(p) ?? p)) p = this.parent.get(p)!;
    this.parent.set(x, p);
    return p;
  }
  union(a: string, b: string): void {
    this.parent.set(this.find(a), this.find(b));
  }
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'lookalike-dedup-api-'));
  const stack = await SoakStack.start('embedded', { root: ROOT, dataDir });
  try {
    const login = await fetch(`${stack.url}/api/auth/dev-login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user_id: OWNER }),
    });
    const { access_token: token } = (await login.json()) as { access_token: string };
    const api = (path: string, init: RequestInit = {}) =>
      fetch(`${stack.url}${path}`, {
        ...init,
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          ...(init.headers ?? {}),
        },
      });
    const files = readdirSync(join(DATASET, 'images')).sort();
    const fileOf = new Map<string, string>();
    const started = Date.now();
    for (const file of files) {
      const upload = multipartFile(
        readFileSync(join(DATASET, 'images', file)),
        file,
        'application/octet-stream',
      );
      const response = await fetch(`${stack.url}/api/images`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': upload.type,
        },
        body: upload.body,
      });
      const answer = (await response.json()) as { image_id: string };
      if (!response.ok)
        throw new Error(`upload of ${file} answered ${response.status}: ${JSON.stringify(answer)}`);
      fileOf.set(answer.image_id, file);
    }
    const uploadS = (Date.now() - started) / 1000;
    const scanStarted = Date.now();
    const { job_id } = (await (await api('/api/dedup/scan', { method: 'POST' })).json()) as {
      job_id: string;
    };
    for (;;) {
      const job = (await (await api(`/api/jobs/${job_id}`)).json()) as { state: string; error?: string };
      if (job.state === 'succeeded') break;
      if (job.state === 'failed') throw new Error(`scan failed: ${job.error}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    const scanS = (Date.now() - scanStarted) / 1000;
    const groups: Group[] = [];
    let cursor = '';
    do {
      const page = (await (
        await api(`/api/dedup/groups?status=open&limit=100${cursor ? `&cursor=${cursor}` : ''}`)
      ).json()) as { groups: Group[]; next_cursor?: string };
      groups.push(...page.groups);
      cursor = page.next_cursor ?? '';
    } while (cursor);

    const truth = new Set<string>();
    const byBase = new Map<string, string[]>();
    for (const file of files) byBase.set(base(file), [...(byBase.get(base(file)) ?? []), file]);
    for (const members of byBase.values())
      for (let i = 0; i < members.length; i += 1)
        for (let j = i + 1; j < members.length; j += 1) truth.add(key(members[i]!, members[j]!));
    const score = (kinds: string[]) => {
      const c = new Components();
      for (const g of groups.filter((x) => kinds.includes(x.kind))) {
        const ids = g.members.map((m) => fileOf.get(m.image_id)!);
        for (const id of ids.slice(1)) c.union(ids[0]!, id);
      }
      const predicted = new Set<string>();
      for (let i = 0; i < files.length; i += 1)
        for (let j = i + 1; j < files.length; j += 1)
          if (c.find(files[i]!) === c.find(files[j]!)) predicted.add(key(files[i]!, files[j]!));
      const tp = [...predicted].filter((p) => truth.has(p)).length;
      const byTransform: Record<string, [number, number]> = {};
      for (const file of files) {
        const t = transform(file);
        if (t === 'none' || !files.includes(`${base(file)}.jpg`)) continue;
        const entry = (byTransform[t] ??= [0, 0]);
        entry[1] += 1;
        if (c.find(file) === c.find(`${base(file)}.jpg`)) entry[0] += 1;
      }
      return {
        precision: predicted.size === 0 ? 1 : tp / predicted.size,
        recall: tp / truth.size,
        byTransform,
      };
    };
    const exactNear = score(['exact', 'near']);
    const all = score(['exact', 'near', 'similar']);
    const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
    const transforms = Object.keys(all.byTransform).sort();
    const features = process.env.LOCAL_FEATURES === 'false' ? 'off' : 'on';
    const md = [
      `## Near-duplicates through the API on dev-nearcopies (embedded, local features ${features})`,
      '',
      `${files.length} images uploaded one at a time in ${uploadS.toFixed(0)} s, scan job ${scanS.toFixed(1)} s, ${groups.length} open groups (${['exact', 'near', 'similar'].map((k) => `${groups.filter((g) => g.kind === k).length} ${k}`).join(', ')}). Pairwise over group components against truth.json (${truth.size} true pairs).`,
      '',
      '| tiers | precision | recall |',
      '| --- | --- | --- |',
      `| exact + near | ${pct(exactNear.precision)} | ${pct(exactNear.recall)} |`,
      `| all (with similar) | ${pct(all.precision)} | ${pct(all.recall)} |`,
      '',
      `| original -> copy found (exact+near) | ${transforms.join(' | ')} |`,
      `| --- | ${transforms.map(() => '---').join(' | ')} |`,
      `| exact + near | ${transforms.map((t) => `${exactNear.byTransform[t]![0]}/${exactNear.byTransform[t]![1]}`).join(' | ')} |`,
      `| all tiers | ${transforms.map((t) => `${all.byTransform[t]![0]}/${all.byTransform[t]![1]}`).join(' | ')} |`,
      '',
    ].join('\n');
    mkdirSync(resolve(OUT_FILE, '..'), { recursive: true });
    writeFileSync(OUT_FILE, md);
    console.log(md);
  } finally {
    await stack.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
