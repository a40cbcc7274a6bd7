import { lazy, Suspense, type ComponentType } from 'react';
import { createBrowserRouter, createMemoryRouter, Navigate, type RouteObject } from 'react-router';

import { AppShell } from './app-shell';
import { FullPageFallback } from './page-fallback';
import { RouteError } from './route-error';

// Every page is its own chunk, fetched the first time it is shown. The shell (header, navigation)
// stays in the entry chunk; it suspends around its <Outlet /> with a page-shaped fallback.
const pages = {
  login: () => import('./routes/login').then((module) => ({ default: module.LoginRoute })),
  library: () => import('./routes/images').then((module) => ({ default: module.LibraryRoute })),
  overview: () => import('./routes/overview').then((module) => ({ default: module.OverviewRoute })),
  upload: () => import('./routes/upload').then((module) => ({ default: module.UploadRoute })),
  search: () => import('./routes/search').then((module) => ({ default: module.SearchRoute })),
  dedupe: () => import('./routes/dedupe').then((module) => ({ default: module.DedupeRoute })),
  anomalies: () => import('./routes/anomalies').then((module) => ({ default: module.AnomaliesRoute })),
  thresholds: () => import('./routes/thresholds').then((module) => ({ default: module.ThresholdsRoute })),
  videos: () => import('./routes/videos').then((module) => ({ default: module.VideosRoute })),
  video: () => import('./routes/video').then((module) => ({ default: module.VideoRoute })),
  image: () => import('./routes/image').then((module) => ({ default: module.ImageRoute })),
  notFound: () => import('./routes/not-found').then((module) => ({ default: module.NotFoundRoute })),
} satisfies Record<string, () => Promise<{ default: ComponentType }>>;

/** Fetches every page's chunk (the component tests do, so that no test waits on a first import). */
export const preloadPages = () => Promise.all(Object.values(pages).map((load) => load()));

const LoginRoute = lazy(pages.login);
const LibraryRoute = lazy(pages.library);
const OverviewRoute = lazy(pages.overview);
const UploadRoute = lazy(pages.upload);
const SearchRoute = lazy(pages.search);
const DedupeRoute = lazy(pages.dedupe);
const AnomaliesRoute = lazy(pages.anomalies);
const ThresholdsRoute = lazy(pages.thresholds);
const VideosRoute = lazy(pages.videos);
const VideoRoute = lazy(pages.video);
const ImageRoute = lazy(pages.image);
const NotFoundRoute = lazy(pages.notFound);

export const routes: RouteObject[] = [
  {
    path: '/login',
    element: (
      <Suspense fallback={<FullPageFallback />}>
        <LoginRoute />
      </Suspense>
    ),
    errorElement: <RouteError fullPage />,
  },
  {
    element: <AppShell />,
    errorElement: <RouteError fullPage />,
    children: [
      {
        // A page that fails (its chunk did not load) shows its error inside the shell.
        errorElement: <RouteError />,
        children: [
          { index: true, element: <Navigate to="/images" replace /> },
          { path: 'images', element: <LibraryRoute /> },
          { path: 'overview', element: <OverviewRoute /> },
          { path: 'upload', element: <UploadRoute /> },
          { path: 'search', element: <SearchRoute /> },
          { path: 'dedupe', element: <DedupeRoute /> },
          { path: 'anomalies', element: <AnomaliesRoute /> },
          { path: 'quality/thresholds', element: <ThresholdsRoute /> },
          { path: 'videos', element: <VideosRoute /> },
          { path: 'videos/:id', element: <VideoRoute /> },
          { path: 'images/:id', element: <ImageRoute /> },
          { path: '*', element: <NotFoundRoute /> },
        ],
      },
    ],
  },
];

export const createAppRouter = () => createBrowserRouter(routes);
export const createTestRouter = (initialPath: string) =>
  createMemoryRouter(routes, { initialEntries: [initialPath] });
