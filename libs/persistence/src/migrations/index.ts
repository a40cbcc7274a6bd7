import { InitialSchema1767225600000 } from './1767225600000-initial-schema';
import { QualityLoop1767225600100 } from './1767225600100-quality-loop';
import { JobRunAfter1767225600200 } from './1767225600200-job-run-after';
import { PairVerifications1767225600300 } from './1767225600300-pair-verifications';
import { Videos1767225600400 } from './1767225600400-videos';
import { VideoGroups1767225600500 } from './1767225600500-video-groups';
import { QcStats1767225600700 } from './1767225600700-qc-stats';
import { TenantSettings1767225600800 } from './1767225600800-tenant-settings';

/** Every migration, oldest first; openDatabase runs the pending ones. */
export const persistenceMigrations = [
  InitialSchema1767225600000,
  QualityLoop1767225600100,
  JobRunAfter1767225600200,
  PairVerifications1767225600300,
  Videos1767225600400,
  VideoGroups1767225600500,
  QcStats1767225600700,
  TenantSettings1767225600800,
];
