import { ErrorCode, isRequestError, LookalikeError } from './errors';

describe('isRequestError', () => {
  it.each([
    ErrorCode.InvalidArgument,
    ErrorCode.NotFound,
    ErrorCode.PermissionDenied,
    ErrorCode.PayloadTooLarge,
    ErrorCode.UnsupportedMediaType,
    ErrorCode.Unprocessable,
  ])('blames the request for %s', (code) => {
    expect(isRequestError(new LookalikeError(code, 'x'))).toBe(true);
  });

  it.each([ErrorCode.Conflict, ErrorCode.Busy, ErrorCode.Unavailable, ErrorCode.Timeout, ErrorCode.Internal])(
    'leaves %s to a retry',
    (code) => {
      expect(isRequestError(new LookalikeError(code, 'x'))).toBe(false);
    },
  );

  it('leaves errors that are not LookalikeErrors to a retry', () => {
    expect(isRequestError(new Error('socket hang up'))).toBe(false);
    expect(isRequestError({ code: ErrorCode.InvalidArgument })).toBe(false);
  });
});
