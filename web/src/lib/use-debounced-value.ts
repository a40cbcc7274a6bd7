import { useEffect, useState } from 'react';

/** `value` once it has held still for `ms` milliseconds; undefined until it first has. */
export function useDebouncedValue<T>(value: T, ms: number): T | undefined {
  const [settled, setSettled] = useState<T | undefined>(undefined);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return settled;
}
