import { Loader2Icon, Trash2Icon } from 'lucide-react';
import { useState } from 'react';
import { toast } from 'sonner';

import { ProblemAlert } from '@/components/problem-alert';
import {
  AlertDialog,
  AlertDialogCancel,
  AlertDialogContent,
  AlertDialogDescription,
  AlertDialogFooter,
  AlertDialogHeader,
  AlertDialogTitle,
  AlertDialogTrigger,
} from '@/components/ui/alert-dialog';
import { Button } from '@/components/ui/button';

import { useDeleteVideo } from '../api/delete-video';

/**
 * "Delete video" with a confirmation. A refusal is shown in the dialog, which stays open; after the
 * deletion `onDeleted` is called (the page goes back to the list).
 */
export function DeleteVideo({ videoId, onDeleted }: { videoId: string; onDeleted: () => void }) {
  const [open, setOpen] = useState(false);
  const remove = useDeleteVideo();
  const confirm = () =>
    remove.mutate(videoId, {
      onSuccess: (result) => {
        setOpen(false);
        toast.success('Video deleted', {
          description: `${result.frames_deleted} key frame${result.frames_deleted === 1 ? '' : 's'} deleted with it`,
        });
        onDeleted();
      },
    });
  return (
    <AlertDialog
      open={open}
      onOpenChange={(next) => {
        if (remove.isPending) return;
        if (next) remove.reset();
        setOpen(next);
      }}
    >
      <AlertDialogTrigger asChild>
        <Button variant="outline" size="sm" className="text-destructive">
          <Trash2Icon /> Delete video
        </Button>
      </AlertDialogTrigger>
      <AlertDialogContent>
        <AlertDialogHeader>
          <AlertDialogTitle>Delete this video?</AlertDialogTitle>
          <AlertDialogDescription>
            The video and all its key frames are deleted: their thumbnails, search vectors and duplicate
            groups go with them. This cannot be undone.
          </AlertDialogDescription>
        </AlertDialogHeader>
        {remove.isError && <ProblemAlert error={remove.error} />}
        <AlertDialogFooter>
          <AlertDialogCancel disabled={remove.isPending}>Cancel</AlertDialogCancel>
          {/* A plain button: the dialog's own action would close it before the answer is known. */}
          <Button variant="destructive" disabled={remove.isPending} onClick={confirm}>
            {remove.isPending ? <Loader2Icon className="animate-spin" /> : <Trash2Icon />} Delete
          </Button>
        </AlertDialogFooter>
      </AlertDialogContent>
    </AlertDialog>
  );
}
