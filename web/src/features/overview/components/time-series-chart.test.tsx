import { fireEvent, render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';

import { TimeSeriesChart, type ChartPoint } from './time-series-chart';

const hours: ChartPoint[] = Array.from({ length: 24 }, (_, i) => ({
  t: new Date(2026, 11, 6, i).toISOString(),
  value: i === 14 ? 17 : 1,
}));

describe('time series chart', () => {
  it('names itself with a summary and carries every value in a table for screen readers', () => {
    render(
      <TimeSeriesChart
        title="Uploads"
        description="Images and videos stored per bucket."
        points={hours}
        bucket="hour"
        variant="bar"
        unit="uploads"
      />,
    );
    const chart = screen.getByRole('img', { name: /Uploads/ });
    expect(chart).toHaveAccessibleName(
      'Uploads Images and videos stored per bucket. 40 uploads in 24 hours.',
    );
    const table = screen.getByRole('table', { name: 'Uploads' });
    expect(within(table).getAllByRole('row')).toHaveLength(25);
    expect(within(table).getByRole('row', { name: '6 Dec, 14:00–15:00 17' })).toBeInTheDocument();
    // A round top for the axis above the highest bar, and five labelled hours along the bottom.
    expect(chart).toHaveTextContent('20');
    expect(chart).toHaveTextContent(/03:00.*08:00.*13:00.*18:00.*23:00/);
  });

  it('shows a bucket on hover and follows the arrow keys', async () => {
    const user = userEvent.setup();
    render(
      <TimeSeriesChart
        title="Review backlog"
        description="Open duplicate groups at the end of each bucket."
        points={hours.slice(0, 3).map((p, i) => ({ ...p, value: 10 - i }))}
        bucket="hour"
        variant="line"
        unit="open groups"
      />,
    );
    expect(screen.getByTestId('chart-summary')).toHaveTextContent('8 open groups now');
    fireEvent.pointerEnter(screen.getAllByTestId('chart-bucket')[1]!);
    expect(screen.getByTestId('chart-tooltip')).toHaveTextContent('6 Dec, 01:00–02:009 open groups');

    screen.getByRole('img').focus();
    await user.keyboard('{ArrowRight}');
    expect(screen.getByTestId('chart-tooltip')).toHaveTextContent('02:00–03:008 open groups');
    await user.keyboard('{ArrowRight}');
    expect(screen.getByTestId('chart-tooltip')).toHaveTextContent('02:00–03:00');
    await user.keyboard('{Escape}');
    expect(screen.queryByTestId('chart-tooltip')).not.toBeInTheDocument();
  });

  it('draws an empty series without failing', () => {
    render(
      <TimeSeriesChart
        title="Reviews"
        description=""
        points={[]}
        bucket="day"
        variant="bar"
        unit="reviews"
      />,
    );
    expect(screen.getByTestId('chart-summary')).toHaveTextContent('0 reviews in 0 days');
  });
});
