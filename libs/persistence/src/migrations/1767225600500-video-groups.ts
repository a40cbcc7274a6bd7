import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Near-duplicate videos as dedup groups (docs/video.md): `media` says whether a group's members
 * are images or videos. Video groups share the tiers, listing and review flow of image groups;
 * their members carry the video id, the aligned offset and the matched shares in `members`.
 */
export class VideoGroups1767225600500 implements MigrationInterface {
  name = 'VideoGroups1767225600500';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "dedup_groups" ADD "media" varchar(16) NOT NULL DEFAULT 'image'`);
    await queryRunner.query(
      `ALTER TABLE "dedup_groups" ADD CONSTRAINT "ck_dedup_groups_media" CHECK ("media" IN ('image', 'video'))`,
    );
    await queryRunner.query(
      `CREATE INDEX "idx_dedup_groups_owner_media_status" ON "dedup_groups" ("owner_user_id", "media", "status", "created_at")`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "idx_dedup_groups_owner_media_status"`);
    await queryRunner.query(`ALTER TABLE "dedup_groups" DROP CONSTRAINT "ck_dedup_groups_media"`);
    await queryRunner.query(`ALTER TABLE "dedup_groups" DROP COLUMN "media"`);
  }
}
