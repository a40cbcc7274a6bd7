import { Check, Column, Entity, Index, PrimaryColumn, Unique } from 'typeorm';
import { TIMESTAMP, oneOf } from './column-types';

export const DEDUP_KINDS = ['exact', 'near', 'similar'] as const;
export type DedupKind = (typeof DEDUP_KINDS)[number];

export const DEDUP_GROUP_STATUSES = ['open', 'resolved'] as const;
export type DedupGroupStatus = (typeof DEDUP_GROUP_STATUSES)[number];

export const DEDUP_MEDIA = ['image', 'video'] as const;
export type DedupMedia = (typeof DEDUP_MEDIA)[number];

/** How a video member lines up with the group's reference video (docs/video.md). */
export interface DedupVideoMember {
  videoId: string;
  /** The member's time = the reference's time + offsetMs. */
  offsetMs: number;
  /** Share of the member's duration matched with the video it joined through. */
  matchedShare: number;
  /** Share of that video's duration matched with the member. */
  otherMatchedShare: number;
  matchedFrames: number;
  /** The video the member was aligned with (the reference itself, or a member aligned with it). */
  alignedWith?: string;
}

export interface DedupMember {
  /** For a video group: the video's poster frame (its thumbnail); `video.videoId` is the member. */
  imageId: string;
  hamming?: number;
  cosine?: number;
  /** The rule that admitted the member's pair with the keep and its geometry (dedup's MemberEvidence). */
  evidence?: { rule: string; geometry?: object };
  video?: DedupVideoMember;
}

/** The id a member is decided and keyed by: the video for a video group, else the image. */
export function memberId(member: DedupMember): string {
  return member.video?.videoId ?? member.imageId;
}

/** A set of look-alikes found by a sweep; membersKey (sorted ids) makes a re-run sweep idempotent. */
@Entity({ name: 'dedup_groups' })
@Unique('uq_dedup_groups_owner_kind_members', ['ownerUserId', 'kind', 'membersKey'])
@Index('idx_dedup_groups_owner_kind_status', ['ownerUserId', 'kind', 'status', 'createdAt'])
@Check('ck_dedup_groups_kind', oneOf('kind', DEDUP_KINDS))
@Check('ck_dedup_groups_status', oneOf('status', DEDUP_GROUP_STATUSES))
@Check('ck_dedup_groups_media', oneOf('media', DEDUP_MEDIA))
@Index('idx_dedup_groups_owner_media_status', ['ownerUserId', 'media', 'status', 'createdAt'])
export class DedupGroupEntity {
  @PrimaryColumn({ name: 'group_id', type: 'char', length: 26, primaryKeyConstraintName: 'pk_dedup_groups' })
  groupId!: string;

  @Column({ name: 'owner_user_id', type: 'varchar', length: 128 })
  ownerUserId!: string;

  @Column({ name: 'kind', type: 'varchar', length: 16 })
  kind!: DedupKind;

  @Column({ name: 'media', type: 'varchar', length: 16, default: 'image' })
  media!: DedupMedia;

  @Column({ name: 'members', type: 'jsonb' })
  members!: DedupMember[];

  @Column({ name: 'members_key', type: 'text' })
  membersKey!: string;

  @Column({ name: 'suggested_keep', type: 'char', length: 26, nullable: true })
  suggestedKeep!: string | null;

  @Column({ name: 'status', type: 'varchar', length: 16, default: 'open' })
  status!: DedupGroupStatus;

  @Column({ name: 'scan_job_id', type: 'char', length: 26, nullable: true })
  scanJobId!: string | null;

  @Column({ name: 'resolved_by', type: 'varchar', length: 128, nullable: true })
  resolvedBy!: string | null;

  @Column({ name: 'resolved_at', ...TIMESTAMP, nullable: true })
  resolvedAt!: Date | null;

  @Column({ name: 'created_at', ...TIMESTAMP, default: () => 'now()' })
  createdAt!: Date;

  @Column({ name: 'updated_at', ...TIMESTAMP, default: () => 'now()' })
  updatedAt!: Date;
}
