import type { MigrationInterface, QueryRunner } from 'typeorm';
import { ANOMALY_VERDICTS } from '../entities/anomaly-review.entity';
import { oneOf } from '../entities/column-types';
import { DEDUP_VERDICTS } from '../entities/dedup-decision.entity';
import { DEDUP_GROUP_STATUSES, DEDUP_KINDS } from '../entities/dedup-group.entity';
import { FEEDBACK_ACTIONS } from '../entities/feedback.entity';
import { IMAGE_STATUSES } from '../entities/image.entity';
import { JOB_STATES } from '../entities/job.entity';

/** The first schema. Written by hand; the same SQL runs on PostgreSQL and on PGlite. */
export class InitialSchema1767225600000 implements MigrationInterface {
  name = 'InitialSchema1767225600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "images" (
        "image_id" char(26) NOT NULL,
        "owner_user_id" varchar(128) NOT NULL,
        "sha256" char(64) NOT NULL,
        "status" varchar(16) NOT NULL,
        "bucket" varchar(255) NOT NULL,
        "object_key" varchar(1024) NOT NULL,
        "thumb_256_key" varchar(1024),
        "thumb_1024_key" varchar(1024),
        "width" integer,
        "height" integer,
        "format" varchar(16),
        "size_bytes" bigint NOT NULL,
        "source" varchar(16) NOT NULL,
        "tags" text[] NOT NULL DEFAULT '{}',
        "phash" char(16),
        "quality_score" double precision,
        "quality_flags" text[] NOT NULL DEFAULT '{}',
        "quality_metrics" jsonb,
        "nsfw_score" double precision,
        "anomaly_score" double precision,
        "model_name" varchar(64),
        "model_version" varchar(64),
        "error" text,
        "created_at" timestamptz(3) NOT NULL DEFAULT now(),
        "updated_at" timestamptz(3) NOT NULL DEFAULT now(),
        CONSTRAINT "pk_images" PRIMARY KEY ("image_id"),
        CONSTRAINT "uq_images_owner_sha256" UNIQUE ("owner_user_id", "sha256"),
        CONSTRAINT "ck_images_status" CHECK (${oneOf('status', IMAGE_STATUSES)}),
        CONSTRAINT "ck_images_source" CHECK (${oneOf('source', ['upload', 'api', 'batch'])})
      )`);
    // Newest-first keyset pagination per owner reads this index in order.
    await queryRunner.query(
      `CREATE INDEX "idx_images_owner_created" ON "images" ("owner_user_id", "created_at" DESC, "image_id" DESC)`,
    );
    await queryRunner.query(`CREATE INDEX "idx_images_owner_status" ON "images" ("owner_user_id", "status")`);
    await queryRunner.query(`CREATE INDEX "idx_images_owner_phash" ON "images" ("owner_user_id", "phash")`);

    await queryRunner.query(`
      CREATE TABLE "jobs" (
        "job_id" char(26) NOT NULL,
        "owner_user_id" varchar(128) NOT NULL,
        "kind" varchar(64) NOT NULL,
        "state" varchar(16) NOT NULL,
        "idempotency_key" varchar(200),
        "done" integer NOT NULL DEFAULT 0,
        "total" integer NOT NULL DEFAULT 0,
        "failures" jsonb NOT NULL DEFAULT '[]',
        "error" text,
        "payload" jsonb NOT NULL DEFAULT '{}',
        "result" jsonb,
        "attempts" integer NOT NULL DEFAULT 0,
        "max_attempts" integer NOT NULL DEFAULT 3,
        "lease_owner" varchar(128),
        "lease_expires_at" timestamptz(3),
        "heartbeat_at" timestamptz(3),
        "started_at" timestamptz(3),
        "finished_at" timestamptz(3),
        "created_at" timestamptz(3) NOT NULL DEFAULT now(),
        "updated_at" timestamptz(3) NOT NULL DEFAULT now(),
        CONSTRAINT "pk_jobs" PRIMARY KEY ("job_id"),
        CONSTRAINT "uq_jobs_owner_kind_idempotency" UNIQUE ("owner_user_id", "kind", "idempotency_key"),
        CONSTRAINT "ck_jobs_state" CHECK (${oneOf('state', JOB_STATES)})
      )`);
    await queryRunner.query(
      `CREATE INDEX "idx_jobs_owner_created" ON "jobs" ("owner_user_id", "created_at" DESC, "job_id" DESC)`,
    );
    await queryRunner.query(`CREATE INDEX "idx_jobs_claim" ON "jobs" ("state", "kind", "created_at")`);

    await queryRunner.query(`
      CREATE TABLE "feedback" (
        "feedback_id" char(26) NOT NULL,
        "owner_user_id" varchar(128) NOT NULL,
        "user_id" varchar(128) NOT NULL,
        "image_id" char(26) NOT NULL,
        "action" varchar(16) NOT NULL,
        "note" text,
        "query_id" varchar(64),
        "created_at" timestamptz(3) NOT NULL DEFAULT now(),
        CONSTRAINT "pk_feedback" PRIMARY KEY ("feedback_id"),
        CONSTRAINT "ck_feedback_action" CHECK (${oneOf('action', FEEDBACK_ACTIONS)})
      )`);
    await queryRunner.query(
      `CREATE INDEX "idx_feedback_owner_image" ON "feedback" ("owner_user_id", "image_id", "created_at")`,
    );
    await queryRunner.query(
      `CREATE INDEX "idx_feedback_owner_action" ON "feedback" ("owner_user_id", "action", "created_at")`,
    );

    await queryRunner.query(`
      CREATE TABLE "dedup_groups" (
        "group_id" char(26) NOT NULL,
        "owner_user_id" varchar(128) NOT NULL,
        "kind" varchar(16) NOT NULL,
        "members" jsonb NOT NULL,
        "members_key" text NOT NULL,
        "suggested_keep" char(26),
        "status" varchar(16) NOT NULL DEFAULT 'open',
        "scan_job_id" char(26),
        "resolved_by" varchar(128),
        "resolved_at" timestamptz(3),
        "created_at" timestamptz(3) NOT NULL DEFAULT now(),
        "updated_at" timestamptz(3) NOT NULL DEFAULT now(),
        CONSTRAINT "pk_dedup_groups" PRIMARY KEY ("group_id"),
        CONSTRAINT "uq_dedup_groups_owner_kind_members" UNIQUE ("owner_user_id", "kind", "members_key"),
        CONSTRAINT "ck_dedup_groups_kind" CHECK (${oneOf('kind', DEDUP_KINDS)}),
        CONSTRAINT "ck_dedup_groups_status" CHECK (${oneOf('status', DEDUP_GROUP_STATUSES)})
      )`);
    await queryRunner.query(
      `CREATE INDEX "idx_dedup_groups_owner_kind_status" ON "dedup_groups" ("owner_user_id", "kind", "status", "created_at")`,
    );

    await queryRunner.query(`
      CREATE TABLE "dedup_decisions" (
        "decision_id" char(26) NOT NULL,
        "owner_user_id" varchar(128) NOT NULL,
        "image_a" char(26) NOT NULL,
        "image_b" char(26) NOT NULL,
        "verdict" varchar(16) NOT NULL,
        "user_id" varchar(128) NOT NULL,
        "group_id" char(26),
        "created_at" timestamptz(3) NOT NULL DEFAULT now(),
        "updated_at" timestamptz(3) NOT NULL DEFAULT now(),
        CONSTRAINT "pk_dedup_decisions" PRIMARY KEY ("decision_id"),
        CONSTRAINT "uq_dedup_decisions_owner_pair" UNIQUE ("owner_user_id", "image_a", "image_b"),
        CONSTRAINT "ck_dedup_decisions_verdict" CHECK (${oneOf('verdict', DEDUP_VERDICTS)}),
        CONSTRAINT "ck_dedup_decisions_pair_order" CHECK ("image_a" < "image_b")
      )`);
    await queryRunner.query(
      `CREATE INDEX "idx_dedup_decisions_owner_b" ON "dedup_decisions" ("owner_user_id", "image_b")`,
    );

    await queryRunner.query(`
      CREATE TABLE "anomaly_reviews" (
        "review_id" char(26) NOT NULL,
        "owner_user_id" varchar(128) NOT NULL,
        "image_id" char(26) NOT NULL,
        "verdict" varchar(16) NOT NULL,
        "method" varchar(16),
        "score" double precision,
        "note" text,
        "user_id" varchar(128) NOT NULL,
        "created_at" timestamptz(3) NOT NULL DEFAULT now(),
        CONSTRAINT "pk_anomaly_reviews" PRIMARY KEY ("review_id"),
        CONSTRAINT "ck_anomaly_reviews_verdict" CHECK (${oneOf('verdict', ANOMALY_VERDICTS)})
      )`);
    await queryRunner.query(
      `CREATE INDEX "idx_anomaly_reviews_owner_image" ON "anomaly_reviews" ("owner_user_id", "image_id", "created_at")`,
    );

    await queryRunner.query(`
      CREATE TABLE "audit_log" (
        "audit_id" char(26) NOT NULL,
        "owner_user_id" varchar(128) NOT NULL,
        "user_id" varchar(128) NOT NULL,
        "action" varchar(64) NOT NULL,
        "target" varchar(256),
        "details" jsonb NOT NULL DEFAULT '{}',
        "created_at" timestamptz(3) NOT NULL DEFAULT now(),
        CONSTRAINT "pk_audit_log" PRIMARY KEY ("audit_id")
      )`);
    await queryRunner.query(
      `CREATE INDEX "idx_audit_log_owner_created" ON "audit_log" ("owner_user_id", "created_at" DESC, "audit_id" DESC)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of [
      'audit_log',
      'anomaly_reviews',
      'dedup_decisions',
      'dedup_groups',
      'feedback',
      'jobs',
      'images',
    ]) {
      await queryRunner.query(`DROP TABLE "${table}"`);
    }
  }
}
