import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Geometric verifications of image pairs, kept so that each pair is verified once (docs/quality-loop.md). */
export class PairVerifications1767225600300 implements MigrationInterface {
  name = 'PairVerifications1767225600300';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "pair_verifications" (
        "owner_user_id" varchar(128) NOT NULL,
        "image_a" char(26) NOT NULL,
        "image_b" char(26) NOT NULL,
        "method" varchar(64) NOT NULL,
        "verified" boolean NOT NULL,
        "geometry" jsonb NOT NULL,
        "created_at" timestamptz(3) NOT NULL DEFAULT now(),
        CONSTRAINT "pk_pair_verifications" PRIMARY KEY ("owner_user_id", "image_a", "image_b")
      )`);
    // A deleted image's rows are found by either side.
    await queryRunner.query(
      `CREATE INDEX "idx_pair_verifications_owner_b" ON "pair_verifications" ("owner_user_id", "image_b")`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "pair_verifications"`);
  }
}
