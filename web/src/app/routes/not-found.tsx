import { MapIcon } from 'lucide-react';
import { Link } from 'react-router';

import { EmptyState } from '@/components/empty-state';
import { Button } from '@/components/ui/button';

export function NotFoundRoute() {
  return (
    <EmptyState
      icon={MapIcon}
      title="There is no page here"
      action={
        <Button asChild>
          <Link to="/search">Go to search</Link>
        </Button>
      }
    >
      The address may be mistyped, or the link is from an older version of the console.
    </EmptyState>
  );
}
