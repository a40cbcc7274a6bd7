import { Loader2Icon } from 'lucide-react';
import type { ReactNode } from 'react';

import { ProblemAlert } from '@/components/problem-alert';
import {
  AlertDialog,
  AlertDialogCancel,
  AlertDialogContent,
  AlertDialogDescription,
  AlertDialogFooter,
  AlertDialogHeader,
  AlertDialogTitle,
} from '@/components/ui/alert-dialog';
import { Button } from '@/components/ui/button';

/**
 * A confirmation that names exactly what changes. The server's refusal (problem+json) is shown inside
 * the dialog, which stays open; it closes only once the change is made.
 */
export function ConfirmChange({
  open,
  onOpenChange,
  title,
  changes,
  children,
  confirmLabel,
  onConfirm,
  pending,
  error,
}: {
  open: boolean;
  onOpenChange: (open: boolean) => void;
  title: string;
  changes: string[];
  children: ReactNode;
  confirmLabel: string;
  onConfirm: () => void;
  pending: boolean;
  error: unknown;
}) {
  return (
    <AlertDialog
      open={open}
      onOpenChange={(next) => {
        if (!pending) onOpenChange(next);
      }}
    >
      <AlertDialogContent>
        <AlertDialogHeader>
          <AlertDialogTitle>{title}</AlertDialogTitle>
          <AlertDialogDescription asChild>
            <div className="grid gap-3">
              <ul className="grid gap-1 rounded-md border bg-muted/40 p-3 font-mono text-sm text-foreground">
                {changes.map((line) => (
                  <li key={line}>{line}</li>
                ))}
              </ul>
              <div className="grid gap-2">{children}</div>
            </div>
          </AlertDialogDescription>
        </AlertDialogHeader>
        {Boolean(error) && <ProblemAlert error={error} />}
        <AlertDialogFooter>
          <AlertDialogCancel disabled={pending}>Cancel</AlertDialogCancel>
          {/* A plain button: the dialog's own action would close it before the answer is known. */}
          <Button disabled={pending} onClick={onConfirm}>
            {pending && <Loader2Icon className="animate-spin" />} {confirmLabel}
          </Button>
        </AlertDialogFooter>
      </AlertDialogContent>
    </AlertDialog>
  );
}
