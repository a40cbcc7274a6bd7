/** The dedup job kinds in the shared `jobs` table (GET /api/jobs/{id} shows them). */
export const SCAN_JOB = 'dedup-scan';
export const DELETE_JOB = 'dedup-delete';

/** A deletion of confirmed duplicates; the job's run_after is the end of the undo window. */
export interface DeletePayload {
  imageIds: string[];
  /** A video group's duplicates: each video is deleted whole, with its frames. */
  videoIds?: string[];
  groupId: string;
  userId: string;
}
