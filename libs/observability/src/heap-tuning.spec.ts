import { heapGrowthApplied, tuneHeapGrowth } from './heap-tuning';

describe('tuneHeapGrowth', () => {
  it('applies the first positive percent once per process; 0 leaves V8 its own', () => {
    expect(heapGrowthApplied()).toBeUndefined();
    tuneHeapGrowth(0);
    expect(heapGrowthApplied()).toBeUndefined();
    tuneHeapGrowth(100);
    // The embedded host starts every service in one process: a later value does not move it.
    tuneHeapGrowth(25);
    expect(heapGrowthApplied()).toBe(100);
  });
});
