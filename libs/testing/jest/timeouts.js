// Jest applies `testTimeout` only globally; each project sets its own through this file.
// The budget comes from the project's `globals.__LOOKALIKE_TIMEOUT_MS__`.
jest.setTimeout(Number(globalThis.__LOOKALIKE_TIMEOUT_MS__ ?? 5000));
