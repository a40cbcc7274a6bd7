export * from './page-cursor';
export * from './image.repository';
export * from './job.repository';
export * from './feedback.repository';
export * from './dedup.repository';
export * from './anomaly-review.repository';
export * from './audit-log.repository';
export * from './pair-verification.repository';
