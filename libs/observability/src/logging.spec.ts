import { prettyLogs } from './logging';

describe('prettyLogs', () => {
  it.each([
    ['auto', false, true, true],
    ['auto', false, false, false],
    ['auto', true, false, true],
    ['pretty', false, false, true],
    ['json', false, true, false],
    ['json', true, true, false],
  ] as const)('LOG_FORMAT=%s, LOG_PRETTY=%s, a terminal: %s -> pretty %s', (format, legacy, tty, pretty) => {
    expect(prettyLogs({ LOG_FORMAT: format, LOG_PRETTY: legacy }, tty)).toBe(pretty);
  });
});
