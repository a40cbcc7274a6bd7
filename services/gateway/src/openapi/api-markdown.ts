import type { OpenAPIObject } from '@nestjs/swagger';

type Schema = {
  $ref?: string;
  type?: string;
  format?: string;
  enum?: unknown[];
  example?: unknown;
  default?: unknown;
  minimum?: number;
  items?: Schema;
  properties?: Record<string, Schema>;
  required?: string[];
  oneOf?: Schema[];
  allOf?: Schema[];
  additionalProperties?: boolean | Schema;
  description?: string;
};

interface Operation {
  operationId?: string;
  summary?: string;
  description?: string;
  tags?: string[];
  parameters?: Array<{ name: string; in: string; required?: boolean; description?: string; schema?: Schema }>;
  requestBody?: { content: Record<string, { schema: Schema }> };
  responses: Record<string, { description?: string; content?: Record<string, { schema: Schema }> }>;
  security?: unknown[];
}

const SAMPLE_ID = '01JD5Z8Q4R6T9V2W3X4Y5Z6A7B';

/** A plausible example value for a schema, for documentation. */
export function exampleFor(
  schema: Schema | undefined,
  components: Record<string, Schema>,
  name = '',
  depth = 0,
  minimal = false,
): unknown {
  if (!schema || depth > 6) {
    return null;
  }
  if (schema.$ref) {
    return exampleFor(resolveRef(schema, components), components, name, depth + 1, minimal);
  }
  if (schema.example !== undefined) {
    return schema.example;
  }
  if (schema.oneOf?.length) {
    return exampleFor(schema.oneOf[0], components, name, depth + 1, minimal);
  }
  if (schema.enum?.length) {
    return schema.enum[0];
  }
  switch (schema.type) {
    case 'object': {
      if (!schema.properties) {
        return {};
      }
      const out: Record<string, unknown> = {};
      for (const [key, child] of Object.entries(schema.properties)) {
        // Request examples show what a caller must send plus the fields that carry an example.
        if (
          minimal &&
          !schema.required?.includes(key) &&
          resolveRef(child, components).example === undefined
        ) {
          continue;
        }
        out[key] = exampleFor(child, components, key, depth + 1, minimal);
      }
      return out;
    }
    case 'array':
      return schema.items ? [exampleFor(schema.items, components, name, depth + 1, minimal)] : [];
    case 'integer':
    case 'number':
      return schema.default ?? schema.minimum ?? (schema.type === 'integer' ? 1 : 0.5);
    case 'boolean':
      return schema.default ?? false;
    case 'string':
      if (schema.format === 'date-time') return '2026-11-24T12:00:00.000Z';
      if (schema.format === 'binary') return '<binary>';
      if (
        /(^|_)id$/.test(name) ||
        name === 'representative' ||
        name === 'suggested_keep' ||
        name === 'duplicate_of'
      )
        return SAMPLE_ID;
      if (name === 'sha256') return 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
      if (name === 'phash') return 'c3d1e0f0b8a49c3e';
      if (name.endsWith('url')) return 'http://127.0.0.1:8080/api/objects/...';
      return typeof schema.default === 'string' ? schema.default : name || 'string';
    default:
      return null;
  }
}

function resolveRef(schema: Schema, components: Record<string, Schema>): Schema {
  return schema.$ref ? (components[schema.$ref.split('/').pop() ?? ''] ?? {}) : schema;
}

function typeOf(schema: Schema, components: Record<string, Schema>): string {
  if (schema.$ref) return schema.$ref.split('/').pop() ?? 'object';
  if (schema.enum) return schema.enum.map((v) => `\`${String(v)}\``).join(' \\| ');
  if (schema.type === 'array') return `${schema.items ? typeOf(schema.items, components) : 'any'}[]`;
  return schema.format ? `${schema.type} (${schema.format})` : (schema.type ?? 'any');
}

