import { InitialSchema1767225600000 } from './1767225600000-initial-schema';

/** Every migration, oldest first; openDatabase runs the pending ones. */
export const persistenceMigrations = [InitialSchema1767225600000];
