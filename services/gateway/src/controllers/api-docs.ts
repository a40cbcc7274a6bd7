import { applyDecorators } from '@nestjs/common';
import { ApiBearerAuth, ApiResponse } from '@nestjs/swagger';
import { ProblemDto } from '../dtos/common.dto';

const problemText: Record<number, string> = {
  400: 'Invalid request (validation errors in `errors`)',
  401: 'Missing or invalid bearer token',
  403: 'Forbidden',
  404: 'Not found (also for images of other tenants)',
  409: 'Conflict',
  413: 'Payload too large',
  415: 'Unsupported media type',
  422: 'Unprocessable content (corrupt image, too many pixels, no text model)',
  429: 'Rate limited (Retry-After)',
  501: 'Not implemented',
  503: 'Busy or unavailable (Retry-After)',
  504: 'A downstream service did not answer in time',
};

/** Declares the problem+json answers of an operation (401/429/503/504 are added to all). */
export function ApiProblems(...statuses: number[]) {
  const all = [...new Set([...statuses, 401, 429, 503, 504])].sort();
  return applyDecorators(
    ApiBearerAuth(),
    ...all.map((status) =>
      ApiResponse({
        status,
        description: problemText[status] ?? 'Error',
        content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/ProblemDto' } } },
      }),
    ),
  );
}

export { ProblemDto };
