import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * QC statistics and the overview (issue 17): upload outcomes per tenant and hour (refusals leave no
 * image row; docs/OPERATIONS.md "QC metrics"), and each tenant's last embedding map.
 */
export class QcStats1767225600700 implements MigrationInterface {
  name = 'QcStats1767225600700';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "ingest_outcomes" (
        "owner_user_id" varchar(128) NOT NULL,
        "hour" timestamptz(3) NOT NULL,
        "outcome" varchar(16) NOT NULL,
        "count" bigint NOT NULL,
        CONSTRAINT "ck_ingest_outcomes_outcome" CHECK ("outcome" IN ('created', 'duplicate', 'rejected', 'failed')),
        CONSTRAINT "pk_ingest_outcomes" PRIMARY KEY ("owner_user_id", "hour", "outcome")
      )`);
    await queryRunner.query(`
      CREATE TABLE "embedding_maps" (
        "owner_user_id" varchar(128) NOT NULL,
        "method" varchar(16) NOT NULL,
        "model_name" varchar(128) NOT NULL,
        "total_points" integer NOT NULL,
        "points" jsonb NOT NULL,
        "job_id" char(26),
        "computed_at" timestamptz(3) NOT NULL DEFAULT now(),
        CONSTRAINT "pk_embedding_maps" PRIMARY KEY ("owner_user_id")
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "embedding_maps"`);
    await queryRunner.query(`DROP TABLE "ingest_outcomes"`);
  }
}
