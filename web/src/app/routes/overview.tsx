import { useSearchParams } from 'react-router';

import type { StatsWindow } from '@/api/types';
import { PageHeader } from '@/components/page-header';
import { OverviewView } from '@/features/overview/components/overview-view';
import {
  defaultStatsWindow,
  parseStatsWindow,
  WindowSwitch,
} from '@/features/overview/components/window-switch';

import { useOpenImage } from '../detail-panel';

export function OverviewRoute() {
  const openImage = useOpenImage();
  // The window is in the address (`?window=24h`), so a view can be linked and reloaded.
  const [params, setParams] = useSearchParams();
  const statsWindow = parseStatsWindow(params.get('window'));
  const setWindow = (value: StatsWindow) =>
    setParams(
      (current) => {
        const next = new URLSearchParams(current);
        if (value === defaultStatsWindow) next.delete('window');
        else next.set('window', value);
        return next;
      },
      { replace: true },
    );
  return (
    <>
      <PageHeader
        title="Overview"
        description="How the library is doing: duplicates, review left, uploads, and how the model sees it."
        actions={<WindowSwitch value={statsWindow} onChange={setWindow} />}
      />
      <OverviewView statsWindow={statsWindow} onOpenImage={(id) => openImage(id)} />
    </>
  );
}
