import { ErrorCode, LookalikeError } from '@lookalike/contracts';

/** Model files that are missing, corrupt, mismatched with model.json, or of the wrong signature. */
export class ModelLoadError extends LookalikeError {
  constructor(message: string, details: Record<string, unknown> = {}, cause?: unknown) {
    super(ErrorCode.ModelUnavailable, message, { details, cause });
    this.name = 'ModelLoadError';
  }
}

/** A tensor handed to or returned by a model has a shape the model contract does not allow. */
export class ModelShapeError extends LookalikeError {
  constructor(tensor: string, expected: readonly (number | string)[], actual: readonly (number | string)[]) {
    super(
      ErrorCode.Internal,
      `${tensor} has shape [${actual.join(', ')}], expected [${expected.join(', ')}]`,
      { details: { tensor, expected, actual } },
    );
    this.name = 'ModelShapeError';
  }
}
