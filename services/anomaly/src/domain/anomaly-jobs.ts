/** The job that recomputes every anomaly score of a tenant (nightly, on demand, after new weights). */
export const RECOMPUTE_JOB = 'anomaly-recompute';
