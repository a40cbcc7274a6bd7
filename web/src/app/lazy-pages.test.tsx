import { render, screen } from '@testing-library/react';
import type React from 'react';
import { lazy, Suspense } from 'react';
import { createMemoryRouter, RouterProvider } from 'react-router';
import { describe, expect, it, vi } from 'vitest';

import { renderApp } from '../../test/render';
import { PageFallback } from './page-fallback';
import { isChunkLoadError, RouteError } from './route-error';

describe('lazily loaded pages', () => {
  it('shows a busy page outline while a page loads, then the page', async () => {
    let load!: (module: { default: () => React.JSX.Element }) => void;
    const Page = lazy(() => new Promise<{ default: () => React.JSX.Element }>((resolve) => (load = resolve)));
    render(
      <Suspense fallback={<PageFallback />}>
        <Page />
      </Suspense>,
    );
    const fallback = screen.getByRole('status');
    expect(fallback).toHaveAttribute('aria-busy', 'true');
    expect(fallback).toHaveTextContent('Loading page…');
    load({ default: () => <h1>Loaded</h1> });
    expect(await screen.findByRole('heading', { name: 'Loaded' })).toBeInTheDocument();
    expect(screen.queryByTestId('page-fallback')).not.toBeInTheDocument();
  });

  it('renders each page of the router once its chunk has loaded', async () => {
    renderApp('/no-such-page');
    expect(await screen.findByRole('heading', { name: 'There is no page here' })).toBeInTheDocument();
  });

  it('offers a reload when a page chunk cannot be fetched (after a deploy)', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    const Missing = lazy(() =>
      Promise.reject(new TypeError('Failed to fetch dynamically imported module: /assets/search-old.js')),
    );
    const router = createMemoryRouter([
      {
        path: '/',
        element: (
          <Suspense fallback={<PageFallback />}>
            <Missing />
          </Suspense>
        ),
        errorElement: <RouteError />,
      },
    ]);
    render(<RouterProvider router={router} />);
    expect(await screen.findByText('This page could not be loaded')).toBeInTheDocument();
    expect(screen.getByRole('alert')).toHaveTextContent('Reload to get the current version');
    expect(screen.getByRole('button', { name: 'Reload' })).toBeInTheDocument();
  });

  it('tells a failed chunk from other errors', () => {
    expect(isChunkLoadError(new TypeError('Importing a module script failed.'))).toBe(true);
    expect(isChunkLoadError(new TypeError('error loading dynamically imported module: x.js'))).toBe(true);
    expect(isChunkLoadError(new Error('Cannot read properties of undefined'))).toBe(false);
    expect(isChunkLoadError('Failed to fetch dynamically imported module')).toBe(false);
  });
});
