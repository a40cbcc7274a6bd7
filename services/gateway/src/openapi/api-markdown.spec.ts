import type { OpenAPIObject } from '@nestjs/swagger';
import { exampleFor, GENERATED_MARKER, renderApiMarkdown } from './api-markdown';

const document = {
  openapi: '3.0.0',
  info: { title: 't', version: '1' },
  paths: {
    '/api/things/{id}': {
      get: {
        operationId: 'getThing',
        summary: 'One thing',
        security: [{ bearer: [] }],
        parameters: [{ name: 'id', in: 'path', required: true }],
        responses: {
          '200': {
            description: '',
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Thing' } } },
          },
          '404': { description: 'Not found' },
        },
      },
    },
  },
  components: {
    schemas: {
      Thing: {
        type: 'object',
        required: ['image_id'],
        properties: {
          image_id: { type: 'string' },
          created_at: { type: 'string', format: 'date-time' },
          kind: { type: 'string', enum: ['exact', 'near'] },
          scores: { type: 'array', items: { type: 'number' } },
        },
      },
    },
  },
} as unknown as OpenAPIObject;

describe('renderApiMarkdown', () => {
  it('keeps the hand-written guide and regenerates everything below the marker', () => {
    const first = renderApiMarkdown(document, '# API\n\nGuide text.\n');
    const second = renderApiMarkdown(document, `${first}\nstale generated text`);
    expect(second).toBe(first);
    expect(first.indexOf('Guide text.')).toBeLessThan(first.indexOf(GENERATED_MARKER));
    expect(first).toContain('### getThing');
    expect(first).toContain('`GET /api/things/{id}`');
    expect(first).toContain('Errors (problem+json): 404 Not found.');
  });

  it('shows the operation description and every success response with its own', () => {
    const twoWays = {
      ...document,
      paths: {
        '/api/things': {
          post: {
            operationId: 'makeThings',
            summary: 'Things, now or later',
            description: 'Small requests answer at once, large ones run as a job.',
            responses: {
              '200': {
                description: 'Made inline',
                content: { 'application/json': { schema: { $ref: '#/components/schemas/Thing' } } },
              },
              '202': { description: 'Running as a job', content: { 'application/json': { schema: {} } } },
            },
          },
        },
      },
    } as unknown as OpenAPIObject;
    const text = renderApiMarkdown(twoWays, '');
    expect(text).toContain('Small requests answer at once, large ones run as a job.');
    expect(text).toContain('Response 200 (`application/json`), Made inline:');
    expect(text).toContain('Response 202 (`application/json`), Running as a job:');
  });

  it('builds examples from the schema: ids, enums, dates and arrays', () => {
    const components = (document.components?.schemas ?? {}) as never;
    expect(exampleFor({ $ref: '#/components/schemas/Thing' }, components)).toEqual({
      image_id: '01JD5Z8Q4R6T9V2W3X4Y5Z6A7B',
      created_at: '2026-11-24T12:00:00.000Z',
      kind: 'exact',
      scores: [0.5],
    });
    expect(exampleFor({ $ref: '#/components/schemas/Thing' }, components, '', 0, true)).toEqual({
      image_id: '01JD5Z8Q4R6T9V2W3X4Y5Z6A7B',
    });
  });
});
