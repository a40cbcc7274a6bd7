import { AlertTriangleIcon } from 'lucide-react';
import type { ReactNode } from 'react';

import { Alert, AlertDescription, AlertTitle } from '@/components/ui/alert';
import { toApiError } from '@/lib/problem';

/** Shows the server's problem detail (title, detail, field errors, request id) where a view failed. */
export function ProblemAlert({ error, action }: { error: unknown; action?: ReactNode }) {
  const { problem } = toApiError(error);
  return (
    <Alert variant="destructive" data-testid="problem-alert">
      <AlertTriangleIcon />
      <AlertTitle>
        {problem.title}
        {problem.status > 0 && <span className="ml-2 font-normal opacity-70">HTTP {problem.status}</span>}
      </AlertTitle>
      <AlertDescription>
        {problem.detail && <p>{problem.detail}</p>}
        {problem.errors && (
          <ul className="list-disc pl-4">
            {problem.errors.map((e) => (
              <li key={e}>{e}</li>
            ))}
          </ul>
        )}
        {problem.requestId && (
          <p className="font-mono text-xs">
            Request id <span className="select-all">{problem.requestId}</span>
          </p>
        )}
        {action}
      </AlertDescription>
    </Alert>
  );
}
