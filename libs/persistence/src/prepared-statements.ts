import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { Client, type ClientConfig } from 'pg';

/** Statements a connection keeps prepared at most; the rest run unnamed, as pg runs them by default. */
export const PREPARED_STATEMENTS_PER_CONNECTION = 256;

/**
 * Which statement texts a connection prepares once and then only binds and executes. A text is
 * named the second time it is seen, so that one-off statements (an IN list of a length met once)
 * take no slot, and at most `limit` texts are named for the life of the connection.
 */
export class StatementNames {
  private readonly seen = new LRUCache<string, true>({ max: 1024 });
  private readonly named = new Map<string, string>();

  constructor(private readonly limit: number) {}

  nameFor(text: string): string | undefined {
    const name = this.named.get(text);
    if (name !== undefined) return name;
    if (this.named.size >= this.limit) return undefined;
    if (!this.seen.has(text)) {
      this.seen.set(text, true);
      return undefined;
    }
    this.seen.delete(text);
    const created = `lk_${createHash('sha1').update(text).digest('hex').slice(0, 32)}`;
    this.named.set(text, created);
    return created;
  }

  get size(): number {
    return this.named.size;
  }
}

/** pg's `query(text, values, callback)` as the wrapper below sees it; its other forms pass through. */
type QueryFunction = (config: unknown, values?: unknown, callback?: unknown) => unknown;

/**
 * A pg client that runs the parameterised statements it sees again as named prepared statements,
 * for the embedded server: PGlite parses and plans a statement in WebAssembly, and pg sends an
 * unnamed statement's Parse every time. Named, a repeated insert or update costs about a third less
 * CPU (docs/ingest.md, "The embedded database's transport"). TypeORM calls `query(text, values)`;
 * that form is the one named, every other form of pg's `query` is passed on as it came.
 */
export class PreparingClient extends Client {
  readonly statementNames = new StatementNames(PREPARED_STATEMENTS_PER_CONNECTION);

  constructor(config?: string | ClientConfig) {
    super(config);
    const query = (this.query as unknown as QueryFunction).bind(this);
    const preparing: QueryFunction = (config, values, callback) => {
      const name =
        typeof config === 'string' && Array.isArray(values) && values.length > 0
          ? this.statementNames.nameFor(config)
          : undefined;
      return name === undefined
        ? query(config, values, callback)
        : query({ text: config, values, name }, callback);
    };
    // An own property: pg's query() has a dozen overloads, which one function cannot override by type.
    Object.assign(this, { query: preparing });
  }
}
