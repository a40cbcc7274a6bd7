import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Videos (docs/video.md): one row per stored video, and on `images` the fields that make a row a
 * frame of one (`video_id`, `frame_index`, `t_ms`, `shot_id`).
 */
export class Videos1767225600400 implements MigrationInterface {
  name = 'Videos1767225600400';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "videos" (
        "video_id" char(26) NOT NULL,
        "owner_user_id" varchar(128) NOT NULL,
        "sha256" char(64) NOT NULL,
        "status" varchar(16) NOT NULL,
        "bucket" varchar(255) NOT NULL,
        "object_key" varchar(1024) NOT NULL,
        "size_bytes" bigint NOT NULL,
        "source" varchar(16) NOT NULL,
        "tags" text array NOT NULL DEFAULT '{}',
        "container" varchar(16) NOT NULL,
        "codec" varchar(32) NOT NULL,
        "duration_ms" integer NOT NULL,
        "fps" double precision NOT NULL,
        "width" integer NOT NULL,
        "height" integer NOT NULL,
        "frame_count" integer NOT NULL,
        "has_audio" boolean NOT NULL,
        "shots" jsonb NOT NULL DEFAULT '[]',
        "frames_total" integer NOT NULL DEFAULT 0,
        "frames_done" integer NOT NULL DEFAULT 0,
        "poster_image_id" char(26),
        "job_id" char(26),
        "error" text,
        "created_at" timestamptz(3) NOT NULL DEFAULT now(),
        "updated_at" timestamptz(3) NOT NULL DEFAULT now(),
        CONSTRAINT "uq_videos_owner_sha256" UNIQUE ("owner_user_id", "sha256"),
        CONSTRAINT "ck_videos_status" CHECK ("status" IN ('stored', 'extracting', 'indexed', 'failed', 'deleting')),
        CONSTRAINT "ck_videos_source" CHECK ("source" IN ('upload', 'api', 'batch', 'video')),
        CONSTRAINT "pk_videos" PRIMARY KEY ("video_id")
      )`);
    await queryRunner.query(
      `CREATE INDEX "idx_videos_owner_created" ON "videos" ("owner_user_id", "created_at", "video_id")`,
    );
    // A kept frame's row says so in `source` (the vector payload carries it, so search knows which
    // hits to look up as frames).
    await queryRunner.query(`ALTER TABLE "images" DROP CONSTRAINT "ck_images_source"`);
    await queryRunner.query(
      `ALTER TABLE "images" ADD CONSTRAINT "ck_images_source" CHECK ("source" IN ('upload', 'api', 'batch', 'video'))`,
    );
    await queryRunner.query(`ALTER TABLE "images" ADD "video_id" char(26)`);
    await queryRunner.query(`ALTER TABLE "images" ADD "frame_index" integer`);
    await queryRunner.query(`ALTER TABLE "images" ADD "t_ms" integer`);
    await queryRunner.query(`ALTER TABLE "images" ADD "shot_id" integer`);
    // A video's frames in time order.
    await queryRunner.query(
      `CREATE INDEX "idx_images_owner_video" ON "images" ("owner_user_id", "video_id", "t_ms")`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "idx_images_owner_video"`);
    for (const column of ['shot_id', 't_ms', 'frame_index', 'video_id']) {
      await queryRunner.query(`ALTER TABLE "images" DROP COLUMN "${column}"`);
    }
    await queryRunner.query(`DROP TABLE "videos"`);
    await queryRunner.query(`ALTER TABLE "images" DROP CONSTRAINT "ck_images_source"`);
    await queryRunner.query(
      `ALTER TABLE "images" ADD CONSTRAINT "ck_images_source" CHECK ("source" IN ('upload', 'api', 'batch'))`,
    );
  }
}
