import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Thresholds that learn (issue 17, docs/quality-loop.md "Thresholds that learn"): the settings an
 * admin applied per tenant, one row per version (undone versions stay, marked), and the signals of
 * each decided pair as they were when the reviewer decided (the images of a confirmed duplicate are
 * deleted after the undo window, their vectors with them).
 */
export class TenantSettings1767225600800 implements MigrationInterface {
  name = 'TenantSettings1767225600800';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "tenant_settings" (
        "owner_user_id" varchar(128) NOT NULL,
        "scope" varchar(16) NOT NULL,
        "version" integer NOT NULL,
        "settings" jsonb NOT NULL,
        "previous" jsonb NOT NULL,
        "evidence" jsonb NOT NULL DEFAULT '{}',
        "applied_by" varchar(128) NOT NULL,
        "applied_at" timestamptz(3) NOT NULL DEFAULT now(),
        "undone_by" varchar(128),
        "undone_at" timestamptz(3),
        CONSTRAINT "ck_tenant_settings_scope" CHECK ("scope" IN ('dedup', 'anomaly')),
        CONSTRAINT "pk_tenant_settings" PRIMARY KEY ("owner_user_id", "scope", "version")
      )`);
    await queryRunner.query(`
      CREATE TABLE "decision_signals" (
        "owner_user_id" varchar(128) NOT NULL,
        "image_a" char(26) NOT NULL,
        "image_b" char(26) NOT NULL,
        "model" varchar(64) NOT NULL,
        "cosine" double precision,
        "hamming" integer,
        "inliers" integer,
        "verified" boolean,
        "captured_at" timestamptz(3) NOT NULL DEFAULT now(),
        CONSTRAINT "ck_decision_signals_pair_order" CHECK ("image_a" < "image_b"),
        CONSTRAINT "pk_decision_signals" PRIMARY KEY ("owner_user_id", "image_a", "image_b")
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "decision_signals"`);
    await queryRunner.query(`DROP TABLE "tenant_settings"`);
  }
}
