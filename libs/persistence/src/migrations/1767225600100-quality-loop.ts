import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Anomaly score components per image, and the query image of searches that feedback names. */
export class QualityLoop1767225600100 implements MigrationInterface {
  name = 'QualityLoop1767225600100';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "anomaly_scores" (
        "owner_user_id" varchar(128) NOT NULL,
        "image_id" char(26) NOT NULL,
        "dnn" double precision NOT NULL,
        "density" double precision NOT NULL,
        "ood" double precision NOT NULL,
        "quality" double precision NOT NULL,
        "combined" double precision NOT NULL,
        "raw" jsonb NOT NULL DEFAULT '{}',
        "computed_at" timestamptz(3) NOT NULL DEFAULT now(),
        CONSTRAINT "pk_anomaly_scores" PRIMARY KEY ("owner_user_id", "image_id")
      )`);
    await queryRunner.query(
      `CREATE INDEX "idx_anomaly_scores_owner_combined" ON "anomaly_scores" ("owner_user_id", "combined")`,
    );
    await queryRunner.query(`
      CREATE TABLE "feedback_queries" (
        "owner_user_id" varchar(128) NOT NULL,
        "query_id" varchar(64) NOT NULL,
        "query_image_id" char(26) NOT NULL,
        "created_at" timestamptz(3) NOT NULL DEFAULT now(),
        CONSTRAINT "pk_feedback_queries" PRIMARY KEY ("owner_user_id", "query_id")
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "feedback_queries"`);
    await queryRunner.query(`DROP TABLE "anomaly_scores"`);
  }
}
