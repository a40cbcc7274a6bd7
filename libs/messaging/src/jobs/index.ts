export * from './job-queue.port';
export * from './in-process-job.queue';
export * from './jetstream-job.queue';
export * from './job-runner';
export * from './job-schedule';
export * from './jobs.module';
