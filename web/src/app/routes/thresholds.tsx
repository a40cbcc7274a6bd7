import { PageHeader } from '@/components/page-header';
import { ThresholdsView } from '@/features/thresholds/components/thresholds-view';

export function ThresholdsRoute() {
  return (
    <>
      <PageHeader
        title="Thresholds"
        description="What your reviewers' decisions suggest for the duplicate thresholds and the anomaly weights, beside what is in force."
      />
      <ThresholdsView />
    </>
  );
}
