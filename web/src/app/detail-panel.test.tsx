import { render, screen } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';

import { PanelBoundary } from './detail-panel';

function GoneChunk(): never {
  throw new TypeError('Failed to fetch dynamically imported module: /assets/image-detail-old.js');
}

describe('detail panel content', () => {
  it('keeps a detail that fails to load inside the panel, with the page around it intact', () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    const { rerender } = render(
      <main>
        <h1>Search results</h1>
        <PanelBoundary imageId="01JABCDEFGHJKMNPQRSTVWXYZ0">
          <GoneChunk />
        </PanelBoundary>
      </main>,
    );
    expect(screen.getByText('This image detail could not be loaded')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Reload' })).toBeInTheDocument();
    expect(screen.getByRole('heading', { name: 'Search results' })).toBeInTheDocument();
    // Another image starts afresh.
    rerender(
      <main>
        <h1>Search results</h1>
        <PanelBoundary imageId="01JABCDEFGHJKMNPQRSTVWXYZ1">
          <p>Detail of the next image</p>
        </PanelBoundary>
      </main>,
    );
    expect(screen.getByText('Detail of the next image')).toBeInTheDocument();
    expect(screen.queryByText('This image detail could not be loaded')).not.toBeInTheDocument();
  });
});
