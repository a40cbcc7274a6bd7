import type { MigrationInterface, QueryRunner } from 'typeorm';

/** A job may wait in `queued` until a time (a deletion after its undo window); claims skip it until then. */
export class JobRunAfter1767225600200 implements MigrationInterface {
  name = 'JobRunAfter1767225600200';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "jobs" ADD COLUMN "run_after" timestamptz(3)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "jobs" DROP COLUMN "run_after"`);
  }
}
