import type { SettingsVersion } from '@/api/types';
import { Badge } from '@/components/ui/badge';
import { formatDate } from '@/lib/format';

import { formatSetting, versionChanges } from './threshold-words';

/** The applied versions of one scope, newest first: who applied what and when, and who undid it. */
export function SettingsHistory({
  history,
  inForce,
  format = formatSetting,
  label,
}: {
  history: SettingsVersion[];
  inForce?: number;
  format?: (name: string, value: number | undefined) => string;
  label: string;
}) {
  if (history.length === 0)
    return (
      <p className="text-sm text-muted-foreground">
        Nothing applied yet: the deployment&apos;s settings are in force.
      </p>
    );
  return (
    <div className="max-w-4xl overflow-x-auto">
      <table className="w-full text-sm" aria-label={label}>
        <thead className="text-left text-xs text-muted-foreground">
          <tr>
            <th className="py-1 pr-3 font-medium">Version</th>
            <th className="py-1 pr-3 font-medium">Change</th>
            <th className="py-1 pr-3 font-medium">Applied</th>
            <th className="py-1 font-medium">Status</th>
          </tr>
        </thead>
        <tbody>
          {history.map((version) => {
            const changes = versionChanges(version, format);
            return (
              <tr key={version.version} className="border-t align-top">
                <td className="py-1.5 pr-3 tabular-nums">v{version.version}</td>
                <td className="py-1.5 pr-3 font-mono text-xs">
                  {changes.length ? changes.join(', ') : 'no change'}
                  {Object.keys(version.previous).length === 0 && (
                    <span className="block font-sans text-muted-foreground">
                      over the deployment&apos;s settings
                    </span>
                  )}
                </td>
                <td className="py-1.5 pr-3">
                  {version.applied_by}
                  <span className="block text-xs text-muted-foreground">
                    {formatDate(version.applied_at)}
                  </span>
                </td>
                <td className="py-1.5">
                  {version.undone_at ? (
                    <span>
                      <Badge variant="outline">undone</Badge>
                      <span className="block text-xs text-muted-foreground">
                        by {version.undone_by ?? 'someone'}, {formatDate(version.undone_at)}
                      </span>
                    </span>
                  ) : version.version === inForce ? (
                    <Badge variant="success">in force</Badge>
                  ) : (
                    <Badge variant="secondary">superseded</Badge>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
