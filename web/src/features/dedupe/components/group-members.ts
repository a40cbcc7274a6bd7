import type { DuplicateGroup, GroupMember } from '@/api/types';

/**
 * What a decision names a member by: its image, or in a video group its video (the member's image is
 * only the video's poster frame, for the thumbnail).
 */
export function memberId(group: Pick<DuplicateGroup, 'media'>, member: GroupMember): string {
  return group.media === 'video' && member.video ? member.video.video_id : member.image_id;
}

export function memberIds(group: Pick<DuplicateGroup, 'media' | 'members'>): string[] {
  return group.members.map((m) => memberId(group, m));
}

/** "image"/"images" or "video"/"videos", for labels. */
export function memberNoun(group: Pick<DuplicateGroup, 'media'>, count: number): string {
  const noun = group.media === 'video' ? 'video' : 'image';
  return count === 1 ? noun : `${noun}s`;
}
