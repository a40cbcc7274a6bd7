import type { StatsWindow } from '@/api/types';
import { Tabs, TabsList, TabsTrigger } from '@/components/ui/tabs';

export const statsWindows: { value: StatsWindow; label: string; title: string }[] = [
  { value: '24h', label: '24 h', title: 'The last 24 hours, hour by hour' },
  { value: '7d', label: '7 days', title: 'The last 7 days, day by day' },
  { value: '30d', label: '30 days', title: 'The last 30 days, day by day' },
];

export const defaultStatsWindow: StatsWindow = '7d';

export function parseStatsWindow(value: string | null): StatsWindow {
  return statsWindows.find((w) => w.value === value)?.value ?? defaultStatsWindow;
}

/** The span of the charts and of the upload outcomes. */
export function WindowSwitch({
  value,
  onChange,
}: {
  value: StatsWindow;
  onChange: (value: StatsWindow) => void;
}) {
  return (
    <Tabs value={value} onValueChange={(next) => onChange(parseStatsWindow(next))}>
      <TabsList aria-label="Time window">
        {statsWindows.map((w) => (
          <TabsTrigger key={w.value} value={w.value} title={w.title}>
            {w.label}
          </TabsTrigger>
        ))}
      </TabsList>
    </Tabs>
  );
}
