import { screen, within } from '@testing-library/react';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';

import { qualityThresholds } from '../../../test/fixtures';
import { url } from '../../../test/handlers';
import { server } from '../../../test/msw-server';
import { renderApp } from '../../../test/render';

describe('thresholds route', () => {
  it('is reached from the navigation and shows the report', async () => {
    server.use(http.get(url('/api/quality/thresholds'), () => HttpResponse.json(qualityThresholds())));
    const { user, router } = renderApp('/images');
    const nav = await screen.findByRole('navigation', { name: 'Main' });
    await user.click(within(nav).getByRole('link', { name: 'Thresholds' }));

    expect(router.state.location.pathname).toBe('/quality/thresholds');
    expect(await screen.findByRole('heading', { name: 'Thresholds', level: 1 })).toBeInTheDocument();
    expect(await screen.findByTestId('signal-cosine')).toBeInTheDocument();
    expect(within(nav).getByRole('link', { name: 'Thresholds' })).toHaveAttribute('aria-current', 'page');
  });
});
