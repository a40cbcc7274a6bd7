import {
  CopyIcon,
  CpuIcon,
  FilmIcon,
  ImagesIcon,
  LayoutDashboardIcon,
  LogOutIcon,
  MonitorIcon,
  MoonIcon,
  ScanSearchIcon,
  ShieldAlertIcon,
  SlidersHorizontalIcon,
  SunIcon,
  UploadIcon,
} from 'lucide-react';
import { Suspense } from 'react';
import { Navigate, NavLink, Outlet, useLocation } from 'react-router';

import { useModels } from '@/api/get-models';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { clearSession, useSession } from '@/lib/auth-store';
import { useTheme, type Theme } from '@/lib/theme';
import { cn } from '@/lib/utils';

import { DetailPanelProvider } from './detail-panel';
import { PageFallback } from './page-fallback';

const nav = [
  { to: '/images', label: 'Library', icon: ImagesIcon },
  { to: '/overview', label: 'Overview', icon: LayoutDashboardIcon },
  { to: '/upload', label: 'Upload', icon: UploadIcon },
  { to: '/search', label: 'Search', icon: ScanSearchIcon },
  { to: '/videos', label: 'Videos', icon: FilmIcon },
  { to: '/dedupe', label: 'Dedupe', icon: CopyIcon },
  { to: '/anomalies', label: 'Anomalies', icon: ShieldAlertIcon },
  { to: '/quality/thresholds', label: 'Thresholds', icon: SlidersHorizontalIcon },
];

const themeOrder: Theme[] = ['light', 'dark', 'system'];
const themeIcon = { light: SunIcon, dark: MoonIcon, system: MonitorIcon };

function ThemeToggle() {
  const { theme, setTheme } = useTheme();
  const Icon = themeIcon[theme];
  const next = themeOrder[(themeOrder.indexOf(theme) + 1) % themeOrder.length]!;
  return (
    <Button
      variant="ghost"
      size="icon"
      onClick={() => setTheme(next)}
      aria-label={`Theme: ${theme}. Switch to ${next}`}
      title={`Theme: ${theme}`}
    >
      <Icon />
    </Button>
  );
}

function ModelBadge() {
  const models = useModels();
  if (!models.data) return null;
  return (
    <Badge
      variant="outline"
      className="hidden lg:inline-flex"
      title={`${models.data.dim}-d embeddings on ${models.data.device}`}
    >
      <CpuIcon /> {models.data.name}
    </Badge>
  );
}

export function AppShell() {
  const session = useSession();
  const location = useLocation();
  if (!session) {
    const next = `${location.pathname}${location.search}`;
    return <Navigate to={`/login?next=${encodeURIComponent(next)}`} replace />;
  }
  return (
    <div className="min-h-screen">
      <header className="sticky top-0 z-20 border-b bg-background/90 backdrop-blur">
        <div className="mx-auto flex h-14 max-w-[1600px] items-center gap-2 px-4">
          <NavLink to="/search" className="mr-2 flex items-center gap-2 font-semibold">
            <span className="flex size-7 items-center justify-center rounded-md bg-primary text-primary-foreground">
              L
            </span>
            <span className="hidden sm:inline">Lookalike</span>
          </NavLink>
          <nav className="flex items-center gap-1" aria-label="Main">
            {nav.map(({ to, label, icon: Icon }) => (
              <NavLink
                key={to}
                to={to}
                className={({ isActive }) =>
                  cn(
                    'flex items-center gap-2 rounded-md px-2.5 py-1.5 text-sm font-medium transition-colors',
                    isActive
                      ? 'bg-accent text-accent-foreground'
                      : 'text-muted-foreground hover:text-foreground',
                  )
                }
              >
                <Icon className="size-4" />
                <span className="hidden md:inline">{label}</span>
              </NavLink>
            ))}
          </nav>
          <div className="ml-auto flex items-center gap-1">
            <ModelBadge />
            <span
              className="hidden px-2 text-sm text-muted-foreground sm:inline"
              data-testid="signed-in-user"
            >
              {session.userId ?? 'signed in'}
            </span>
            <ThemeToggle />
            <Button variant="ghost" size="icon" onClick={clearSession} aria-label="Sign out" title="Sign out">
              <LogOutIcon />
            </Button>
          </div>
        </div>
      </header>
      <main className="mx-auto grid max-w-[1600px] gap-6 px-4 py-6">
        <DetailPanelProvider>
          <Suspense fallback={<PageFallback />}>
            <Outlet />
          </Suspense>
        </DetailPanelProvider>
      </main>
    </div>
  );
}