function fieldsTable(schema: Schema, components: Record<string, Schema>): string[] {
  const object = resolveRef(schema, components);
  if (!object.properties) return [];
  const rows = ['| field | type | required | description |', '| --- | --- | --- | --- |'];
  for (const [key, child] of Object.entries(object.properties)) {
    const resolved = resolveRef(child, components);
    const description = (child.description ?? resolved.description ?? '')
      .replace(/\|/g, '\\|')
      .replace(/\n/g, ' ');
    rows.push(
      `| \`${key}\` | ${typeOf(child, components)} | ${object.required?.includes(key) ? 'yes' : 'no'} | ${description} |`,
    );
  }
  return [...rows, ''];
}

function codeBlock(value: unknown): string {
  return ['```json', JSON.stringify(value, null, 2), '```'].join('\n');
}

export const GENERATED_MARKER =
  '<!-- Everything below is generated from the OpenAPI document by `make openapi`. -->';

/**
 * docs/API.md: the hand-written guide (everything above the marker) followed by every
 * operation, generated from the OpenAPI document so the two cannot drift.
 */
export function renderApiMarkdown(document: OpenAPIObject, existing: string): string {
  const guide = existing.includes(GENERATED_MARKER)
    ? existing.slice(0, existing.indexOf(GENERATED_MARKER))
    : existing;
  const components = (document.components?.schemas ?? {}) as Record<string, Schema>;
  const lines: string[] = [guide.trimEnd(), '', GENERATED_MARKER, '', '## Endpoints', ''];
  const operations: Array<{ method: string; path: string; op: Operation }> = [];
  for (const [path, item] of Object.entries(document.paths)) {
    for (const [method, op] of Object.entries(item as Record<string, Operation>)) {
      operations.push({ method: method.toUpperCase(), path, op });
    }
  }
  lines.push('| operation | method and path | summary |', '| --- | --- | --- |');
  for (const { method, path, op } of operations) {
    lines.push(
      `| [\`${op.operationId}\`](#${op.operationId?.toLowerCase()}) | \`${method} ${path}\` | ${op.summary ?? ''} |`,
    );
  }
  lines.push('');
  for (const { method, path, op } of operations) {
    lines.push(`### ${op.operationId}`, '', `\`${method} ${path}\` — ${op.summary ?? ''}`, '');
    if (op.description) lines.push(op.description, '');
    lines.push(op.security?.length ? 'Auth: bearer token.' : 'Auth: none.', '');
    if (op.parameters?.length) {
      lines.push('| parameter | in | required | description |', '| --- | --- | --- | --- |');
      for (const p of op.parameters) {
        lines.push(
          `| \`${p.name}\` | ${p.in} | ${p.required ? 'yes' : 'no'} | ${(p.description ?? '').replace(/\|/g, '\\|')} |`,
        );
      }
      lines.push('');
    }
    for (const [type, media] of Object.entries(op.requestBody?.content ?? {})) {
      lines.push(`Request (\`${type}\`):`, '', ...fieldsTable(media.schema, components));
      lines.push(codeBlock(exampleFor(media.schema, components, '', 0, true)), '');
    }
    const statuses = Object.keys(op.responses).sort();
    // Some operations answer in more than one way (200 inline, 202 as a job): every 2xx is shown.
    for (const success of statuses.filter((s) => s.startsWith('2'))) {
      const { description, content } = op.responses[success];
      const media = Object.entries(content ?? {})[0];
      lines.push(
        `Response ${success}${media ? ` (\`${media[0]}\`)` : ''}${description ? `, ${description}` : ''}:`,
        '',
      );
      if (media) {
        lines.push(codeBlock(exampleFor(media[1].schema, components)), '');
      }
    }
    const errors = statuses.filter((s) => !s.startsWith('2'));
    if (errors.length) {
      lines.push(
        `Errors (problem+json): ${errors.map((s) => `${s} ${op.responses[s].description ?? ''}`.trim()).join('; ')}.`,
        '',
      );
    }
  }
  return `${lines.join('\n')}\n`;
}
