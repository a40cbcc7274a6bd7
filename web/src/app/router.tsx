import { createBrowserRouter, createMemoryRouter, Navigate, type RouteObject } from 'react-router';

import { AppShell } from './app-shell';
import { AnomaliesRoute } from './routes/anomalies';
import { DedupeRoute } from './routes/dedupe';
import { ImageRoute } from './routes/image';
import { LoginRoute } from './routes/login';
import { NotFoundRoute } from './routes/not-found';
import { SearchRoute } from './routes/search';
import { UploadRoute } from './routes/upload';

export const routes: RouteObject[] = [
  { path: '/login', element: <LoginRoute /> },
  {
    element: <AppShell />,
    children: [
      { index: true, element: <Navigate to="/upload" replace /> },
      { path: 'upload', element: <UploadRoute /> },
      { path: 'search', element: <SearchRoute /> },
      { path: 'dedupe', element: <DedupeRoute /> },
      { path: 'anomalies', element: <AnomaliesRoute /> },
      { path: 'images/:id', element: <ImageRoute /> },
      { path: '*', element: <NotFoundRoute /> },
    ],
  },
];

export const createAppRouter = () => createBrowserRouter(routes);
export const createTestRouter = (initialPath: string) =>
  createMemoryRouter(routes, { initialEntries: [initialPath] });
