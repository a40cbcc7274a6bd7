import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { QdrantCall, QdrantTransport } from '../src';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

interface Operation {
  method: string;
  path: string;
  parameters: { name: string; in: string; required?: boolean }[];
  body?: ValidateFunction;
  result?: ValidateFunction;
}

/**
 * Rewrites OpenAPI 3.0 schema dialect into JSON Schema that Ajv checks strictly:
 * `nullable: true` becomes a null type, and objects that list their properties reject any
 * other property, so a misspelt field in a request body fails instead of being ignored.
 */
function toJsonSchema(node: Json): Json {
  if (Array.isArray(node)) return node.map(toJsonSchema);
  if (node === null || typeof node !== 'object') return node;
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === 'example' || k === 'examples' || k === 'deprecated') continue;
    out[k] = toJsonSchema(v);
  }
  if (out.nullable === true) {
    delete out.nullable;
    if (typeof out.type === 'string') out.type = [out.type, 'null'];
    else if (Object.keys(out).filter((k) => k !== 'description' && k !== 'default').length === 0)
      return { type: 'null' };
  } else if (out.nullable === false) delete out.nullable;
  if (out.properties && out.additionalProperties === undefined) out.additionalProperties = false;
  return out;
}

const integer = (min: number, max: number) => ({
  type: 'number' as const,
  validate: (n: number) => Number.isInteger(n) && n >= min && n <= max,
});

export class QdrantOpenApi {
  readonly version: string;
  private readonly operations = new Map<string, Operation>();

  constructor(file = join(__dirname, 'fixtures', 'openapi-v1.19.0.json')) {
    const doc = JSON.parse(readFileSync(file, 'utf8')) as {
      info: { version: string };
      components: { schemas: Record<string, Json> };
      paths: Record<string, Record<string, JsonObject>>;
    };
    this.version = doc.info.version;
    const ajv = new Ajv({ allErrors: true, strict: false });
    addFormats(ajv);
    ajv.addFormat('uint', integer(0, Number.MAX_SAFE_INTEGER));
    ajv.addFormat('uint8', integer(0, 255));
    ajv.addFormat('uint32', integer(0, 2 ** 32 - 1));
    ajv.addFormat('uint64', integer(0, Number.MAX_SAFE_INTEGER));
    ajv.addFormat('int64', integer(Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER));
    ajv.addFormat('float', { type: 'number', validate: (n: number) => Number.isFinite(n) });
    ajv.addFormat('double', { type: 'number', validate: (n: number) => Number.isFinite(n) });
    ajv.addFormat('partial-date-time', true);
    ajv.addSchema({ $id: 'qdrant', components: { schemas: toJsonSchema(doc.components.schemas) } });
    // Operation schemas refer to components of the document registered above.
    const compile = (schema: Json | undefined) =>
      schema === undefined
        ? undefined
        : ajv.compile(
            JSON.parse(
              JSON.stringify(toJsonSchema(schema)).replace(/"#\/components\//g, '"qdrant#/components/'),
            ) as JsonObject,
          );
    for (const [path, methods] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(methods)) {
        const operation = op as {
          operationId?: string;
          parameters?: Operation['parameters'];
          requestBody?: { content: { 'application/json'?: { schema: Json } } };
          responses?: Record<
            string,
            { content?: { 'application/json'?: { schema: { properties?: { result?: Json } } } } }
          >;
        };
        if (!operation.operationId) continue;
        this.operations.set(operation.operationId, {
          method: method.toUpperCase(),
          path,
          parameters: operation.parameters ?? [],
          body: compile(operation.requestBody?.content['application/json']?.schema),
          result: compile(
            operation.responses?.['200']?.content?.['application/json']?.schema.properties?.result,
          ),
        });
      }
    }
  }

  operation(id: string): Operation {
    const op = this.operations.get(id);
    if (!op) throw new Error(`Qdrant ${this.version} has no operation ${id}`);
    return op;
  }

  /** Errors of a request body against the operation's requestBody schema ([] when valid). */
  bodyErrors(id: string, body: unknown): string[] {
    const op = this.operation(id);
    if (!op.body) return body === undefined ? [] : [`${id} takes no body`];
    return op.body(body)
      ? []
      : (op.body.errors ?? []).map(
          (e) => `${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`,
        );
  }

  resultErrors(id: string, result: unknown): string[] {
    const op = this.operation(id);
    if (!op.result) return [];
    return op.result(result)
      ? []
      : (op.result.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`);
  }
}

export interface RecordedCall extends QdrantCall {
  method: string;
  url: string;
}

/**
 * A fake HTTP edge for the Qdrant adapter: it resolves each call to its documented path and
 * method, refuses any body (or canned answer) that the OpenAPI document rejects, records it,
 * and answers with what `answer` returns.
 */
export class SchemaCheckingTransport implements QdrantTransport {
  readonly calls: RecordedCall[] = [];

  constructor(
    private readonly api: QdrantOpenApi,
    private readonly answer: (call: QdrantCall) => unknown,
  ) {}

  async call(call: QdrantCall): Promise<unknown> {
    const op = this.api.operation(call.operation);
    const pathParams: Record<string, string | undefined> = {
      collection_name: call.collection,
      vector_name: call.vectorName,
    };
    const url = op.path.replace(/\{([a-z_]+)\}/g, (_, name: string) => {
      const value = pathParams[name];
      if (!value) throw new Error(`${call.operation} needs path parameter ${name}`);
      return encodeURIComponent(value);
    });
    if (call.wait !== undefined && !op.parameters.some((p) => p.name === 'wait' && p.in === 'query')) {
      throw new Error(`${call.operation} has no wait parameter`);
    }
    const errors = this.api.bodyErrors(call.operation, call.body);
    if (errors.length > 0)
      throw new Error(
        `${call.operation} body rejected by Qdrant ${this.api.version} schema:\n${errors.join('\n')}`,
      );
    this.calls.push({ ...call, method: op.method, url });
    const result = this.answer(call);
    const resultErrors = this.api.resultErrors(call.operation, result);
    if (resultErrors.length > 0)
      throw new Error(
        `canned ${call.operation} result is not what Qdrant returns:\n${resultErrors.join('\n')}`,
      );
    return result;
  }
}
