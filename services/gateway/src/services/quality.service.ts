import { Injectable } from '@nestjs/common';
import { Caller, Subjects } from '@lookalike/contracts';
import { RpcClient } from '@lookalike/messaging';
import { JobRefDto } from '../dtos/common.dto';
import { DuplicateGroupDto, GroupListResponseDto, GroupsQueryDto, ResolveGroupDto } from '../dtos/dedup.dto';
import { AnomaliesQueryDto, AnomalyItemDto, AnomalyListResponseDto, ReviewAnomalyDto } from '../dtos/qa.dto';
import {
  CreateFeedbackDto,
  FeedbackEntryDto,
  FeedbackListResponseDto,
  FeedbackQueryDto,
} from '../dtos/feedback.dto';

/** Dedup review, anomaly review and feedback: the reviewers' loop. */
@Injectable()
export class QualityService {
  constructor(private readonly rpc: RpcClient) {}

  async scan(caller: Caller): Promise<JobRefDto> {
    return JobRefDto.from((await this.rpc.send(Subjects.DedupScan, { caller })).jobId);
  }

  async groups(caller: Caller, query: GroupsQueryDto): Promise<GroupListResponseDto> {
    const reply = await this.rpc.send(Subjects.DedupListGroups, {
      caller,
      kind: query.kind ?? '',
      status: query.status ?? 'open',
      media: query.media ?? '',
      cursor: query.cursor ?? '',
      limit: query.limit ?? 50,
    });
    return { groups: reply.groups.map(DuplicateGroupDto.from), next_cursor: reply.nextCursor || undefined };
  }

  async resolve(caller: Caller, groupId: string, dto: ResolveGroupDto): Promise<DuplicateGroupDto> {
    const reply = await this.rpc.send(Subjects.DedupResolveGroup, {
      caller,
      groupId,
      keep: dto.keep ?? [],
      duplicates: dto.duplicates ?? [],
      notDuplicate: (dto.not_duplicate ?? []).map(([a, b]) => ({ a, b })),
    });
    return DuplicateGroupDto.from(reply.group ?? ({ members: [] } as never));
  }

  async anomalies(caller: Caller, query: AnomaliesQueryDto): Promise<AnomalyListResponseDto> {
    const reply = await this.rpc.send(Subjects.AnomalyList, {
      caller,
      method: query.method ?? 'combined',
      status: query.status ?? 'open',
      cursor: query.cursor ?? '',
      limit: query.limit ?? 50,
    });
    return { items: reply.items.map(AnomalyItemDto.from), next_cursor: reply.nextCursor || undefined };
  }

  async review(caller: Caller, imageId: string, dto: ReviewAnomalyDto): Promise<AnomalyItemDto> {
    const reply = await this.rpc.send(Subjects.AnomalyReview, {
      caller,
      imageId,
      verdict: dto.verdict,
      note: dto.note ?? '',
    });
    return AnomalyItemDto.from(reply.item ?? ({ qualityFlags: [] } as never));
  }

  async recompute(caller: Caller): Promise<JobRefDto> {
    return JobRefDto.from((await this.rpc.send(Subjects.AnomalyRecompute, { caller })).jobId);
  }

  async createFeedback(caller: Caller, dto: CreateFeedbackDto): Promise<FeedbackEntryDto> {
    const reply = await this.rpc.send(Subjects.FeedbackCreate, {
      caller,
      imageId: dto.image_id,
      action: dto.action,
      note: dto.note ?? '',
      queryId: dto.query_id ?? '',
      queryImageId: dto.query_image_id ?? '',
    });
    return FeedbackEntryDto.from(reply.entry ?? ({} as never));
  }

  async listFeedback(caller: Caller, query: FeedbackQueryDto): Promise<FeedbackListResponseDto> {
    const reply = await this.rpc.send(Subjects.FeedbackList, {
      caller,
      imageId: query.image_id ?? '',
      cursor: query.cursor ?? '',
      limit: query.limit ?? 50,
    });
    return { entries: reply.entries.map(FeedbackEntryDto.from), next_cursor: reply.nextCursor || undefined };
  }

  /** Hard negatives as JSON lines, one `{query_id, query_image_id, hit_image_id, note, created_at}` per line. */
  async hardNegatives(caller: Caller): Promise<string> {
    const reply = await this.rpc.send(Subjects.FeedbackHardNegatives, { caller });
    return reply.items
      .map((h) =>
        JSON.stringify({
          query_id: h.queryId,
          query_image_id: h.queryImageId,
          hit_image_id: h.hitImageId,
          note: h.note,
          created_at: h.createdAt,
        }),
      )
      .map((line) => `${line}\n`)
      .join('');
  }
}
