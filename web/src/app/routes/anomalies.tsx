import { PageHeader } from '@/components/page-header';
import { AnomalyQueue } from '@/features/anomalies/components/anomaly-queue';

import { useOpenImage } from '../detail-panel';

export function AnomaliesRoute() {
  const openImage = useOpenImage();
  return (
    <>
      <PageHeader
        title="Anomalies"
        description="The odd ones out, most unusual first. Your verdicts train the ranking."
      />
      <AnomalyQueue onOpenImage={openImage} />
    </>
  );
}
